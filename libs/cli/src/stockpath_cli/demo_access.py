"""The demo's access to the platform: the operator's part (the demo seller and the credentials,
kept between seeds in a file only its owner may read) and the HTTP helpers every step uses."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx

from stockpath_cli.seed import create_seller, issue_credential
from stockpath_runtime.credentials import parse_token

T = TypeVar("T")


class DemoFailed(RuntimeError):
    """The demo could not be finished (a refusal, or a step that did not happen in time)."""


class Kept:
    """The demo's credentials between seeds, in a JSON file only its owner may read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.values: dict = json.loads(path.read_text()) if path.exists() else {}
        except ValueError:
            self.values = {}

    def get(self, key: str):
        return self.values.get(key)

    def put(self, key: str, value) -> None:
        self.values[key] = value
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(descriptor, 0o600)  # a file made by other means becomes its owner's alone too
        with os.fdopen(descriptor, "w") as f:
            json.dump(self.values, f, indent=2)


@dataclass(frozen=True)
class Operator:
    """The operator's part: the demo seller and the credentials, kept between seeds."""

    registration_url: str
    token: str
    kept: Kept

    def demo_seller(self, name: str) -> tuple[dict, bool]:
        """The seller an earlier seed made (with a new credential if its own is no longer valid),
        else a new one: (its id and token, whether it was reused)."""
        key = f"seller:{name}"
        known = self.kept.get(key)
        if known:
            with client(self.registration_url, known["token"]) as as_seller:
                if as_seller.get("/v1/sellers/me").status_code == 200:
                    return known, True
            with client(self.registration_url, self.token) as operator:
                body = {"kind": "seller", "subject": known["seller_id"]}
                r = operator.post("/v1/credentials", json=body)
            # Otherwise (422) the seller is not in this platform's database: another stack's.
            if r.status_code == 201:
                known = {"seller_id": known["seller_id"], "token": r.json()["token"]}
                self.kept.put(key, known)
                return known, True
        made = create_seller(self.registration_url, name, operator_token=self.token)
        seller = {"seller_id": made["seller_id"], "token": made["token"]}
        self.kept.put(key, seller)
        return seller, False

    def credential(self, kind: str, subject: str) -> str:
        """The token of a credential of `kind` for `subject`: the kept one while valid, else a new one."""
        key = f"{kind}:{subject}"
        token = self.kept.get(key)
        parsed = parse_token(token) if token else None
        if parsed:
            with client(self.registration_url, self.token) as operator:
                listed = all_pages(operator, "/v1/credentials", kind=kind, subject=subject)
            if any(c["credential_id"] == parsed[0] and c["state"] == "valid" for c in listed):
                return token
        issued = issue_credential(self.registration_url, kind, subject, operator_token=self.token)
        self.kept.put(key, issued["token"])
        return issued["token"]


def client(base_url: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, timeout=30, headers={"Authorization": f"Bearer {token}"})


def all_pages(client: httpx.Client, path: str, **params) -> list[dict]:
    """Every item of a paged list."""
    items: list[dict] = []
    while True:
        r = client.get(path, params={**params, "limit": 100, "offset": len(items)})
        check(r, f"reading {path}")
        page = r.json()
        items += page["items"]
        if not page["items"] or len(items) >= page["total"]:
            return items


def check(response: httpx.Response, doing: str) -> None:
    if response.is_error:
        raise DemoFailed(f"{doing}: {response.status_code} {response.text[:500]}")


def until(
    check: Callable[[], T | None | bool], deadline: float, what: str, interval: float = 0.5
) -> T:
    while True:
        found = check()
        if found:
            return found  # type: ignore[return-value]
        if time.monotonic() > deadline:
            raise DemoFailed(f"timed out waiting for {what}")
        time.sleep(interval)
