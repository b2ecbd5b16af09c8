"""The inventory service's HTTP app factory: receipts from FC staff, quantity buckets and the ledger."""

from inventory.entrypoints.fc_pages import pages
from inventory.entrypoints.http import router
from inventory.settings import Settings
from stockpath_runtime.http import create_service_app


def create_api(settings: Settings):
    return create_service_app(
        settings,
        title="Stockpath inventory",
        description=(
            "Fulfillment centers record what arrived for an inbound shipment; sellers and other "
            "services read the resulting quantity buckets per FNSKU and FC, and the ledger of every movement."
        ),
        routers=[router, pages],
    )
