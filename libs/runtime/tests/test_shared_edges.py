"""The edges every service shares, without a database or broker: a consumer table wired to
handlers (translation and dependencies), domain errors answered over HTTP, the operations
endpoints, paging and identifiers, and the in-memory unit of work handler tests use."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, ValidationError

from stockpath_events import Address, Cause, Envelope, encode, new_event
from stockpath_events.types.orders import OrderCancellationRequested, OrderLine, OrderPlaced
from stockpath_runtime.consumer import MessageProcessor, Outcome, subscribe
from stockpath_runtime.http import Answer, Identifier, create_service_app
from stockpath_runtime.operations import operations_router
from stockpath_runtime.paging import PageOut
from stockpath_runtime.settings import ServiceSettings, settings_config
from stockpath_testing import FakeUnitOfWork, NoDeadLetters


@dataclass(frozen=True)
class CancelOrder:
    order_id: str
    cause: Cause


def cancel_order(event: Envelope[OrderCancellationRequested]) -> CancelOrder:
    return CancelOrder(event.data.order_id, event.cause)


def placed(order_id: str) -> Envelope[OrderPlaced]:
    return new_event(
        OrderPlaced(
            order_id=order_id,
            channel="web",
            lines=[
                OrderLine(
                    line_id="1", seller_id="S1", seller_sku="SKU", quantity=1, unit_price="1.00"
                )
            ],
            ship_to=Address(
                name="A", line1="1 Main St", city="Seattle", region="WA", postal_code="98101"
            ),
        ),
        source="/channels/web",
    )


async def test_a_consumer_table_hands_each_handler_commands_and_the_dependencies_it_names():
    received = []

    async def cancel_orders(commands: list[CancelOrder], uow, *, reason_prefix: str) -> None:
        received.extend((c.order_id, c.cause, reason_prefix) for c in commands)

    [subscription] = subscribe(
        {"orders": {OrderCancellationRequested: (cancel_order, cancel_orders)}},
        reason_prefix="ops",
        unused="x",
    )
    events = [
        new_event(OrderCancellationRequested(order_id=f"O-{n}"), source="/channels/web")
        for n in range(2)
    ]

    await subscription.handlers[OrderCancellationRequested](events, FakeUnitOfWork())

    assert subscription.topic == "orders"
    assert received == [(f"O-{n}", events[n].cause, "ops") for n in range(2)]


def test_a_dependency_a_handler_needs_and_nobody_gives_fails_at_wiring_time():
    async def route_orders(commands, uow, *, policy) -> None: ...

    with pytest.raises(TypeError, match="route_orders needs policy"):
        subscribe({"orders": {OrderPlaced: (lambda e: e, route_orders)}})


async def test_one_event_is_a_run_of_one_and_a_redelivery_changes_nothing():
    runs: list[list[str]] = []

    async def handle(events, uow) -> None:
        runs.append([e.data.order_id for e in events])
        uow.emit(OrderCancellationRequested(order_id=events[0].data.order_id), caused_by=events[0])

    uow = FakeUnitOfWork(source="/services/probe")
    processor = MessageProcessor("probe", {OrderPlaced: handle}, lambda: uow, NoDeadLetters())
    event = placed("O-1")

    first = await processor.process(encode(event), partition=0, offset=0)
    again = await processor.process(encode(event), partition=0, offset=1)

    assert (first, again) == (Outcome.PROCESSED, Outcome.DUPLICATE)
    assert runs == [["O-1"]]
    assert [e.causation_id for e in uow.events] == [event.id], "the emitted event names its cause"
    assert uow.commits == 1


class UnknownWidget(Exception):
    def __init__(self, widget_id: str) -> None:
        super().__init__(f"widget {widget_id} does not exist")
        self.widget_id = widget_id


class WidgetGone(UnknownWidget):
    pass


class Settings(ServiceSettings):
    model_config = settings_config("probe")
    service_name = "probe"


def test_domain_errors_answer_with_their_status_code_and_details():
    router = APIRouter()

    @router.get("/widgets/{widget_id}")
    async def widget(widget_id: str) -> dict:
        raise (WidgetGone if widget_id == "gone" else UnknownWidget)(widget_id)

    app = create_service_app(
        Settings(kafka_bootstrap_servers="127.0.0.1:9"),
        title="probe",
        description="",
        routers=[router],
        errors={UnknownWidget: Answer(404, "not_found", ("widget_id",))},
    )
    with TestClient(app) as client:
        for widget_id in ("W-1", "gone"):
            r = client.get(f"/widgets/{widget_id}")
            assert r.status_code == 404
            assert r.json() == {
                "error": {
                    "code": "not_found",
                    "message": f"widget {widget_id} does not exist",
                    "details": {"widget_id": widget_id},
                }
            }


def test_operations_answer_alike_health_readiness_and_metrics():
    async def up() -> bool:
        return True

    async def down() -> bool:
        return False

    app = FastAPI()
    app.include_router(operations_router("probe", {"database": up, "broker": down}))
    client = TestClient(app)

    assert client.get("/healthz").json() == {"status": "ok", "service": "probe"}
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json() == {"status": "unavailable", "checks": {"database": True, "broker": False}}
    metrics = client.get("/metrics")
    assert metrics.status_code == 200 and metrics.headers["content-type"].startswith("text/plain")


def test_pages_and_identifiers_are_one_shape_everywhere():
    class Item(BaseModel):
        item_id: Identifier

    page = PageOut[Item](items=[Item(item_id="FBA-1.a:b")], total=7, limit=1, offset=0)
    assert page.model_dump() == {
        "items": [{"item_id": "FBA-1.a:b"}],
        "total": 7,
        "limit": 1,
        "offset": 0,
    }
    for bad in ("", "-leading-dash", "has space", "x" * 65, "semi;colon"):
        with pytest.raises(ValidationError):
            Item(item_id=bad)
