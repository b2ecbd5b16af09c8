"""What a service tells the runtime about itself: one `ServiceDefinition` per service.

Each service exposes it as the ``stockpath.services`` entry point, so the command line and
the test fixtures find every installed service without importing them by name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING

from stockpath_runtime.settings import ServiceSettings
from stockpath_runtime.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from fastapi import FastAPI

    from stockpath_runtime.consumer import Subscription


@dataclass(frozen=True)
class Timer:
    """Work a service's worker does on a clock rather than on a message (inventory's daily storage
    snapshots): `run` is called every `interval_s` seconds (the first time one interval after the
    worker started; 0 or less: never) with a factory of the service's units of work. A failing run
    is logged and tried again at the next tick; several replicas each run it, so it must be
    idempotent."""

    name: str
    interval_s: float
    run: Callable[[Callable[[], UnitOfWork]], Awaitable[object]]


@dataclass(frozen=True)
class ServiceDefinition:
    name: str
    settings: type[ServiceSettings]
    migrations: Path
    #: Builds the HTTP app from settings (the app creates its engine in its lifespan).
    api: Callable[[ServiceSettings], FastAPI]
    #: The service's unit of work (its typed repositories); the worker opens one per batch.
    unit_of_work: type[UnitOfWork] = UnitOfWork
    #: What the worker consumes (`stockpath_runtime.consumer.subscribe` of the consumer table).
    subscriptions: Callable[[ServiceSettings], list[Subscription]] = field(
        default=lambda settings: []
    )
    #: What the worker runs on a clock beside its consumers (`Timer`).
    timers: Callable[[ServiceSettings], list[Timer]] = field(default=lambda settings: [])
    #: Where the service sorts in listings and start-up order (`stockpath up`, status tables).
    order: int = 0

    def load_settings(self, **overrides) -> ServiceSettings:
        return self.settings(**overrides)

    def consumed(self, settings: ServiceSettings) -> list[Subscription]:
        """Everything the service's worker consumes: its own subscriptions, and `identity.events`
        (every service keeps its copy of the credentials it authenticates callers with)."""
        from stockpath_runtime.credentials import identity_subscription

        return [*self.subscriptions(settings), identity_subscription()]


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
