"""One order is one trace: every service a separate process exporting its spans over OTLP/HTTP to a
receiver in this test, an order placed over HTTP, and the trace read back from the HTTP request at
order-router to the FC's instruction handled by inventory — every hop a span, each one's parent in the
same trace (HTTP, SQL, relay publish, consumer process; two processes and two topics on the way).
"""

from __future__ import annotations

import uuid

import httpx
import pytest

from stockpath_cli.seed import create_seller, seed_catalog
from stockpath_events import Address
from stockpath_testing import consume, eventually
from stockpath_testing.otlp import OtlpReceiver, ReceivedSpan
from stockpath_testing.processes import running_platform

pytestmark = [pytest.mark.integration, pytest.mark.system]

BUYER = Address(
    name="Grace Hopper", line1="1 Navy Way", city="Seattle", region="WA", postal_code="98101"
)


@pytest.fixture(scope="module")
def receiver():
    with OtlpReceiver() as r:
        yield r


@pytest.fixture(scope="module")
def platform(kafka_bootstrap, database_server, tmp_path_factory, receiver):
    tracing = {
        "STOCKPATH_OTLP_ENDPOINT": receiver.url,
        # The SDK's batch processor exports every 5 s by default; a test need not wait that long.
        "OTEL_BSP_SCHEDULE_DELAY": "200",
    }
    with running_platform(
        bootstrap=kafka_bootstrap,
        database_server=database_server,
        prefix="otel",
        log_dir=tmp_path_factory.mktemp("platform"),
        extra_env=tracing,
    ) as p:
        yield p


@pytest.fixture(scope="module")
def stocked(platform):
    """A seller with one item registered and received at an FC, which order-router can route."""
    from catalog.demo import generate

    seed_catalog(platform.url("catalog"), generate(200), operator_token=platform.operator_token)
    seller = create_seller(
        platform.url("registration"),
        f"Trace Seller {uuid.uuid4().hex[:6]}",
        operator_token=platform.operator_token,
    )
    catalog, inventory, router = (
        platform.client(s) for s in ("catalog", "inventory", "order-router")
    )
    reg = platform.client("registration", token=seller["token"])
    items = catalog.get("/v1/catalog/items", params={"q": "bowl", "limit": 50}).json()["items"]
    item = next(
        i
        for i in items
        if i["dimensions"]
        and i["weight_g"]
        and not i["hazmat"]
        and max(i["dimensions"].values()) < 100
        and i["weight_g"] < 20_000
    )
    sku = f"SKU-{uuid.uuid4().hex[:8]}"
    r = reg.post(
        "/v1/registrations",
        json={
            "items": [
                {
                    "catalog_item_id": item["catalog_item_id"],
                    "seller_sku": sku,
                    "condition": "new",
                    "price": "9.99",
                    "channels": ["storefront"],
                }
            ]
        },
    )
    assert r.status_code == 200 and r.json()["results"][0]["status"] == "registered", r.text
    fnsku = r.json()["results"][0]["fnsku"]
    plan = reg.post(
        "/v1/inbound-shipments", json={"lines": [{"seller_sku": sku, "quantity": 5}]}
    ).json()

    import asyncio

    async def receive() -> None:
        await eventually(
            lambda: (
                inventory.get(f"/v1/inbound-shipments/{plan['shipment_id']}/receipts").status_code
                == 200
            ),
            what="inventory to learn of the shipment",
        )
        r = inventory.post(
            "/v1/receipts",
            json={
                "shipment_id": plan["shipment_id"],
                "fulfillment_center_id": plan["fulfillment_center_id"],
                "lines": [{"fnsku": fnsku, "received": 5, "damaged": 0}],
            },
        )
        assert r.status_code == 201, r.text
        await eventually(
            lambda: any(
                row["allocatable"] == 5
                for row in router.get("/v1/availability", params={"fnsku": fnsku})
                .json()
                .get("fulfillment_centers", [])
            ),
            what="order-router to learn of the stock",
        )

    asyncio.run(receive())
    yield {"seller": seller, "sku": sku, "router": router}
    for client in (catalog, inventory, router, reg):
        client.close()


def _trace_id(message) -> str:
    traceparent = message.header("ce_traceparent")
    assert traceparent, f"{message.header('ce_type')} carries no ce_traceparent"
    return traceparent.split("-")[1]


def _one(spans: list[ReceivedSpan], name: str, service: str, **attributes) -> ReceivedSpan:
    found = [
        s
        for s in spans
        if s.name == name
        and s.service == service
        and all(s.attributes.get(k) == v for k, v in attributes.items())
    ]
    assert len(found) == 1, (
        f"{name} at {service} {attributes}: {len(found)} spans in {[(s.service, s.name) for s in spans]}"
    )
    return found[0]


async def test_one_order_is_one_trace_from_the_http_request_to_the_fc_instruction(
    platform, stocked, receiver, kafka_bootstrap
):
    r = stocked["router"].post(
        "/v1/orders",
        json={
            "channel": "storefront",
            "lines": [
                {
                    "line_id": "1",
                    "seller_id": stocked["seller"]["seller_id"],
                    "seller_sku": stocked["sku"],
                    "quantity": 1,
                    "unit_price": "9.99",
                }
            ],
            "ship_to": BUYER.model_dump(),
        },
    )
    assert r.status_code == 202, r.text
    order_id = r.json()["order_id"]
    placed = (
        await consume(
            kafka_bootstrap, "orders", where=lambda m: m.key == order_id.encode(), until=bool
        )
    )[0]
    instructed = (
        await consume(
            kafka_bootstrap,
            "fulfillment.instructions",
            where=lambda m: m.key == order_id.encode(),
            until=bool,
        )
    )[0]
    trace_id = _trace_id(placed)
    assert _trace_id(instructed) == trace_id, "the instruction is not in the order's trace"
    placed_id, instructed_id = placed.header("ce_id"), instructed.header("ce_id")

    hops = {
        ("order-router", "POST /v1/orders", None),
        ("order-router", "publish orders", placed_id),
        ("order-router", "process orders", placed_id),
        ("order-router", "publish fulfillment.instructions", instructed_id),
        ("inventory", "process fulfillment.instructions", instructed_id),
    }

    def whole_trace() -> list[ReceivedSpan]:
        """The trace once every hop's span arrived and every span that arrived has its parent (each
        process exports on its own schedule, and a span only when it ends: a downstream consumer's
        SQL can arrive while the batch span around it is still open)."""
        spans = receiver.trace(trace_id)
        seen = {(s.service, s.name, s.attributes.get("cloudevents.event_id")) for s in spans}
        assert hops <= seen, f"missing {sorted(map(str, hops - seen))}"
        ids = {s.span_id for s in spans}
        orphans = [
            s.name for s in spans if s.parent_span_id is not None and s.parent_span_id not in ids
        ]
        assert not orphans, f"parents not arrived yet: {orphans}"
        return spans

    spans = await eventually(
        whole_trace, timeout=30, what="the order's trace to reach the FC's instruction"
    )

    request = _one(spans, "POST /v1/orders", "order-router")
    assert (
        request.kind == "SERVER" and request.parent_span_id is None
    )  # the trace starts at the order
    published = _one(spans, "publish orders", "order-router", **{"cloudevents.event_id": placed_id})
    routed = _one(spans, "process orders", "order-router", **{"cloudevents.event_id": placed_id})
    relayed = _one(
        spans,
        "publish fulfillment.instructions",
        "order-router",
        **{"cloudevents.event_id": instructed_id},
    )
    at_fc = _one(
        spans,
        "process fulfillment.instructions",
        "inventory",
        **{"cloudevents.event_id": instructed_id},
    )
    # Each hop is the child of the one before it: request → relay → router → relay → FC.
    assert published.parent_span_id == request.span_id
    assert published.kind == "PRODUCER" and routed.kind == "CONSUMER" and at_fc.kind == "CONSUMER"
    assert routed.parent_span_id == published.span_id
    assert relayed.parent_span_id == routed.span_id
    assert at_fc.parent_span_id == relayed.span_id
    # The SQL the request and the handlers ran is in the trace, under them.
    sql_under = {
        s.parent_span_id
        for s in spans
        if s.kind == "CLIENT" and any(k.startswith("db.") for k in s.attributes)
    }
    assert {request.span_id, routed.span_id, at_fc.span_id} <= sql_under
    # One trace: every span's parent is in it; the only root is the HTTP request.
    ids = {s.span_id for s in spans}
    assert [s.name for s in spans if s.parent_span_id not in ids] == ["POST /v1/orders"]
    # The consumer's batch span (a trace of its own: a batch serves many orders) links to the message.
    linked = [
        s
        for s in receiver.spans
        if s.name == "consume fulfillment.instructions"
        and s.service == "inventory"
        and (trace_id, relayed.span_id) in s.links
    ]
    assert len(linked) == 1
    assert (linked[0].trace_id, linked[0].span_id) in at_fc.links


async def test_probes_and_scrapes_are_not_traced(platform, receiver):
    router = platform.url("order-router")
    for path in ("/healthz", "/readyz", "/metrics"):
        httpx.get(f"{router}{path}", timeout=5)
    marker = f"O-none-{uuid.uuid4().hex[:8]}"
    assert platform.client("order-router").get(f"/v1/orders/{marker}").status_code == 404
    # Spans are exported in the order they ended: once the later request's span is here, the probes' would be.
    await eventually(
        lambda: any(marker in str(s.attributes) for s in receiver.spans), what="the request's span"
    )
    probes = [
        (s.service, s.name, s.kind, s.attributes)
        for s in receiver.spans
        if any(p in s.name for p in ("/healthz", "/readyz", "/metrics"))
    ]
    assert not probes
