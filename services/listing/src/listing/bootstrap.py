"""How the runtime finds and wires the listing service: the one place dependencies are built."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from listing.adapters.webhook import WebhookDispatcher
from listing.domain.channels import ChannelDirectory, channel_directory
from listing.entrypoints import consumers, feeds, http, storefront, stranded
from listing.service_layer.unit_of_work import ListingUnitOfWork
from listing.settings import Settings
from stockpath_runtime.background import beside_the_api
from stockpath_runtime.consumer import Subscription, subscribe
from stockpath_runtime.http import create_service_app
from stockpath_runtime.service import ServiceDefinition


def channels_for(settings: Settings) -> ChannelDirectory:
    return channel_directory(webhook_url=settings.webhook.url)


def subscriptions(settings: Settings) -> list[Subscription]:
    """Everything the worker consumes (`consumers.CONSUMES`), with the deployment's channels."""
    return subscribe(consumers.CONSUMES, channels=channels_for(settings))


def create_api(settings: Settings) -> FastAPI:
    """The listings API, product feeds, the buyer storefront under /shop, and (when the webhook
    channel has an endpoint) the webhook delivery loop beside them."""
    start_deliveries, stop_deliveries = _webhook_deliveries(settings)
    app = create_service_app(
        settings,
        title="Stockpath listing",
        description=(
            "Sales listings of registered items, one per sales channel, with the stock buyers can order; "
            "per-seller product feeds; and the buyer storefront under /shop."
        ),
        routers=[http.router, stranded.router, feeds.router, storefront.router],
        unit_of_work=ListingUnitOfWork,
        dependencies=http.ApiSettings(
            max_page_size=settings.max_page_size, shop_url=settings.shop_url
        ),
        errors=http.ERRORS,
        on_startup=start_deliveries,
        on_shutdown=stop_deliveries,
    )
    # The storefront's stylesheet and script: files, as the pages' Content-Security-Policy wants.
    app.mount("/shop/static", StaticFiles(directory=storefront.STATIC), name="shop-static")
    for error, answer in storefront.PAGE_ERRORS.items():
        app.add_exception_handler(error, answer)
    return app


def _webhook_deliveries(settings: Settings):
    """Start and stop hooks running the webhook dispatcher beside the API (none without an endpoint).

    Deliveries run beside the API rather than in the worker: the runtime's worker runs only
    consumers and the outbox relay. Rows are claimed with SKIP LOCKED, so every API replica may
    run this loop safely; the queue is durable, so a restart loses nothing.
    """
    hook = settings.webhook
    if not hook.url:
        return None, None

    async def deliver(app: FastAPI) -> None:
        # The engine is the API's own, made when the app starts (so the dispatcher is made then too).
        dispatcher = WebhookDispatcher(
            app.state.engine,
            hook.url,
            timeout_s=hook.timeout_s,
            max_attempts=hook.max_attempts,
            initial_backoff_s=hook.initial_backoff_s,
            max_backoff_s=hook.max_backoff_s,
            poll_interval_s=hook.poll_interval_s,
        )
        await dispatcher.run()

    return beside_the_api(deliver)


SERVICE = ServiceDefinition(
    name="listing",
    settings=Settings,
    migrations=Path(__file__).parent / "migrations",
    api=create_api,
    unit_of_work=ListingUnitOfWork,
    subscriptions=subscriptions,
    order=3,
)
