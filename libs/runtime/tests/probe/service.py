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


class EffectRepository:
    def __init__(self, connection) -> None:
        self._conn = connection

    async def add(self, event_id: str, order_id: str) -> None:
        await self._conn.execute(sa.insert(effects).values(event_id=event_id, order_id=order_id))


class ProbeUnitOfWork(UnitOfWork):
    effects: EffectRepository

    def _bind(self, connection) -> None:
        self.effects = EffectRepository(connection)


async def on_orders_placed(events: list[Envelope[OrderPlaced]], uow: ProbeUnitOfWork) -> None:
    for event in events:
        if event.data.channel == "always-fails":
            raise ValueError(f"order {event.data.order_id} cannot be handled")
        await uow.effects.add(event.id, event.data.order_id)


def subscriptions(settings) -> list[Subscription]:
    return [Subscription(Topics.ORDERS, {OrderPlaced: on_orders_placed})]


def api(settings):
    return create_service_app(
        settings,
        title="probe",
        description="runtime test service",
        routers=[APIRouter()],
        unit_of_work=ProbeUnitOfWork,
    )


SERVICE = ServiceDefinition(
    name="probe",
    settings=Settings,
    migrations=Path(__file__).parent / "migrations",
    api=api,
    unit_of_work=ProbeUnitOfWork,
    subscriptions=subscriptions,
)
