"""The inventory service's wiring, and the only place of it: how the runtime finds the service
(`SERVICE`), its HTTP API (`create_api`), what its worker consumes (`subscriptions`) and does on a
clock (`timers`)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from inventory.entrypoints import consumers, fc_exceptions, fc_sign_in
from inventory.entrypoints.fc_pages import pages
from inventory.entrypoints.http import ERRORS, router
from inventory.entrypoints.statements import StatementDependencies
from inventory.entrypoints.statements import router as statements
from inventory.service_layer.storage import take_due_snapshots
from inventory.service_layer.unit_of_work import InventoryUnitOfWork
from inventory.settings import Settings
from stockpath_network.fees import fee_schedule
from stockpath_runtime.consumer import Subscription, subscribe
from stockpath_runtime.http import ClientError, create_service_app
from stockpath_runtime.service import ServiceDefinition, Timer


def create_api(settings: Settings):
    app = create_service_app(
        settings,
        title="Stockpath inventory",
        description=(
            "Fulfillment centers record what arrived for an inbound shipment; sellers and other "
            "services read the resulting quantity buckets per FNSKU and FC, and the ledger of every movement."
        ),
        routers=[router, statements, fc_sign_in.router, pages, fc_exceptions.pages],
        unit_of_work=InventoryUnitOfWork,
        dependencies=StatementDependencies(fees=fee_schedule()),
        errors=ERRORS,
    )
    # The FC pages answer a visitor not signed in, or a form without its CSRF token, with a page.
    for error, handler in fc_sign_in.page_error_handlers(
        app.exception_handlers[ClientError]
    ).items():
        app.add_exception_handler(error, handler)
    return app


def subscriptions(settings: Settings) -> list[Subscription]:
    return subscribe(consumers.CONSUMES, fees=fee_schedule())


def timers(settings: Settings) -> list[Timer]:
    """The worker takes each ended day's storage snapshot itself (docs/fees.md#storage)."""
    fees = fee_schedule()

    async def take_snapshots(unit_of_work) -> None:
        await take_due_snapshots(datetime.now(UTC).date(), unit_of_work, fees=fees)

    return [Timer("storage-snapshots", settings.storage_snapshot_interval_s, take_snapshots)]


SERVICE = ServiceDefinition(
    name="inventory",
    settings=Settings,
    migrations=Path(__file__).parent / "migrations",
    api=create_api,
    unit_of_work=InventoryUnitOfWork,
    subscriptions=subscriptions,
    timers=timers,
    # After registration, whose shipment plans it consumes.
    order=4,
)
