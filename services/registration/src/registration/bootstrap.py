"""The only wiring of the registration service: how the runtime finds it (SERVICE), its HTTP API
and its consumer, and every dependency they are given.

The catalog client, the inventory and order-router clients (with registration's own service
credential) and the FC network are built here, once, so tests can hand in another transport or
network without patching module paths; so are the console's cookie path and its pages' answers to 401, 403 and a stale form.
The catalog client, the inventory, listing and order-router clients (with registration's own service credential)
and the FC network are built here, once, so tests can hand in another transport or network without patching
module paths; so are the console's cookie path and its pages' answers to 401, 403 and a stale form.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import httpx
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from registration.adapters.catalog import CatalogClient
from registration.adapters.dispatcher import NotificationDispatcher
from registration.adapters.inventory import InventoryClient
from registration.adapters.listing import ListingClient
from registration.adapters.order_router import OrderRouterClient
from registration.console import STATIC
from registration.entrypoints import console, consumers, credentials, http, notifications
from registration.entrypoints.dependencies import RegistrationDependencies
from registration.service_layer.notifications import forget_old_orders
from registration.service_layer.unit_of_work import RegistrationUnitOfWork
from registration.settings import Settings
from stockpath_network import FulfillmentCenter, network
from stockpath_runtime.auth import Forbidden
from stockpath_runtime.background import beside_the_api
from stockpath_runtime.consumer import Subscription, subscribe
from stockpath_runtime.http import ClientError, Unauthorized, create_service_app
from stockpath_runtime.service import ServiceDefinition, Timer
from stockpath_runtime.sessions import InvalidCsrfToken


def create_api(
    settings: Settings,
    *,
    catalog_transport: httpx.AsyncBaseTransport | None = None,
    inventory_transport: httpx.AsyncBaseTransport | None = None,
    order_router_transport: httpx.AsyncBaseTransport | None = None,
    listing_transport: httpx.AsyncBaseTransport | None = None,
    fulfillment_centers: Callable[[], Iterable[FulfillmentCenter]] = network,
) -> FastAPI:
    dependencies = RegistrationDependencies(
        catalog=lambda correlation_id: CatalogClient(
            settings.catalog_url,
            timeout_s=settings.catalog_timeout_s,
            concurrency=settings.catalog_concurrency,
            transport=catalog_transport,
            correlation_id=correlation_id,
        ),
        # The console's stock page waits on inventory as long as on the catalog, asking as registration.
        inventory=InventoryClient(
            settings.inventory_url,
            timeout_s=settings.catalog_timeout_s,
            service_token=settings.service_token,
            transport=inventory_transport,
        ),
        order_router=OrderRouterClient(
            settings.order_router_url,
            timeout_s=settings.catalog_timeout_s,
            service_token=settings.service_token,
            transport=order_router_transport,
        ),
        listing=ListingClient(
            settings.listing_url,
            timeout_s=settings.catalog_timeout_s,
            service_token=settings.service_token,
            transport=listing_transport,
        ),
        fulfillment_centers=fulfillment_centers,
        restricted_categories=tuple(settings.restricted_categories),
        notifications=settings.notifications,
    )
    start_deliveries, stop_deliveries = _notification_deliveries(settings)
    app = create_service_app(
        settings,
        title="Stockpath registration",
        description=(
            "Sellers register catalog items for fulfillment and listing, and get inbound shipment "
            "plans (which fulfillment center, its address, the FNSKUs to label) before any sale. "
            "Registration is also the platform's authority for sellers and credentials."
        ),
        routers=[credentials.router, http.router, notifications.router, console.router],
        unit_of_work=RegistrationUnitOfWork,
        dependencies=dependencies,
        errors={**http.ERRORS, **credentials.ERRORS, **notifications.ERRORS},
        on_startup=start_deliveries,
        on_shutdown=stop_deliveries,
    )
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")
    # The console's cookies (session, CSRF) go only to the console's pages, never to the JSON API.
    app.state.sessions.path = "/console"
    # Refusals (401, 403, a form's CSRF token) answer with a page on the console, as JSON elsewhere.
    refusals = console.refusals(app.exception_handlers[ClientError])
    for refusal in (Unauthorized, Forbidden, InvalidCsrfToken):
        app.add_exception_handler(refusal, refusals)
    return app


def _notification_deliveries(settings: Settings):
    """Start and stop hooks running the notification dispatcher beside the API, as listing runs
    its webhook channel's (`stockpath_runtime.background`)."""
    options = settings.notifications

    async def deliver(app: FastAPI) -> None:
        dispatcher = NotificationDispatcher(
            app.state.engine,
            allow_local=options.allow_local,
            timeout_s=options.timeout_s,
            max_attempts=options.max_attempts,
            initial_backoff_s=options.initial_backoff_s,
            max_backoff_s=options.max_backoff_s,
            poll_interval_s=options.poll_interval_s,
        )
        await dispatcher.run()

    return beside_the_api(deliver)


def subscriptions(settings: Settings) -> list[Subscription]:
    return subscribe(consumers.CONSUMES)


def timers(settings: Settings) -> list[Timer]:
    """The worker forgets orders its notifications' memory no longer needs (docs/notifications.md)."""
    days = settings.notifications.memory_days

    async def forget(unit_of_work) -> None:
        await forget_old_orders(unit_of_work(), days=days)

    return [Timer("notification-memory", settings.notifications.memory_prune_interval_s, forget)]


SERVICE = ServiceDefinition(
    name="registration",
    settings=Settings,
    migrations=Path(__file__).parent / "migrations",
    api=create_api,
    unit_of_work=RegistrationUnitOfWork,
    subscriptions=subscriptions,
    timers=timers,
    order=2,
)
