"""The FC pages' sessions and forms, as browsers meet them: signing in with the FC's credential
(with a CSRF token, so no other site can sign a browser in), a session cookie that holds no
token, a CSRF token on every form checked on every POST, security headers on every page, and
signing out."""

from __future__ import annotations

import pytest
from inventory_testkit import form_token, signed_in

from stockpath_runtime.credentials import parse_token

pytestmark = pytest.mark.integration


def test_the_pages_ask_anyone_not_signed_in_to_sign_in(new_browser):
    browser = new_browser()
    for path in ("/fc", "/fc/SEA1/shipments/FBA1"):
        r = browser.get(path)
        assert r.status_code == 401 and "text/html" in r.headers["content-type"]
        assert "action='/fc/sign-in'" in r.text and "name='csrf_token'" in r.text
        assert f"name='next' value='{path}'" in r.text
    # The JSON API still answers in JSON.
    assert browser.get("/v1/inventory").json()["error"]["code"] == "unauthorized"


def test_signing_in_sets_a_session_cookie_that_holds_no_token(new_browser, tokens):
    browser = new_browser()
    csrf = browser.csrf_token()
    r = browser.post("/fc/sign-in", data={"csrf_token": csrf, "token": tokens["fc"], "next": "/fc"})
    assert r.status_code == 303
    [session] = [h for h in r.headers.get_list("set-cookie") if h.startswith("stockpath_session=")]
    assert "httponly" in session.lower() and "samesite=strict" in session.lower()
    # The secret is the token's last 43 characters (it may itself hold "_": parse, do not split).
    parsed = parse_token(tokens["fc"])
    assert parsed is not None
    _, secret = parsed
    assert tokens["fc"] not in session and secret not in session
    page = browser.get("/fc")
    assert page.status_code == 200 and "Signed in as fulfillment center SEA1" in page.text


@pytest.mark.parametrize(
    "who, status, says", [("seller", 403, "seller"), ("channel", 403, "channel")]
)
def test_only_fcs_and_operators_sign_in(new_browser, tokens, who, status, says):
    browser = new_browser()
    r = browser.post("/fc/sign-in", data={"csrf_token": browser.csrf_token(), "token": tokens[who]})
    assert r.status_code == status and says in r.text
    assert "stockpath_session" not in browser.cookies


def test_a_wrong_credential_is_refused_on_the_sign_in_page(new_browser, tokens):
    browser = new_browser()
    for token in ("sp_nonsense", tokens["fc"][:-2] + "xx", "x" * 10_000):
        r = browser.post("/fc/sign-in", data={"csrf_token": browser.csrf_token(), "token": token})
        assert r.status_code == 401 and "not valid" in r.text
    assert "stockpath_session" not in browser.cookies


def test_sign_in_needs_this_browsers_csrf_token(new_browser, tokens):
    browser, other = new_browser(), new_browser()
    others_token = other.csrf_token()
    browser.csrf_token()  # the browser has a nonce of its own, made for its own forms
    for form in (
        {"token": tokens["fc"]},
        {"token": tokens["fc"], "csrf_token": others_token},
        {"token": tokens["fc"], "csrf_token": "forged"},
    ):
        r = browser.post("/fc/sign-in", data=form)
        assert r.status_code == 403 and "reload the page" in r.text
    assert "stockpath_session" not in browser.cookies


def test_after_sign_in_the_browser_goes_back_to_an_fc_page_only(new_browser, tokens):
    browser = new_browser()
    for next_path, goes in (
        ("/fc/SEA1/shipments/FBA1", "/fc/SEA1/shipments/FBA1"),
        ("https://evil.example", "/fc"),
        ("//evil.example/fc", "/fc"),
        ("/v1/inventory", "/fc"),
    ):
        r = browser.post(
            "/fc/sign-in",
            data={"csrf_token": browser.csrf_token(), "token": tokens["fc"], "next": next_path},
        )
        assert r.headers["location"] == goes


def test_every_form_post_needs_its_csrf_token(new_browser, tokens, plan, operator):
    shipment = plan(10)
    (fnsku,) = shipment.fnskus
    browser, other = signed_in(new_browser, tokens["fc"]), signed_in(new_browser, tokens["fc"])
    base = f"/fc/SEA1/shipments/{shipment.shipment_id}"
    page = browser.get(base).text
    others_page = other.get(base).text
    for action in (f"{base}/receipts", f"{base}/close", "/fc/sign-out"):
        mine, theirs = form_token(page, action), form_token(others_page, action)
        form = {"fnsku": fnsku, "received": "1"}
        for sent in (form, {**form, "csrf_token": theirs}, {**form, "csrf_token": mine + "x"}):
            r = browser.post(action, data=sent)
            assert r.status_code == 403 and "reload the page" in r.text, action
    # Refused forms changed nothing, and the browser is still signed in.
    view = operator.get(f"/v1/inbound-shipments/{shipment.shipment_id}/receipts").json()
    assert (view["status"], view["receipts"]) == ("PLANNED", [])
    assert browser.get("/fc").status_code == 200

    token = form_token(page, f"{base}/receipts")
    r = browser.post(
        f"{base}/receipts",
        data={"csrf_token": token, "fnsku": fnsku, "received": "2", "receipt_id": "RC-PAGE-1"},
    )
    assert r.status_code == 303
    r = browser.post(f"{base}/close", data={"csrf_token": form_token(page, f"{base}/close")})
    assert r.status_code == 303
    view = operator.get(f"/v1/inbound-shipments/{shipment.shipment_id}/receipts").json()
    assert view["status"] == "CLOSED" and view["lines"][0]["quantity_received"] == 2


def test_signing_out_ends_the_session(new_browser, tokens):
    browser = signed_in(new_browser, tokens["fc"])
    page = browser.get("/fc").text
    r = browser.post("/fc/sign-out", data={"csrf_token": form_token(page, "/fc/sign-out")})
    assert r.status_code == 303 and r.headers["location"] == "/fc/sign-in"
    assert "stockpath_session" not in browser.cookies
    assert browser.get("/fc").status_code == 401


def test_an_fc_works_only_at_its_own_fc_on_the_pages(new_browser, tokens, plan):
    theirs = plan(4, fc="PHX3")
    browser = signed_in(new_browser, tokens["fc"])  # SEA1's staff
    assert browser.get(f"/fc/PHX3/shipments/{theirs.shipment_id}").status_code == 404
    assert browser.get(f"/fc/SEA1/shipments/{theirs.shipment_id}").status_code == 404
    assert (
        browser.get(
            "/fc", params={"fulfillment_center_id": "PHX3", "shipment_id": "X1"}
        ).status_code
        == 404
    )
    # The picker goes to the signed-in FC whatever is asked.
    r = browser.get("/fc", params={"shipment_id": theirs.shipment_id})
    assert (
        r.status_code == 303 and r.headers["location"] == f"/fc/SEA1/shipments/{theirs.shipment_id}"
    )
    token = browser.csrf_token("/fc")
    r = browser.post(
        f"/fc/PHX3/shipments/{theirs.shipment_id}/receipts",
        data={"csrf_token": token, "fnsku": theirs.fnskus[0], "received": "1"},
    )
    assert r.status_code == 404
    # The operator may open any FC's.
    operator = signed_in(new_browser, tokens["operator"])
    assert "<select name='fulfillment_center_id'>" in operator.get("/fc").text
    assert operator.get(f"/fc/PHX3/shipments/{theirs.shipment_id}").status_code == 200


def test_every_page_sends_the_security_headers_and_no_inline_style_or_script(
    new_browser, tokens, plan
):
    shipment = plan(2)
    anonymous, browser = new_browser(), signed_in(new_browser, tokens["fc"])
    pages = [
        anonymous.get("/fc/sign-in"),
        anonymous.get("/fc"),
        browser.get("/fc"),
        browser.get(f"/fc/SEA1/shipments/{shipment.shipment_id}"),
        browser.get("/fc/SEA1/shipments/FBANOSUCH"),
        browser.post("/fc/sign-out", data={}),
    ]
    assert [p.status_code for p in pages] == [200, 401, 200, 200, 404, 403]
    for page in pages:
        policy = page.headers["content-security-policy"]
        assert (
            "script-src 'self'" in policy
            and "style-src 'self'" in policy
            and "frame-ancestors 'none'" in policy
        )
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["x-frame-options"] == "DENY"
        assert "no-store" in page.headers["cache-control"]
        assert (
            "<style" not in page.text and "<script" not in page.text and "style=" not in page.text
        )
        assert "<link rel='stylesheet' href='/fc/fc.css'>" in page.text
    css = anonymous.get("/fc/fc.css")
    assert (
        css.status_code == 200
        and css.headers["content-type"].startswith("text/css")
        and "body{" in css.text
    )


def test_pages_take_a_bearer_header_too_without_a_csrf_token(client, tokens, plan):
    shipment = plan(3)
    (fnsku,) = shipment.fnskus
    r = client.post(
        f"/fc/SEA1/shipments/{shipment.shipment_id}/receipts",
        headers={"Authorization": f"Bearer {tokens['fc']}"},
        data={"fnsku": fnsku, "received": "3"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and "closed" in r.headers["location"]
