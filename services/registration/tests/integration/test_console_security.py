"""The console's trust boundary: every form (sign-in included) needs this browser's CSRF token; the
session cookie holds no token and ends with its credential (revoked, rotated away, expired); only
sellers get in; every page sends the security headers and no template holds inline script or
style (the CSP forbids them); cookies are Secure by default outside loopback."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from registration_console import Browser, register_one

from registration.bootstrap import create_api
from registration.console import STATIC, TEMPLATES
from stockpath_runtime.db import async_url, credentials
from stockpath_runtime.sessions import CSRF_COOKIE, SESSION_COOKIE

pytestmark = pytest.mark.integration


@pytest.fixture
def seller_with_a_shipment(seller, browser_for):
    b = browser_for(seller)
    fnsku = register_one(b, "REG-SMALL", "CSRF-1")
    r = b.post("/console/shipments", data={"qty-CSRF-1": "2"})
    shipment_id = re.search(r'data-shipment="(FBA[A-Z0-9]{9})"', r.text).group(1)
    return b, fnsku, shipment_id


def refused_for_csrf(r) -> bool:
    return (
        r.status_code == 403 and "Reload the page" in r.text and "This form has expired" in r.text
    )


def console_posts(app) -> set[str]:
    return {
        r.path
        for r in iter_route_contexts(app.routes)
        if "POST" in (getattr(r, "methods", None) or ()) and r.path.startswith("/console")
    }


def test_every_form_of_the_console_needs_this_browsers_csrf_token(
    console_app, seller_with_a_shipment, browser_for, seller
):
    owner, fnsku, shipment_id = seller_with_a_shipment
    forms = {
        "/console/registrations": {
            "item": "REG-LARGE",
            "register-REG-LARGE": "on",
            "sku-REG-LARGE": "CSRF-2",
            "price-REG-LARGE": "5.00",
            "request_id": "csrf-form",
        },
        "/console/registrations/{fnsku}/offer": {"price": "1.00"},
        "/console/registrations/{fnsku}/deregister": {},
        "/console/shipments": {"qty-CSRF-1": "1"},
        "/console/shipments/{shipment_id}/ship": {"carrier": "UPS", "tracking_number": "1Z"},
        "/console/shipments/{shipment_id}/cancel": {},
        "/console/removals": {
            "fulfillment_center_id": "SEA1",
            "disposition": "dispose",
            "fnsku": "X000000000",
            "source": "fulfillable",
            "quantity": "1",
        },
        "/console/removals/{removal_order_id}/cancel": {},
        "/console/returns": {"order_id": "mcf:S:O-1", "line_id": "1", "quantity": "1"},
        "/console/notifications/redrive": {},
        "/console/sign-out": {},
        "/console/sign-in": {"token": seller["token"]},
    }
    assert set(forms) == console_posts(console_app)
    elsewhere = browser_for(
        seller
    )  # another browser, signed in as the same seller: its token is its own
    for template, data in forms.items():
        path = template.format(fnsku=fnsku, shipment_id=shipment_id, removal_order_id="RO-1")
        assert refused_for_csrf(owner.raw.post(path, data=data)), path
        assert refused_for_csrf(
            owner.raw.post(path, data={**data, "csrf_token": elsewhere.csrf})
        ), path
        assert refused_for_csrf(owner.raw.post(path, data={**data, "csrf_token": "made-up"})), path
    shipment = owner.get(f"/console/shipments/{shipment_id}/status.json").json()
    assert shipment["status"] == "WORKING"  # nothing posted without a good token changed anything
    listed = owner.get("/console/registrations").text
    assert fnsku in listed and "CSRF-2" not in listed and 'value="1.00"' not in listed
    assert owner.get("/console/catalog").status_code == 200  # and nobody was signed out


def test_sign_in_needs_a_csrf_token_so_no_site_can_sign_a_browser_in(browser_for, seller):
    b = browser_for()
    b.get("/console/sign-in")
    for csrf in (None, "made-up", ""):
        data = {"token": seller["token"], **({"csrf_token": csrf} if csrf is not None else {})}
        r = b.raw.post("/console/sign-in", data=data, follow_redirects=False)
        assert refused_for_csrf(r) and SESSION_COOKIE not in r.headers.get("set-cookie", "")
    other = browser_for()
    other.get("/console/sign-in")
    r = b.raw.post(
        "/console/sign-in",
        data={"token": seller["token"], "csrf_token": other.csrf},
        follow_redirects=False,
    )
    assert refused_for_csrf(r)
    assert b.get("/console/catalog", follow_redirects=False).status_code == 401
    assert b.sign_in(seller["token"], follow_redirects=False).status_code == 303


def test_the_sign_in_form_sets_a_csrf_cookie_scoped_to_the_console(browser_for):
    r = browser_for().get("/console/sign-in")
    cookie = r.headers["set-cookie"].lower()
    assert cookie.startswith(CSRF_COOKIE) and "path=/console" in cookie and "httponly" in cookie
    assert "samesite=strict" in cookie


@pytest.mark.parametrize(
    "how", ["revoked by the operator", "revoked by the seller", "rotated away", "expired"]
)
def test_a_session_ends_with_its_credential(
    client, database, operator, new_seller, browser_for, fresh_credentials, how
):
    seller = new_seller()
    b = browser_for(seller)
    assert b.get("/console/registrations").status_code == 200
    credential_id = seller["credential_id"]
    if how == "revoked by the operator":
        assert (
            client.delete(f"/v1/credentials/{credential_id}", headers=operator).status_code == 200
        )
    elif how == "revoked by the seller":
        assert (
            client.delete(
                f"/v1/sellers/me/credentials/{credential_id}", headers=seller["headers"]
            ).status_code
            == 200
        )
    elif how == "rotated away":
        rotated = client.post("/v1/sellers/me/credentials/rotation", headers=seller["headers"])
        assert rotated.status_code == 201
    else:
        engine = sa.create_engine(async_url(database))
        with engine.begin() as conn:
            conn.execute(
                sa.update(credentials)
                .where(credentials.c.credential_id == credential_id)
                .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
            )
        engine.dispose()
    r = b.get("/console/registrations", follow_redirects=False)
    assert (
        r.status_code == 401
        and "Your session has ended" in r.text
        and 'action="/console/sign-in"' in r.text
    )
    if how == "rotated away":  # the new token signs in again
        assert b.sign_in(rotated.json()["token"], follow_redirects=False).status_code == 303


def test_the_console_is_for_sellers(browser_for, tokens):
    b = browser_for()
    r = b.sign_in(tokens["operator"], follow_redirects=False)
    assert (
        r.status_code == 403
        and "not a seller" in r.text
        and SESSION_COOKIE not in r.headers.get("set-cookie", "")
    )
    page = b.raw.get("/console/catalog", headers={"Authorization": f"Bearer {tokens['fc']}"})
    assert page.status_code == 403 and "This console is for sellers" in page.text


def test_a_seller_token_of_a_seller_that_does_not_exist_does_not_sign_in(browser_for, tokens):
    r = browser_for().sign_in(
        tokens["seller"], follow_redirects=False
    )  # issue_tokens' made-up seller id
    assert r.status_code == 403


# --- headers, templates, cookies ----------------------------------------------------------------


def test_every_page_sends_the_security_headers(browser_for, seller):
    anonymous, signed_in = browser_for(), browser_for(seller)
    pages = [
        anonymous.get("/console/sign-in"),
        anonymous.get("/console/catalog"),  # 401: the sign-in form
        signed_in.get("/console/catalog", params={"q": "notebook"}),
        signed_in.get("/console/shipments/FBANOTHING000"),  # 404
        signed_in.raw.post("/console/shipments", data={}),  # 403: no CSRF token
    ]
    assert [p.status_code for p in pages] == [200, 401, 200, 404, 403]
    for p in pages:
        policy = p.headers["content-security-policy"]
        assert (
            "script-src 'self'" in policy
            and "style-src 'self'" in policy
            and "frame-ancestors 'none'" in policy
        )
        assert "unsafe-inline" not in policy
        assert (
            p.headers["x-frame-options"] == "DENY"
            and p.headers["x-content-type-options"] == "nosniff"
        )
        assert p.headers["cache-control"] == "no-store"
        assert p.headers["content-type"].startswith("text/html")


INLINE = [
    re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),  # a script without src: inline code
    re.compile(r"<style\b", re.I),
    re.compile(r"\sstyle\s*=", re.I),
    re.compile(r"\son[a-z]+\s*=", re.I),  # onclick=... handlers are inline script too
    re.compile(r"javascript:", re.I),
]


def test_no_template_or_page_holds_inline_script_or_style(browser_for, seller):
    templates = sorted(Path(TEMPLATES).glob("*.html"))
    assert templates
    for template in templates:
        text = template.read_text()
        assert not [p.pattern for p in INLINE if p.search(text)], template.name
    b = browser_for(seller)
    register_one(b, "REG-LARGE", "INLINE-1")
    for path in (
        "/console/catalog?q=kettle",
        "/console/registrations",
        "/console/shipments/new",
        "/console/shipments",
    ):
        assert not [p.pattern for p in INLINE if p.search(b.get(path).text)], path
    assert {f.name for f in Path(STATIC).iterdir()} >= {"console.css", "console.js"}


@pytest.mark.parametrize(
    "update, secure",
    [
        ({}, False),
        ({"http_host": "0.0.0.0"}, True),
        ({"http_host": "0.0.0.0", "session_cookie_secure": False}, False),
        ({"session_cookie_secure": True}, True),
    ],
)
def test_cookies_are_secure_by_default_outside_loopback(settings, seller, update, secure):
    with TestClient(create_api(settings.model_copy(update=update))) as c:
        b = Browser(c)
        form = b.get("/console/sign-in")
        signed_in = b.raw.post(
            "/console/sign-in",
            data={"token": seller["token"], "csrf_token": b.csrf},
            follow_redirects=False,
        )
    for set_cookie in (form.headers["set-cookie"], signed_in.headers["set-cookie"]):
        assert ("; secure" in set_cookie.lower()) is secure


def test_the_old_console_cookie_setting_still_makes_cookies_secure(monkeypatch):
    from registration.settings import Settings

    monkeypatch.setenv("REGISTRATION_CONSOLE_SECURE_COOKIE", "true")
    assert Settings().session_cookie_secure is True
    monkeypatch.setenv("REGISTRATION_SESSION_COOKIE_SECURE", "false")
    assert Settings().session_cookie_secure is False
