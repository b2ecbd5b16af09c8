"""Every registration endpoint answers bad input with a clear 4xx, never a 5xx: missing or wrong
tokens, another seller's ids, malformed ids, negative or huge quantities, oversized payloads —
and a property-based fuzz of the JSON API and the console's forms."""

from __future__ import annotations

import string
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as fuzz_settings
from hypothesis import strategies as st
from registration_console import Browser

from registration.bootstrap import create_api
from stockpath_runtime.http import MAX_BODY_BYTES

pytestmark = pytest.mark.integration

SELLER_ENDPOINTS = [
    ("GET", "/v1/sellers/me"),
    ("GET", "/v1/sellers/me/credentials"),
    ("POST", "/v1/sellers/me/credentials/rotation"),
    ("DELETE", "/v1/sellers/me/credentials/CAAAAAAAAAAAA"),
    ("POST", "/v1/registrations"),
    ("POST", "/v1/registrations/preview"),
    ("GET", "/v1/registrations"),
    ("GET", "/v1/registrations/X00AAAAAAA"),
    ("PATCH", "/v1/registrations/X00AAAAAAA"),
    ("DELETE", "/v1/registrations/X00AAAAAAA"),
    ("POST", "/v1/inbound-plans"),
    ("GET", "/v1/inbound-plans/PLNAAAAAAAAA"),
    ("POST", "/v1/inbound-shipments"),
    ("GET", "/v1/inbound-shipments"),
    ("GET", "/v1/inbound-shipments/FBAAAAAAAAAA"),
    ("GET", "/v1/inbound-shipments/FBAAAAAAAAAA/labels.pdf"),
    ("POST", "/v1/inbound-shipments/FBAAAAAAAAAA/ship"),
    ("POST", "/v1/inbound-shipments/FBAAAAAAAAAA/cancel"),
    ("POST", "/v1/notification-subscriptions"),
    ("GET", "/v1/notification-subscriptions"),
    ("DELETE", "/v1/notification-subscriptions/NSAAAAAAAAAAAAAAAA"),
    ("POST", "/v1/notification-subscriptions/NSAAAAAAAAAAAAAAAA/secret-rotation"),
    ("GET", "/v1/notification-deliveries"),
    ("POST", "/v1/notification-deliveries/redrive"),
    ("POST", "/v1/notification-deliveries/1/redrive"),
]
OPERATOR_ENDPOINTS = [
    ("POST", "/v1/sellers"),
    ("POST", "/v1/credentials"),
    ("GET", "/v1/credentials"),
    ("POST", "/v1/credentials/CAAAAAAAAAAAA/rotation"),
    ("DELETE", "/v1/credentials/CAAAAAAAAAAAA"),
]


@pytest.fixture(scope="module")
def lenient_client(settings):
    """A client that returns a 5xx as a response (instead of raising), so the fuzz sees it."""
    with TestClient(create_api(settings), raise_server_exceptions=False) as c:
        yield c


def test_the_lists_cover_every_endpoint(client):
    documented = {
        (m.upper(), p)
        for p, ops in client.get("/openapi.json").json()["paths"].items()
        for m in ops
    }
    covered = set()
    for method, path in SELLER_ENDPOINTS + OPERATOR_ENDPOINTS:
        covered |= {(m, p) for m, p in documented if m == method and _matches(p, path)}
    assert covered == documented - {("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/metrics")}


def _matches(template: str, path: str) -> bool:
    t, p = template.split("/"), path.split("/")
    return len(t) == len(p) and all(
        a == b or (a.startswith("{") and a.endswith("}")) for a, b in zip(t, p, strict=True)
    )


@pytest.mark.parametrize(("method", "path"), SELLER_ENDPOINTS + OPERATOR_ENDPOINTS)
def test_every_endpoint_needs_a_valid_credential(client, method, path):
    missing = client.request(method, path, json={})
    assert (
        missing.status_code == 401
        and "missing or invalid credential" in missing.json()["error"]["message"]
    )
    wrong = client.request(
        method, path, json={}, headers={"Authorization": "Bearer not-a-real-token"}
    )
    assert (
        wrong.status_code == 401
        and "missing or invalid credential" in wrong.json()["error"]["message"]
    )
    unknown = client.request(
        method, path, json={}, headers={"Authorization": "Bearer sp_CAAAAAAAAAAAA_" + "x" * 43}
    )
    assert unknown.status_code == 401
    basic = client.request(method, path, json={}, headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert basic.status_code == 401


@pytest.mark.parametrize(
    ("method", "path"), [(m, p) for m, p in SELLER_ENDPOINTS if m in ("POST", "PATCH")]
)
def test_an_oversized_payload_is_a_413(client, seller, method, path):
    body = b'{"items": [' + b'{"catalog_item_id": "X"},' * (MAX_BODY_BYTES // 20) + b"]}"
    r = client.request(
        method,
        path,
        content=body,
        headers={**seller["headers"], "Content-Type": "application/json"},
    )
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/registrations/{x}"),
        ("PATCH", "/v1/registrations/{x}"),
        ("DELETE", "/v1/registrations/{x}"),
        ("GET", "/v1/inbound-plans/{x}"),
        ("GET", "/v1/inbound-shipments/{x}"),
        ("GET", "/v1/inbound-shipments/{x}/labels.pdf"),
        ("POST", "/v1/inbound-shipments/{x}/ship"),
        ("POST", "/v1/inbound-shipments/{x}/cancel"),
    ],
)
@pytest.mark.parametrize(
    "bad_id", ["NOPE", "x" * 41, "%00", "..%2F..%2Fetc", "' OR 1=1 --", "%F0%9F%93%A6"]
)
def test_malformed_or_unknown_ids_are_a_404_or_422(client, seller, method, path, bad_id):
    body = (
        {"price": "1.00"}
        if method == "PATCH"
        else {"carrier": "UPS", "tracking_number": "1Z"}
        if "ship" in path
        else None
    )
    r = client.request(method, path.replace("{x}", bad_id), json=body, headers=seller["headers"])
    assert r.status_code in (404, 422), r.text
    assert r.json()["error"]["message"]


def test_another_sellers_shipment_cannot_be_read_labelled_shipped_or_cancelled(
    client, shipment, new_seller
):
    other = new_seller()["headers"]
    base = f"/v1/inbound-shipments/{shipment['shipment_id']}"
    assert client.get(base, headers=other).status_code == 404
    assert client.get(f"{base}/labels.pdf", headers=other).status_code == 404
    assert (
        client.post(
            f"{base}/ship", json={"carrier": "UPS", "tracking_number": "1Z"}, headers=other
        ).status_code
        == 404
    )
    assert client.post(f"{base}/cancel", headers=other).status_code == 404
    assert shipment["shipment_id"] not in client.get("/v1/inbound-shipments", headers=other).text


@pytest.mark.parametrize("path", ["/v1/inbound-plans", "/v1/inbound-shipments"])
@pytest.mark.parametrize(
    "quantity", [0, -1, -(2**63), 10_001, 2**31, 10**30, 1.5, "12", None, True]
)
def test_negative_zero_fractional_or_huge_quantities_are_a_422(
    client, stocked_seller, path, quantity
):
    body = {"lines": [{"seller_sku": stocked_seller["skus"][0], "quantity": quantity}]}
    r = client.post(path, json=body, headers=stocked_seller["headers"])
    assert r.status_code == 422 and "quantity" in r.json()["error"]["message"]


@pytest.mark.parametrize("path", ["/v1/inbound-plans", "/v1/inbound-shipments"])
def test_another_sellers_sku_cannot_be_planned(client, stocked_seller, new_seller, path):
    r = client.post(
        path,
        json={"lines": [{"seller_sku": stocked_seller["skus"][0], "quantity": 1}]},
        headers=new_seller()["headers"],
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_seller_sku"


@pytest.mark.parametrize("postal", ["", "!", "1", "x" * 11, "98101\n", "<script>"])
def test_a_malformed_ship_from_postal_code_is_a_422(client, stocked_seller, postal):
    body = {
        "lines": [{"seller_sku": stocked_seller["skus"][0], "quantity": 1}],
        "ship_from_postal_code": postal,
    }
    assert (
        client.post("/v1/inbound-plans", json=body, headers=stocked_seller["headers"]).status_code
        == 422
    )


@pytest.mark.parametrize("catalog_item_id", ["", "a b", "x" * 41, "../../etc", "B0\x00"])
def test_malformed_catalog_item_ids_are_a_422_in_preview_and_registration(
    client, seller, catalog_item_id
):
    for path in ("/v1/registrations/preview", "/v1/registrations"):
        r = client.post(
            path,
            json={"items": [{"catalog_item_id": catalog_item_id, "seller_sku": "A", "price": "1"}]},
            headers=seller["headers"],
        )
        assert r.status_code == 422 and "catalog_item_id" in r.json()["error"]["message"]


def test_too_many_items_in_one_preview_is_a_422(client, seller):
    r = client.post(
        "/v1/registrations/preview",
        json={"items": [{"catalog_item_id": "REG-SMALL"}] * 101},
        headers=seller["headers"],
    )
    assert r.status_code == 422


# --- fuzz ----------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
any_text = st.text(max_size=60)
ids = st.one_of(any_text, st.sampled_from(["REG-SMALL", "REG-HAZMAT", "B000000001", "NOPE"]))
numbers = st.one_of(
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.decimals().map(str),
    st.text(max_size=6),
    st.none(),
)
items = st.lists(
    st.fixed_dictionaries(
        {
            "catalog_item_id": ids,
            "seller_sku": st.one_of(any_text, st.just("FUZZ-1")),
            "price": numbers,
        },
        optional={
            "condition": st.one_of(any_text, st.sampled_from(["new", "used_good"])),
            "channels": st.lists(any_text, max_size=6),
            "junk": json_values,
        },
    ),
    max_size=4,
)
lines = st.lists(st.fixed_dictionaries({"seller_sku": ids, "quantity": numbers}), max_size=4)


@st.composite
def requests(draw, skus: list[str], shipment_id: str, fnsku: str, credential_ids: list[str]):
    """(method, path, json body or None, query params) across every endpoint but the seller's
    rotation of the very credential the fuzz calls with."""
    path_id = draw(
        st.one_of(
            st.sampled_from([shipment_id, fnsku, *credential_ids]),
            any_text.map(lambda t: quote(t, safe="")),
        )
    )
    sku_lines = st.lists(
        st.fixed_dictionaries(
            {"seller_sku": st.sampled_from(skus) | any_text, "quantity": numbers}
        ),
        max_size=4,
    )
    choice = draw(
        st.sampled_from(
            [
                (
                    "POST",
                    "/v1/registrations",
                    st.fixed_dictionaries({"items": items}, optional={"request_id": any_text}),
                ),
                ("POST", "/v1/registrations/preview", st.fixed_dictionaries({"items": items})),
                (
                    "PATCH",
                    f"/v1/registrations/{path_id}",
                    st.fixed_dictionaries(
                        {}, optional={"price": numbers, "channels": st.lists(any_text, max_size=6)}
                    ),
                ),
                ("DELETE", f"/v1/registrations/{path_id}", st.none()),
                (
                    "POST",
                    "/v1/inbound-plans",
                    st.fixed_dictionaries(
                        {"lines": sku_lines | lines}, optional={"ship_from_postal_code": any_text}
                    ),
                ),
                (
                    "POST",
                    "/v1/inbound-shipments",
                    st.fixed_dictionaries({"lines": sku_lines | lines}),
                ),
                (
                    "POST",
                    f"/v1/inbound-shipments/{path_id}/ship",
                    st.fixed_dictionaries(
                        {}, optional={"carrier": any_text, "tracking_number": any_text}
                    ),
                ),
                (
                    "POST",
                    f"/v1/inbound-shipments/{path_id}/cancel",
                    st.none() | st.fixed_dictionaries({"reason": any_text}),
                ),
                ("GET", f"/v1/inbound-shipments/{path_id}/labels.pdf", st.none()),
                ("GET", "/v1/registrations", st.none()),
                ("GET", "/v1/inbound-shipments", st.none()),
                ("GET", f"/v1/inbound-plans/{path_id}", st.none()),
                (
                    "POST",
                    "/v1/sellers",
                    st.fixed_dictionaries(
                        {"name": any_text}, optional={"expires_in_days": numbers}
                    ),
                ),
                ("GET", "/v1/sellers/me", st.none()),
                ("GET", "/v1/sellers/me/credentials", st.none()),
                ("DELETE", f"/v1/sellers/me/credentials/{path_id}", st.none()),
                (
                    "POST",
                    "/v1/credentials",
                    st.fixed_dictionaries(
                        {
                            "kind": st.sampled_from(
                                ["seller", "fulfillment-center", "channel", "operator", "service"]
                            )
                            | any_text,
                            "subject": st.sampled_from(["SEA1", "storefront", "ops"]) | any_text,
                        },
                        optional={"expires_in_days": numbers},
                    ),
                ),
                ("GET", "/v1/credentials", st.none()),
                (
                    "POST",
                    f"/v1/credentials/{path_id}/rotation",
                    st.none() | st.fixed_dictionaries({"expires_in_days": numbers}),
                ),
                ("DELETE", f"/v1/credentials/{path_id}", st.none()),
            ]
        )
    )
    method, path, body_strategy = choice
    body = draw(st.one_of(body_strategy, json_values)) if method != "GET" else None
    query = draw(
        st.dictionaries(
            st.sampled_from(
                [
                    "limit",
                    "offset",
                    "status",
                    "boxes",
                    "item_labels",
                    "reason",
                    "seller_id",
                    "kind",
                    "subject",
                ]
            ),
            st.text(alphabet=string.printable, max_size=12),
            max_size=3,
        )
    )
    return method, path, body, query


def test_fuzzed_requests_never_get_a_5xx(lenient_client, shipment, stocked_seller, operator):
    skus = stocked_seller["skus"]
    fnsku = stocked_seller["fnskus"][skus[0]]
    spares = [
        lenient_client.post(
            "/v1/credentials",
            json={"kind": "seller", "subject": stocked_seller["seller_id"]},
            headers=operator,
        ).json()["credential_id"]
        for _ in range(3)
    ]

    @fuzz_settings(
        max_examples=400, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    @given(
        requests(skus, shipment["shipment_id"], fnsku, spares),
        st.sampled_from([stocked_seller["headers"], operator]),
    )
    def run(request, headers):
        method, path, body, query = request
        r = lenient_client.request(method, path, json=body, params=query, headers=headers)
        assert r.status_code < 500, (method, path, body, query, r.text)
        if r.status_code >= 400:
            assert r.json()["error"]["message"]

    run()


def test_fuzzed_console_forms_never_get_a_5xx(settings, stocked_seller):
    with TestClient(create_api(settings), raise_server_exceptions=False) as raw:
        c = Browser(raw)
        c.sign_in(stocked_seller["token"])
        sku = stocked_seller["skus"][0]
        form_values = st.text(max_size=30)

        @fuzz_settings(
            max_examples=120, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        @given(
            st.sampled_from(
                [
                    "/console/shipments",
                    "/console/registrations",
                    "/console/sign-in",
                    "/console/registrations/X00AAAAAAA/offer",
                    "/console/shipments/FBAAAAAAAAAA/ship",
                ]
            ),
            st.dictionaries(
                st.sampled_from(
                    [
                        f"qty-{sku}",
                        "ship_from_postal_code",
                        "item",
                        "request_id",
                        "price",
                        "channel",
                        "carrier",
                        "tracking_number",
                        "register-REG-SMALL",
                        "sku-REG-SMALL",
                        "price-REG-SMALL",
                        "token",
                        "next",
                    ]
                ),
                form_values,
                max_size=6,
            ),
            st.dictionaries(
                st.sampled_from(["q", "page", "brand", "category", "item", "status"]),
                form_values,
                max_size=3,
            ),
            st.booleans(),
        )
        def run(path, form, query, with_csrf_token):
            posted = c.post(path, data=form) if with_csrf_token else raw.post(path, data=form)
            assert posted.status_code < 500, (path, form, posted.text[-500:])
            if (
                not with_csrf_token
            ):  # refused: for want of the token, or for a control character before that
                assert posted.status_code in (403, 422)
            page = c.get(
                path.replace("/offer", "")
                .replace("/ship", "")
                .replace("/console/sign-in", "/console/catalog"),
                params=query,
            )
            assert page.status_code < 500, (path, query, page.text[-500:])
            c.sign_in(stocked_seller["token"])  # a fuzzed sign-in may have signed out

        run()
