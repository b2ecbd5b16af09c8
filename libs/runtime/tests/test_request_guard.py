"""What no request can do to a service: send more than the size limit (declared or streamed),
smuggle a control character into a path, query, JSON or form, or get a response a browser may
sniff, frame or cache; and no change can commit an event larger than a broker takes."""

from __future__ import annotations

import pytest
from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient
from probe.service import Settings

from stockpath_events.types.orders import OrderCancellationRequested
from stockpath_runtime.http import create_service_app
from stockpath_runtime.request_guard import MAX_BODY_BYTES
from stockpath_runtime.unit_of_work import EventTooLarge
from stockpath_testing import FakeUnitOfWork


@pytest.fixture(scope="module")
def client():
    router = APIRouter()

    @router.post("/echo")
    async def echo(body: dict) -> dict:
        return body

    @router.post("/form")
    async def form(name: str = Form()) -> dict:
        return {"name": name}

    @router.get("/items/{item_id}")
    async def item(item_id: str, q: str = "") -> dict:
        return {"item_id": item_id, "q": q}

    @router.get("/page", response_class=HTMLResponse)
    async def page() -> str:
        return "<p>hello</p>"

    @router.post("/too-large")
    async def too_large() -> dict:
        raise EventTooLarge("stockpath.orders.OrderPlaced.v1", 600_000)

    app = create_service_app(
        Settings(kafka_bootstrap_servers="127.0.0.1:9"),
        title="probe",
        description="",
        routers=[router],
    )
    with TestClient(app) as c:
        yield c


def test_a_body_over_the_limit_is_refused_whether_declared_or_streamed(client):
    declared = client.post(
        "/echo", content=b"{}", headers={"content-length": str(MAX_BODY_BYTES + 1)}
    )
    assert declared.status_code == 413

    def chunks():
        for _ in range(MAX_BODY_BYTES // 65536 + 2):
            yield b" " * 65536

    streamed = client.post("/echo", content=chunks(), headers={"content-type": "application/json"})
    assert streamed.status_code == 413 and streamed.json()["error"]["code"] == "payload_too_large"
    assert client.post("/echo", json={"fine": "x" * 1000}).status_code == 200


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.get("/items/a%00b"),
        lambda c: c.get("/items/x", params={"q": "shoe\x00s"}),
        lambda c: c.get("/items/x?q=%1b[31m"),
        lambda c: c.post("/echo", json={"order": {"line1": "1 Main\u0000St"}}),
        lambda c: c.post("/echo", json={"names": ["ok", "bell\u0007"]}),
        lambda c: c.post("/form", data={"name": "a\x00"}),
    ],
)
def test_a_control_character_anywhere_is_a_422_before_any_route(client, call):
    r = call(client)
    assert r.status_code == 422 and r.json()["error"]["code"] == "control_character", r.text


def test_tabs_and_newlines_in_text_are_fine(client):
    assert client.post("/echo", json={"note": "line 1\nline 2\tend\r\n"}).status_code == 200


def test_every_response_carries_the_security_headers(client):
    data, page = client.get("/items/x"), client.get("/page")
    for r in (data, page):
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["cache-control"] == "no-store"
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert data.headers["content-security-policy"].startswith("default-src 'none'")


def test_a_change_that_would_publish_a_too_large_event_is_a_422(client):
    r = client.post("/too-large")
    assert r.status_code == 422 and r.json()["error"]["code"] == "event_too_large"


async def test_a_unit_of_work_refuses_to_commit_an_event_larger_than_a_broker_takes():
    from stockpath_runtime.unit_of_work import MAX_EVENT_BYTES

    uow = FakeUnitOfWork()
    async with uow:
        uow.emit(OrderCancellationRequested(order_id="O-1", reason="x" * (MAX_EVENT_BYTES + 1)))
        with pytest.raises(EventTooLarge, match="nothing was stored"):
            await uow.commit()
    assert uow.events == [] and uow.commits == 0
