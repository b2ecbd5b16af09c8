"""How the runtime finds and wires the order-router service; the one place that picks the
routing policy and the FC network it routes over."""

from pathlib import Path

from order_router.app import create_api
from order_router.domain.routing import FewestShipmentsPolicy, RoutingPolicy
from order_router.entrypoints import consumers
from order_router.settings import Settings
from stockpath_network import network
from stockpath_runtime.service import ServiceDefinition


def routing_policy() -> RoutingPolicy:
    return FewestShipmentsPolicy(network())


def subscriptions(settings: Settings, engine) -> list:
    return consumers.subscriptions(routing_policy())


SERVICE = ServiceDefinition(
    name="order-router",
    settings=Settings,
    migrations=Path(__file__).parent / "migrations",
    api=create_api,
    subscriptions=subscriptions,
    order=5,
)
