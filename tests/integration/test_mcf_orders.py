"""A multi-channel fulfillment order's life across inventory, order-router and an FC system
(`stockpath fc-simulator`), each a separate process on the real broker and PostgreSQL: a seller
previews an order of its own stock, places it with its own credential, the router routes it from
the `orders` topic like any order and the FC ships it; the fee recorded with the order is the one
previewed, and so is what the seller's statement charges for it; another seller can neither see
nor cancel it."""

from __future__ import annotations

import pytest
from fulfillment_system import buckets, platform_with_fcs, receive, register

from stockpath_events import decode_message
from stockpath_testing import consume, eventually

pytestmark = [pytest.mark.integration, pytest.mark.system]

SEATTLE = {
    "name": "Ada Buyer",
    "line1": "400 Pine St",
    "city": "Seattle",
    "region": "WA",
    "postal_code": "98101",
}


@pytest.fixture(scope="module")
def platform(database_server, tmp_path_factory):
    log_dir = tmp_path_factory.mktemp("mcf")
    with platform_with_fcs(database_server, log_dir, prefix="mcf", fc_delays={"SEA1": 0.2}) as p:
        yield p


async def test_an_mcf_order_previewed_and_placed_ships_and_is_charged_the_previewed_fee(
    platform, inventory, router
):
    item = await register(platform, size_tier="large_standard", weight_g=1200.0)
    await receive(platform, inventory, router, item, "SEA1", 5)
    seller = platform.client("order-router", platform.issue("seller", item.seller_id))
    stranger = platform.client("order-router", platform.issue("seller", "S-STRANGER"))
    with seller, stranger:
        lines = [{"line_id": "1", "fnsku": item.fnsku, "quantity": 2}]
        preview = seller.post("/v1/mcf-orders/preview", json={"lines": lines, "ship_to": SEATTLE})
        assert preview.status_code == 200, preview.text
        standard = next(o for o in preview.json()["options"] if o["shipping_speed"] == "standard")
        assert [s["fulfillment_center_id"] for s in standard["shipments"]] == ["SEA1"]
        fee = preview.json()["fulfillment_fee"]
        assert fee["lines"][0]["size_tier"] == "large_standard" and fee["total"] != "0"

        placed = seller.post(
            "/v1/mcf-orders",
            json={"order_id": "SHOP-1001", "lines": lines, "ship_to": SEATTLE},
        )
        assert placed.status_code == 202, placed.text
        order_id = placed.json()["order_id"]

        def shipped():
            body = seller.get("/v1/mcf-orders/SHOP-1001").json()
            return body if body["status"] == "SHIPPED" else None

        order = await eventually(shipped, timeout=30, what=f"{order_id} to ship")
        [fo] = order["fulfillment_orders"]
        assert fo["fulfillment_center_id"] == "SEA1" and fo["tracking_number"]
        assert (order["ship_to"]["postal_code"], order["channel"]) == ("98101", "mcf")
        assert order["fulfillment_fee"] == fee
        [listed] = [
            o for o in seller.get("/v1/mcf-orders").json()["orders"] if o["order_id"] == order_id
        ]
        assert listed["fulfillment_fee"] == fee and listed["status"] == "SHIPPED"
        # What the ledger will charge travels with the order on `orders`: the fee previewed.
        [placed_event] = await consume(
            platform.bootstrap_servers,
            "orders",
            where=lambda m: m.key == order_id.encode(),
            until=lambda ms: len(ms) >= 1,
        )
        placed_data = decode_message(placed_event).data
        assert placed_data.fulfillment_fee.model_dump(mode="json") == fee
        await eventually(
            lambda: buckets(inventory, item, "SEA1")["shipped"] == 2,
            what="inventory to count the MCF order's units shipped",
        )
        # The seller's statement of the month it shipped charges exactly the previewed fee.
        month = fo["shipped_at"][:7]  # yyyy-mm of the FC's confirmation, which prices it
        with platform.client("inventory", platform.issue("seller", item.seller_id)) as ledger:
            statement = ledger.get(f"/v1/statements/{month}").json()
        assert [
            (c["kind"], c["fnsku"], c["quantity"], c["unit_fee"], c["amount"])
            for c in statement["lines"]
        ] == [("fulfillment", item.fnsku, 2, fee["lines"][0]["unit_fee"], fee["total"])]
        assert statement["totals"]["fulfillment"] == statement["total"] == fee["total"]

        for path in ("SHOP-1001", order_id):
            assert stranger.get(f"/v1/mcf-orders/{path}").status_code == 404
            assert stranger.post(f"/v1/mcf-orders/{path}/cancellation").status_code == 404
        assert order_id not in {
            o["order_id"] for o in stranger.get("/v1/mcf-orders").json()["orders"]
        }
        assert seller.post("/v1/mcf-orders/SHOP-1001/cancellation").status_code == 409
