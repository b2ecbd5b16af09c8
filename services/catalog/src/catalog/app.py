"""The catalog's HTTP app factory (the catalog consumes no topics; its worker only relays the outbox)."""

from catalog.entrypoints.http import router
from catalog.settings import Settings
from stockpath_runtime.http import create_service_app


def create_api(settings: Settings):
    return create_service_app(
        settings,
        title="Stockpath catalog",
        description="Search the catalog of items sellers can register for fulfillment and listing.",
        routers=[router],
    )
