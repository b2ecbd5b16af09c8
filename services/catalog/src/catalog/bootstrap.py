"""How the runtime finds and wires the catalog service: the one place dependencies are built.
(The catalog consumes no topics; its worker only relays the outbox.)"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from catalog.entrypoints import http
from catalog.service_layer.unit_of_work import CatalogUnitOfWork
from catalog.settings import Settings
from stockpath_runtime.http import create_service_app
from stockpath_runtime.service import ServiceDefinition


def create_api(settings: Settings) -> FastAPI:
    return create_service_app(
        settings,
        title="Stockpath catalog",
        description="Search the catalog of items sellers can register for fulfillment and listing.",
        routers=[http.router],
        unit_of_work=CatalogUnitOfWork,
        errors=http.ERRORS,
    )


SERVICE = ServiceDefinition(
    name="catalog",
    settings=Settings,
    migrations=Path(__file__).parent / "migrations",
    api=create_api,
    unit_of_work=CatalogUnitOfWork,
    order=1,
)
