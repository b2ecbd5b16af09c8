"""What a service tells the runtime about itself: one `ServiceDefinition` per service.

Each service exposes it as the ``stockpath.services`` entry point, so the command line and
the test fixtures find every installed service without importing them by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING

from stockpath_runtime.settings import ServiceSettings

if TYPE_CHECKING:
    from fastapi import FastAPI
    from sqlalchemy.ext.asyncio import AsyncEngine

    from stockpath_runtime.consumer import Subscription


@dataclass(frozen=True)
class ServiceDefinition:
    name: str
    settings: type[ServiceSettings]
    migrations: Path
    #: Builds the HTTP app from settings (the app creates its engine in its lifespan).
    api: Callable[[ServiceSettings], FastAPI]
    #: The consumer's subscriptions, built once the worker has its engine.
    subscriptions: Callable[[ServiceSettings, AsyncEngine], list[Subscription]] = field(
        default=lambda settings, engine: []
    )
    #: Where the service sorts in listings and start-up order (`stockpath up`, status tables).
    order: int = 0

    def load_settings(self, **overrides) -> ServiceSettings:
        return self.settings(**overrides)


def installed_services() -> dict[str, ServiceDefinition]:
    found = {ep.name: ep.load() for ep in entry_points(group="stockpath.services")}
    return dict(sorted(found.items(), key=lambda kv: (kv[1].order, kv[0])))


def get_service(name: str) -> ServiceDefinition:
    """An installed service by name, or any definition by ``module:attribute`` (used by tests)."""
    if ":" in name:
        import importlib

        module, _, attribute = name.partition(":")
        return getattr(importlib.import_module(module), attribute)
    found = entry_points(group="stockpath.services", name=name)
    if not found:
        installed = ", ".join(sorted(ep.name for ep in entry_points(group="stockpath.services")))
        raise SystemExit(f"unknown service {name!r}; installed: {installed}")
    return next(iter(found)).load()
