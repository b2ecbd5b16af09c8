"""The listing service's HTTP app factory: the listings API, product feeds, the buyer storefront,
and (when the webhook channel has an endpoint) the webhook delivery loop."""

from __future__ import annotations

import asyncio
import contextlib

from listing.adapters.webhook import WebhookDispatcher
from listing.entrypoints.feeds import router as feeds_router
from listing.entrypoints.http import router
from listing.entrypoints.storefront import router as storefront_router
from listing.settings import Settings
from stockpath_runtime.http import create_service_app


def create_api(settings: Settings):
    async def start_webhook_deliveries(app) -> None:
        # Deliveries run beside the API rather than in the worker: the runtime's worker runs only
        # consumers and the outbox relay. Rows are claimed with SKIP LOCKED, so every API replica
        # may run this loop safely; the queue is durable, so a restart loses nothing.
        app.state.webhook_task = None
        if settings.webhook.url:
            hook = settings.webhook
            dispatcher = WebhookDispatcher(
                app.state.engine,
                hook.url,
                timeout_s=hook.timeout_s,
                max_attempts=hook.max_attempts,
                initial_backoff_s=hook.initial_backoff_s,
                max_backoff_s=hook.max_backoff_s,
                poll_interval_s=hook.poll_interval_s,
            )
            app.state.webhook_task = asyncio.create_task(dispatcher.run())

    async def stop_webhook_deliveries(app) -> None:
        task = app.state.webhook_task
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return create_service_app(
        settings,
        title="Stockpath listing",
        description=(
            "Sales listings of registered items, one per sales channel, with the stock buyers can order; "
            "per-seller product feeds; and the buyer storefront under /shop."
        ),
        routers=[router, feeds_router, storefront_router],
        on_startup=start_webhook_deliveries,
        on_shutdown=stop_webhook_deliveries,
    )
