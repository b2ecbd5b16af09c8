"""Registration's HTTP app factory. The catalog client and the FC network are built here, once,
so tests can hand in another transport or network without patching module paths."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import httpx
from fastapi.staticfiles import StaticFiles

from registration.adapters.catalog import CatalogClient
from registration.console import STATIC
from registration.entrypoints import console
from registration.entrypoints.http import router
from registration.settings import Settings
from stockpath_network import FulfillmentCenter, network
from stockpath_runtime.http import create_service_app


def create_api(
    settings: Settings,
    *,
    catalog_transport: httpx.AsyncBaseTransport | None = None,
    inventory_transport: httpx.AsyncBaseTransport | None = None,
    fulfillment_centers: Callable[[], Iterable[FulfillmentCenter]] = network,
):
    app = create_service_app(
        settings,
        title="Stockpath registration",
        description=(
            "Sellers register catalog items for fulfillment and listing, and get inbound shipment "
            "plans (which fulfillment center, its address, the FNSKUs to label) before any sale."
        ),
        routers=[router, console.router],
    )
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")
    app.add_exception_handler(console.SignInRequired, console.sign_in_redirect)
    app.state.catalog = lambda: CatalogClient(
        settings.catalog_url,
        timeout_s=settings.catalog_timeout_s,
        concurrency=settings.catalog_concurrency,
        transport=catalog_transport,
    )
    app.state.inventory_transport = inventory_transport
    app.state.fulfillment_centers = fulfillment_centers
    return app
