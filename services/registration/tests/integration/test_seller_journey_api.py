"""Eligibility preview, registration changes, inbound plans that split across FCs, and label PDFs
whose barcodes decode back to the FNSKUs — against a real catalog service and PostgreSQL."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest
import zxingcpp
from fastapi.testclient import TestClient

from registration.adapters.labels import MAX_ITEM_LABELS
from registration.bootstrap import create_api
from stockpath_network import DEFAULT_NETWORK

pytestmark = pytest.mark.integration


def preview(client, seller, *items):
    return client.post(
        "/v1/registrations/preview", json={"items": list(items)}, headers=seller["headers"]
    )


# --- eligibility preview -------------------------------------------------------------------------


def test_preview_gives_size_tier_or_a_reason_per_item_and_registers_nothing(
    client, seller, outbox_events
):
    before = len(outbox_events())
    r = preview(
        client,
        seller,
        {"catalog_item_id": "REG-SMALL"},
        {"catalog_item_id": "REG-LARGE"},
        {"catalog_item_id": "REG-BULKY"},
        {"catalog_item_id": "REG-NODIMS"},
        {"catalog_item_id": "REG-NOWEIGHT"},
        {"catalog_item_id": "REG-HAZMAT"},
        {"catalog_item_id": "REG-KNIFE"},
        {"catalog_item_id": "REG-HUGE"},
        {"catalog_item_id": "NO-SUCH-ITEM"},
    )
    assert r.status_code == 200, r.text
    got = {
        x["catalog_item_id"]: (x["eligible"], x["size_tier"], x["reason_code"])
        for x in r.json()["results"]
    }
    assert got == {
        "REG-SMALL": (True, "small_standard", None),
        "REG-LARGE": (True, "large_standard", None),
        "REG-BULKY": (True, "oversize", None),
        "REG-NODIMS": (False, None, "MISSING_DIMENSIONS"),
        "REG-NOWEIGHT": (False, None, "MISSING_WEIGHT"),
        "REG-HAZMAT": (False, "large_standard", "HAZMAT_REVIEW_REQUIRED"),
        "REG-KNIFE": (False, "large_standard", "RESTRICTED_CATEGORY"),
        "REG-HUGE": (False, "oversize", "OVER_SIZE_LIMIT"),
        "NO-SUCH-ITEM": (False, None, "UNKNOWN_CATALOG_ITEM"),
    }
    small = r.json()["results"][0]
    assert small["title"] == "Pocket Notebook" and small["dimensions"]["length_cm"] == 20
    assert all(x["reason"] for x in r.json()["results"] if not x["eligible"])
    assert len(outbox_events()) == before
    assert client.get("/v1/registrations", headers=seller["headers"]).json()["total"] == 0


def test_preview_checks_the_sellers_skus_and_what_is_already_registered(
    client, seller, register, new_sku
):
    taken = new_sku()
    assert register(seller, {"catalog_item_id": "REG-SMALL", "seller_sku": taken}).json()[
        "results"
    ][0]["fnsku"]
    fresh = new_sku()
    results = preview(
        client,
        seller,
        {"catalog_item_id": "REG-LARGE", "seller_sku": taken},
        {"catalog_item_id": "REG-SMALL", "seller_sku": new_sku()},
        {"catalog_item_id": "REG-BULKY", "seller_sku": fresh},
        {"catalog_item_id": "REG-LARGE", "seller_sku": fresh},
    ).json()["results"]
    assert [x["reason_code"] for x in results] == [
        "DUPLICATE_SELLER_SKU",
        "ALREADY_REGISTERED",
        None,
        "DUPLICATE_SELLER_SKU",  # the same SKU twice in one request: the second would be refused
    ]


# --- changing and deregistering ------------------------------------------------------------------


@pytest.fixture
def registered(seller, register, new_sku) -> dict:
    result = register(seller, {"catalog_item_id": "REG-SMALL", "seller_sku": new_sku()}).json()[
        "results"
    ][0]
    return {**seller, "fnsku": result["fnsku"], "seller_sku": result["seller_sku"]}


def test_changing_price_and_channels_emits_item_registration_updated_once(
    client, registered, outbox_events
):
    path = f"/v1/registrations/{registered['fnsku']}"
    r = client.patch(
        path,
        json={"price": "24.5", "channels": ["storefront", "marketplace-feed"]},
        headers=registered["headers"],
    )
    assert r.status_code == 200, r.text
    assert (r.json()["price"], r.json()["channels"]) == (
        "24.50",
        ["storefront", "marketplace-feed"],
    )
    assert (
        client.patch(path, json={"price": "24.50"}, headers=registered["headers"]).status_code
        == 200
    )  # no change
    events = [
        e for e in outbox_events("ItemRegistrationUpdated") if e.data.fnsku == registered["fnsku"]
    ]
    assert len(events) == 1 and events[0].key == registered["fnsku"]
    assert str(events[0].data.price) == "24.50" and events[0].data.channels == [
        "storefront",
        "marketplace-feed",
    ]
    assert client.get(path, headers=registered["headers"]).json()["price"] == "24.50"


def test_deregistering_emits_item_deregistered_and_frees_the_sku(
    client, registered, register, outbox_events
):
    path = f"/v1/registrations/{registered['fnsku']}"
    r = client.delete(path, params={"reason": "discontinued"}, headers=registered["headers"])
    assert r.status_code == 200 and r.json()["status"] == "deregistered"
    (event,) = [e for e in outbox_events("ItemDeregistered") if e.data.fnsku == registered["fnsku"]]
    assert event.data.reason == "discontinued" and event.data.seller_sku == registered["seller_sku"]
    again = client.delete(path, headers=registered["headers"])
    assert again.status_code == 409 and again.json()["error"]["code"] == "registration_not_active"
    assert client.patch(path, json={"price": "5"}, headers=registered["headers"]).status_code == 409
    reuse = register(
        registered, {"catalog_item_id": "REG-LARGE", "seller_sku": registered["seller_sku"]}
    )
    assert reuse.json()["results"][0]["status"] == "registered"


def test_another_sellers_registration_reads_as_absent(client, registered, new_seller):
    other = new_seller()
    path = f"/v1/registrations/{registered['fnsku']}"
    for method, kwargs in (("get", {}), ("patch", {"json": {"price": "1"}}), ("delete", {})):
        r = getattr(client, method)(path, headers=other["headers"], **kwargs)
        assert r.status_code == 404, (method, r.text)
    assert client.get(path, headers=registered["headers"]).json()["status"] == "registered"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"price": "-1"},
        {"price": "0"},
        {"price": "1e9"},
        {"price": "1.234"},
        {"channels": []},
        {"channels": ["a", "a"]},
        {"channels": ["Not A Channel"]},
        {"fnsku": "X"},
    ],
)
def test_bad_changes_get_a_clear_4xx(client, registered, body):
    r = client.patch(
        f"/v1/registrations/{registered['fnsku']}", json=body, headers=registered["headers"]
    )
    assert r.status_code == 422 and r.json()["error"]["message"]


# --- inbound plans -------------------------------------------------------------------------------

#: Three FCs (SEA1, PHX3, EWR4) that each take 100 units per plan: a 150-unit plan must split.
SMALL_NETWORK = tuple(
    fc.model_copy(update={"inbound_capacity_units": 100})
    for fc in DEFAULT_NETWORK
    if fc.fulfillment_center_id in ("SEA1", "PHX3", "EWR4")
)


@pytest.fixture(scope="module")
def small_network_client(settings):
    with TestClient(create_api(settings, fulfillment_centers=lambda: SMALL_NETWORK)) as c:
        yield c


def test_a_plan_larger_than_the_nearest_fc_splits_into_one_shipment_per_fc(
    small_network_client, stocked_seller
):
    sku_a, sku_b = stocked_seller["skus"]
    body = {
        "lines": [{"seller_sku": sku_a, "quantity": 60}, {"seller_sku": sku_b, "quantity": 90}],
        "ship_from_postal_code": "85001",
    }  # Phoenix: PHX3 is nearest
    r = small_network_client.post("/v1/inbound-plans", json=body, headers=stocked_seller["headers"])
    assert r.status_code == 201, r.text
    plan = r.json()
    first, second = plan["shipments"]
    assert first["fulfillment_center_id"] == "PHX3" and second["fulfillment_center_id"] == "SEA1"
    assert [(ln["seller_sku"], ln["quantity"]) for ln in first["lines"]] == [
        (sku_a, 60),
        (sku_b, 40),
    ]
    assert [(ln["seller_sku"], ln["quantity"]) for ln in second["lines"]] == [(sku_b, 50)]
    assert {s["plan_id"] for s in plan["shipments"]} == {plan["plan_id"]}
    again = small_network_client.get(
        f"/v1/inbound-plans/{plan['plan_id']}", headers=stocked_seller["headers"]
    )
    assert [s["shipment_id"] for s in again.json()["shipments"]] == [
        first["shipment_id"],
        second["shipment_id"],
    ]


def test_a_small_plan_goes_to_the_nearest_fc_in_one_shipment(small_network_client, stocked_seller):
    body = {
        "lines": [{"seller_sku": stocked_seller["skus"][0], "quantity": 5}],
        "ship_from_postal_code": "08540",
    }
    plan = small_network_client.post(
        "/v1/inbound-plans", json=body, headers=stocked_seller["headers"]
    ).json()
    assert [s["fulfillment_center_id"] for s in plan["shipments"]] == ["EWR4"]


def test_a_plan_beyond_the_whole_networks_capacity_is_a_422(small_network_client, stocked_seller):
    body = {"lines": [{"seller_sku": stocked_seller["skus"][0], "quantity": 301}]}
    r = small_network_client.post("/v1/inbound-plans", json=body, headers=stocked_seller["headers"])
    assert r.status_code == 422 and r.json()["error"]["code"] == "over_inbound_capacity"


def test_another_sellers_plan_reads_as_absent(small_network_client, stocked_seller, new_seller):
    body = {"lines": [{"seller_sku": stocked_seller["skus"][0], "quantity": 5}]}
    plan = small_network_client.post(
        "/v1/inbound-plans", json=body, headers=stocked_seller["headers"]
    ).json()
    r = small_network_client.get(
        f"/v1/inbound-plans/{plan['plan_id']}", headers=new_seller()["headers"]
    )
    assert r.status_code == 404


# --- labels --------------------------------------------------------------------------------------


def decode_pdf(pdf: bytes) -> tuple[list[str], list[str]]:
    """(the Code 128 values decoded from every page, the text of every page)."""
    document = pdfium.PdfDocument(pdf)
    values, texts = [], []
    for page in document:
        image = page.render(scale=300 / 72).to_pil()
        values += [
            b.text for b in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.Code128)
        ]
        texts.append(page.get_textpage().get_text_range())
    return values, texts


def test_the_labels_pdf_barcodes_decode_to_the_fnskus_one_per_unit_and_one_per_box(
    client, stocked_seller, plan
):
    sku_a, sku_b = stocked_seller["skus"]
    shipment = plan(stocked_seller, (sku_a, 3), (sku_b, 2)).json()
    r = client.get(
        f"/v1/inbound-shipments/{shipment['shipment_id']}/labels.pdf",
        params={"boxes": 2},
        headers=stocked_seller["headers"],
    )
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    values, texts = decode_pdf(r.content)
    fnskus = stocked_seller["fnskus"]
    assert {fnskus[sku_a], fnskus[sku_b]} <= set(values)
    item_text = texts[0]
    assert (
        item_text.count(fnskus[sku_a]) == 3 and item_text.count(fnskus[sku_b]) == 2
    )  # one label per unit
    assert "Pocket Notebook" in item_text and "Stock Pot" in item_text
    boxes = [v for v in values if v.startswith(shipment["shipment_id"])]
    assert sorted(boxes) == [
        f"{shipment['shipment_id']}U000001",
        f"{shipment['shipment_id']}U000002",
    ]
    assert len(texts) == 3 and "Box 2 of 2" in texts[2]
    address = shipment["ship_to"]
    assert address["line1"] in texts[1] and address["postal_code"] in texts[1]


def test_per_line_labels_carry_the_count(client, stocked_seller, plan):
    shipment = plan(stocked_seller, (stocked_seller["skus"][0], 40)).json()
    r = client.get(
        f"/v1/inbound-shipments/{shipment['shipment_id']}/labels.pdf",
        params={"item_labels": "per_line"},
        headers=stocked_seller["headers"],
    )
    values, texts = decode_pdf(r.content)
    assert stocked_seller["fnskus"][stocked_seller["skus"][0]] in values
    assert "× 40 units" in texts[0]


def test_labels_for_more_units_than_one_pdf_holds_ask_for_per_line(client, stocked_seller, plan):
    shipment = plan(stocked_seller, (stocked_seller["skus"][0], MAX_ITEM_LABELS + 1)).json()
    r = client.get(
        f"/v1/inbound-shipments/{shipment['shipment_id']}/labels.pdf",
        headers=stocked_seller["headers"],
    )
    assert r.status_code == 422 and "per_line" in r.json()["error"]["message"]


def test_labels_of_a_cancelled_or_anothers_shipment_are_refused(
    client, shipment, stocked_seller, new_seller
):
    path = f"/v1/inbound-shipments/{shipment['shipment_id']}/labels.pdf"
    assert client.get(path, headers=new_seller()["headers"]).status_code == 404
    assert client.get(path).status_code == 401
    client.post(
        f"/v1/inbound-shipments/{shipment['shipment_id']}/cancel", headers=stocked_seller["headers"]
    )
    assert client.get(path, headers=stocked_seller["headers"]).status_code == 409


@pytest.mark.parametrize(
    "params", [{"boxes": 0}, {"boxes": 201}, {"boxes": "x"}, {"item_labels": "per_box"}]
)
def test_bad_label_options_are_a_422(client, shipment, stocked_seller, params):
    r = client.get(
        f"/v1/inbound-shipments/{shipment['shipment_id']}/labels.pdf",
        params=params,
        headers=stocked_seller["headers"],
    )
    assert r.status_code == 422
