"""The order router's HTTP app factory."""

from order_router.entrypoints.http import router
from order_router.settings import Settings
from stockpath_runtime.http import create_service_app


def create_api(settings: Settings):
    return create_service_app(
        settings,
        title="Stockpath order router",
        description=(
            "Accepts orders for listed items, chooses the fulfillment center that ships them, "
            "reserves the stock and instructs the FC."
        ),
        routers=[router],
    )
