"""A minimal service used to test the runtime itself: it consumes OrderPlaced from `orders` and
records one `effects` row per applied event. Its behaviour is steered by the order's channel:

- ``always-fails``: the handler raises every time (poison that decodes fine);
- anything else: one effects row.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from fastapi import APIRouter

from stockpath_events import Envelope, Topics
from stockpath_events.types.orders import OrderPlaced
from stockpath_runtime.consumer import Subscription
from stockpath_runtime.http import create_service_app
from stockpath_runtime.service import ServiceDefinition
from stockpath_runtime.settings import ServiceSettings, settings_config
from stockpath_runtime.unit_of_work import UnitOfWork

metadata = sa.MetaData()
effects = sa.Table(
    "effects",
    metadata,
    sa.Column("event_id", sa.Text, primary_key=True),
    sa.Column("order_id", sa.Text, nullable=False),
)


class Settings(ServiceSettings):
    model_config = settings_config("probe")
    service_name = "probe"


async def on_order_placed(event: Envelope[OrderPlaced], uow: UnitOfWork) -> None:
    if event.data.channel == "always-fails":
        raise ValueError(f"order {event.data.order_id} cannot be handled")
    await uow.connection.execute(sa.insert(effects).values(event_id=event.id, order_id=event.data.order_id))


def subscriptions(settings, engine) -> list[Subscription]:
    return [Subscription(Topics.ORDERS, {OrderPlaced: on_order_placed})]


def api(settings):
    return create_service_app(settings, title="probe", description="runtime test service", routers=[APIRouter()])


SERVICE = ServiceDefinition(
    name="probe",
    settings=Settings,
    migrations=Path(__file__).parent / "migrations",
    api=api,
    subscriptions=subscriptions,
)
