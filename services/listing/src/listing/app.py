"""The listing service's HTTP app factory."""

from listing.entrypoints.http import router
from listing.settings import Settings
from stockpath_runtime.http import create_service_app


def create_api(settings: Settings):
    return create_service_app(
        settings,
        title="Stockpath listing",
        description=(
            "Sales listings of registered items, one per sales channel, with the stock buyers can order. "
            "Public, buyer-facing data."
        ),
        routers=[router],
    )
