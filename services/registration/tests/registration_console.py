"""The seller console as a browser uses it, for registration's console tests (a unique module name,
so it never shadows another package's test helpers on sys.path)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


class Browser:
    """A TestClient as a browser uses the console: every form it posts carries the CSRF token of
    the last page it loaded (``raw`` posts without one)."""

    def __init__(self, client: TestClient) -> None:
        self.raw = client
        self.csrf = ""

    def get(self, path: str, **kwargs):
        r = self.raw.get(path, **kwargs)
        if 'name="csrf_token"' in r.text:
            self.csrf = csrf_of(r.text)
        return r

    def post(self, path: str, data: dict | None = None, **kwargs):
        r = self.raw.post(path, data={**(data or {}), "csrf_token": self.csrf}, **kwargs)
        if 'name="csrf_token"' in r.text:
            self.csrf = csrf_of(r.text)
        return r

    def sign_in(self, token: str, next_path: str = "/console/catalog", **kwargs):
        self.get("/console/sign-in")
        return self.post("/console/sign-in", data={"token": token, "next": next_path}, **kwargs)


def register_one(c: Browser, catalog_item_id: str, sku: str) -> str:
    r = c.get("/console/eligibility", params={"item": catalog_item_id})
    request_id = re.search(r'name="request_id" value="([0-9a-f]+)"', r.text).group(1)
    ok = c.post(
        "/console/registrations",
        data={
            "request_id": request_id,
            "item": catalog_item_id,
            f"register-{catalog_item_id}": "on",
            f"sku-{catalog_item_id}": sku,
            f"price-{catalog_item_id}": "12.00",
        },
    )
    return re.search(r'class="mono">(X00[A-Z0-9]{7})<', ok.text).group(1)
