"""The order router's wiring, and the only place that builds its dependencies: the routing policy
(and the FC network it routes over), the fee schedule MCF orders are priced with, the worker's
subscriptions and the HTTP app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from order_router.domain.routing import FewestShipmentsPolicy, RoutingPolicy
from order_router.entrypoints import consumers, http, mcf
from order_router.service_layer.unit_of_work import OrderRouterUnitOfWork
from order_router.settings import Settings
from stockpath_network import network
from stockpath_network.fees import fee_schedule
from stockpath_runtime.consumer import Subscription, subscribe
from stockpath_runtime.http import create_service_app
from stockpath_runtime.service import ServiceDefinition


def routing_policy() -> RoutingPolicy:
    return FewestShipmentsPolicy(network())


def subscriptions(settings: Settings) -> list[Subscription]:
    return subscribe(consumers.CONSUMES, policy=routing_policy())


def create_api(settings: Settings) -> FastAPI:
    return create_service_app(
        settings,
        title="Stockpath order router",
        description=(
            "Accepts orders for listed items, chooses the fulfillment center that ships them, "
            "reserves the stock and instructs the FC."
        ),
        routers=[http.router, mcf.router],
        unit_of_work=OrderRouterUnitOfWork,
        dependencies=mcf.McfPricing(routing_policy(), fee_schedule()),
        errors={**http.ERRORS, **mcf.ERRORS},
    )


SERVICE = ServiceDefinition(
    name="order-router",
    settings=Settings,
    migrations=Path(__file__).parent / "migrations",
    api=create_api,
    unit_of_work=OrderRouterUnitOfWork,
    subscriptions=subscriptions,
    order=5,
)
