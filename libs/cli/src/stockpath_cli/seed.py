"""`stockpath seed`'s operator calls: the demo catalog, a seller, credentials, through the services'
own APIs. What makes the shop sell (demo items registered, stocked and listed) is in ``demo.py``.

The demo catalog comes from the ``stockpath.demo`` entry point (the catalog package provides it),
found the way the services are found, so the command line imports no service by name.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points

import httpx

DEMO_GROUP = "stockpath.demo"


class NoDemoCatalog(LookupError):
    """No installed package provides the demo catalog."""


def demo_catalog_generator(name: str = "catalog") -> Callable[[int], list[dict]]:
    """The installed demo catalog: ``generate(count) -> [item bodies for the bulk endpoint]``."""
    found = entry_points(group=DEMO_GROUP, name=name)
    if not found:
        raise NoDemoCatalog(
            f"no installed package provides the demo catalog (entry point {name!r} in group {DEMO_GROUP!r}); "
            "install the catalog service (stockpath-catalog)"
        )
    return next(iter(found)).load()


def seed_catalog(
    catalog_url: str, items: list[dict], *, operator_token: str, chunk: int = 1000, progress=None
) -> dict[str, int]:
    totals = {"created": 0, "updated": 0, "unchanged": 0}
    with httpx.Client(base_url=catalog_url, timeout=120, headers=_bearer(operator_token)) as client:
        for start in range(0, len(items), chunk):
            r = client.post("/v1/catalog/items/bulk", json={"items": items[start : start + chunk]})
            r.raise_for_status()
            for k, v in r.json().items():
                totals[k] += v
            if progress:
                progress(min(start + chunk, len(items)))
    return totals


def create_seller(registration_url: str, name: str, *, operator_token: str) -> dict:
    """A seller (an operator's action): its id and its bearer token, shown this once."""
    with httpx.Client(
        base_url=registration_url, timeout=30, headers=_bearer(operator_token)
    ) as client:
        r = client.post("/v1/sellers", json={"name": name})
        r.raise_for_status()
        return r.json()


def issue_credential(
    registration_url: str, kind: str, subject: str, *, operator_token: str
) -> dict:
    """A credential issued by the operator through registration's API: its id and token."""
    with httpx.Client(
        base_url=registration_url, timeout=30, headers=_bearer(operator_token)
    ) as client:
        r = client.post("/v1/credentials", json={"kind": kind, "subject": subject})
        r.raise_for_status()
        return r.json()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
