"""`stockpath seed`'s shop: demo items registered, stocked at fulfillment centers and listed in the
storefront, through the services' own APIs and events only (no database is written directly).

Each step acts as the party that would take it on a real platform:

1. the operator creates the demo seller (or finds the one an earlier seed made) and issues the
   storefront channel's credential;
2. the seller picks eligible catalog items (measured, standard size, not hazmat — the preview
   endpoint has the last word), registers them for the ``storefront`` channel under the SKUs
   ``DEMO-<catalog item id>``, plans their stock from two warehouses (one inbound plan each, so
   registration sends each to the FC nearest it) and marks the shipments shipped;
3. each FC named in the plans, with a credential the operator issued it, records a receipt of
   everything outstanding once inventory has learnt of the shipment (from registration's event);
4. the seller's listings are read until every demo item is in stock in the storefront.

Every step looks before it acts, so seeding again changes nothing that is already done and
finishes what an interrupted seed left: registered SKUs are reused, SKUs already in an inbound
shipment are not planned again, shipped or received shipments are not shipped or received twice.
The demo seller and the credentials are kept in ``.stockpath/demo.json`` (owner-readable only, as
the operator's credential is) and reused while registration says they are valid.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial

import httpx

from stockpath_cli.demo_access import DemoFailed, Kept, Operator, all_pages, check, client, until

#: The demo channel: the storefront at ``/shop``.
CHANNEL = "storefront"
#: The demo seller's SKUs are its catalog item ids with this prefix, so a seed finds its own again.
SKU_PREFIX = "DEMO-"
#: Where the demo seller ships from (Robbinsville NJ, Coppell TX): one inbound plan from each, and
#: registration sends each plan to the FC nearest its origin — with the built-in network EWR4 and
#: DFW7, which both offer every speed; how far each reaches in time is docs/routing.md's table.
ORIGINS = ("08691", "75019")
CARRIER = "UPS"
#: Standard-size items only: they fit any FC's conveyor and any parcel.
_LONGEST_SIDE_CM = 45.7
_WEIGHT_G = 9_072
_BATCH = 100


@dataclass(frozen=True)
class Endpoints:
    catalog: str
    registration: str
    inventory: str
    listing: str


@dataclass(frozen=True)
class DemoItem:
    seller_sku: str
    fnsku: str


@dataclass
class Shop:
    """What the seed made: who may do what, and what is for sale."""

    seller_id: str
    seller_token: str
    channel_token: str
    items: list[DemoItem] = field(default_factory=list)
    #: The token of each FC that received demo stock (SEA1's when none did: ``--listed 0``).
    fc_tokens: dict[str, str] = field(default_factory=dict)


def stock_the_shop(
    endpoints: Endpoints,
    catalog_items: list[dict],
    *,
    operator_token: str,
    seller_name: str,
    listed: int,
    kept: Kept,
    say: Callable[[str], None],
    waiting: Callable[[int, int], None],
    timeout_s: float = 180,
) -> Shop:
    """Register, stock and list `listed` demo items for the demo seller; returns once the storefront
    shows every one of them in stock (`waiting(in stock, of)` as it goes), or `DemoFailed`."""
    deadline = time.monotonic() + timeout_s
    operator = Operator(endpoints.registration, operator_token, kept)
    seller, reused = operator.demo_seller(seller_name)
    say(f"seller: {seller['seller_id']} ({'the one an earlier seed made' if reused else 'new'})")
    shop = Shop(seller["seller_id"], seller["token"], operator.credential("channel", CHANNEL))
    with client(endpoints.registration, shop.seller_token) as registration:
        shop.items = _register(registration, catalog_items, listed, say)
        shipments = _plan_and_ship(registration, shop.items, say)
    for fc in sorted({s["fulfillment_center_id"] for s in shipments}) or ["SEA1"]:
        shop.fc_tokens[fc] = operator.credential("fulfillment-center", fc)
    received = _receive(endpoints.inventory, shipments, shop.fc_tokens, deadline, say)
    _wait_in_stock(endpoints.listing, shop, received, deadline, waiting)
    return shop


# --- registering ----------------------------------------------------------------------------------


def eligible_by_catalog_data(catalog_items: Iterable[dict]) -> list[dict]:
    """Catalog items that look registrable and easy to ship: measured, standard size, not hazmat."""
    return [
        item
        for item in catalog_items
        if item.get("dimensions")
        and item.get("weight_g")
        and not item.get("hazmat")
        and max(item["dimensions"].values()) <= _LONGEST_SIDE_CM
        and item["weight_g"] <= _WEIGHT_G
    ]


def demo_price(catalog_item_id: str) -> str:
    """A plausible price, the same for an item on every seed."""
    return f"{5 + int(hashlib.sha256(catalog_item_id.encode()).hexdigest()[:8], 16) % 95}.99"


def _register(seller: httpx.Client, catalog_items: list[dict], wanted: int, say) -> list[DemoItem]:
    """`wanted` registered demo items: those registered before first, then new ones the preview
    says are eligible."""
    registered = sorted(
        (
            r
            for r in all_pages(seller, "/v1/registrations", status="registered")
            if r["seller_sku"].startswith(SKU_PREFIX)
        ),
        key=lambda r: r["seller_sku"],
    )
    items = [DemoItem(r["seller_sku"], r["fnsku"]) for r in registered][:wanted]
    taken = {r["catalog_item_id"] for r in registered}
    candidates = [
        i["catalog_item_id"]
        for i in eligible_by_catalog_data(catalog_items)
        if i["catalog_item_id"] not in taken
    ]
    new = 0
    while len(items) < wanted and candidates:
        batch, candidates = candidates[:_BATCH], candidates[_BATCH:]
        r = seller.post(
            "/v1/registrations/preview", json={"items": [{"catalog_item_id": c} for c in batch]}
        )
        check(r, "previewing the demo items")
        eligible = [p["catalog_item_id"] for p in r.json()["results"] if p["eligible"]][
            : wanted - len(items)
        ]
        if not eligible:
            continue
        offers = [
            {
                "catalog_item_id": c,
                "seller_sku": SKU_PREFIX + c,
                "price": demo_price(c),
                "channels": [CHANNEL],
            }
            for c in eligible
        ]
        r = seller.post("/v1/registrations", json={"items": offers})
        check(r, "registering the demo items")
        for result in r.json()["results"]:
            if result["status"] == "registered":
                items.append(DemoItem(result["seller_sku"], result["fnsku"]))
                new += 1
    say(f"registered {new} demo item(s) for the {CHANNEL}, {len(items) - new} from an earlier seed")
    if len(items) < wanted:
        say(
            f"[yellow]only {len(items)} eligible demo items in the catalog: seed a larger one (--items)[/yellow]"
        )
    return items


# --- inbound stock ------------------------------------------------------------------------------------


def demo_units(seller_sku: str) -> int:
    """How many units of an item each warehouse sends (10–20, the same on every seed)."""
    return 10 + int(hashlib.sha256(seller_sku.encode()).hexdigest()[:8], 16) % 11


def _plan_and_ship(seller: httpx.Client, items: list[DemoItem], say) -> list[dict]:
    """Plan stock of every demo item in no shipment yet (one plan per origin), ship what is not
    shipped; the demo items' shipments."""
    skus = {i.seller_sku for i in items}
    ours = _demo_shipments(seller, skus)
    covered = {line["seller_sku"] for s in ours for line in s["lines"]}
    missing = [i.seller_sku for i in items if i.seller_sku not in covered]
    for origin in ORIGINS if missing else ():
        for start in range(0, len(missing), 200):
            lines = [
                {"seller_sku": sku, "quantity": demo_units(sku)}
                for sku in missing[start : start + 200]
            ]
            r = seller.post(
                "/v1/inbound-plans", json={"lines": lines, "ship_from_postal_code": origin}
            )
            check(r, "planning the demo stock")
            for s in r.json()["shipments"]:
                say(
                    f"planned shipment {s['shipment_id']}: {sum(ln['quantity'] for ln in s['lines'])} units "
                    f"from {origin} to {s['fulfillment_center_id']}"
                )
    ours = _demo_shipments(seller, skus) if missing else ours
    for s in ours:
        if s["status"] == "WORKING":
            r = seller.post(
                f"/v1/inbound-shipments/{s['shipment_id']}/ship",
                json={"carrier": CARRIER, "tracking_number": f"1Z{s['shipment_id']}"},
            )
            check(r, f"marking {s['shipment_id']} shipped")
            s.update(r.json())
    return ours


def _demo_shipments(seller: httpx.Client, skus: set[str]) -> list[dict]:
    return [
        s
        for s in all_pages(seller, "/v1/inbound-shipments")
        if s["status"] != "CANCELLED" and any(line["seller_sku"] in skus for line in s["lines"])
    ]


def _receive(
    inventory_url: str, shipments: list[dict], fc_tokens: dict[str, str], deadline: float, say
) -> dict[str, int]:
    """Each FC records a receipt of whatever is outstanding in each of its demo shipments; the units
    received now, by FNSKU."""
    received: dict[str, int] = {}
    for s in shipments:
        if s["status"] == "CLOSED":
            continue
        fc, shipment_id = s["fulfillment_center_id"], s["shipment_id"]
        with client(inventory_url, fc_tokens[fc]) as staff:
            view = until(
                partial(_shipment_at_fc, staff, shipment_id),
                deadline,
                f"inventory to learn of shipment {shipment_id} and of {fc}'s credential",
            )
            lines = [
                {"fnsku": ln["fnsku"], "received": ln["quantity_outstanding"]}
                for ln in view["lines"]
                if ln["quantity_outstanding"] > 0
            ]
            if view["status"] in ("CLOSED", "CANCELLED") or not lines:
                continue
            counted = sum(ln["quantity_received"] + ln["quantity_damaged"] for ln in view["lines"])
            r = staff.post(
                "/v1/receipts",
                json={
                    "receipt_id": f"RCDEMO-{shipment_id}-{counted}",
                    "shipment_id": shipment_id,
                    "fulfillment_center_id": fc,
                    "lines": lines,
                },
            )
            check(r, f"{fc} receiving {shipment_id}")
            say(
                f"{fc} received shipment {shipment_id}: {sum(ln['received'] for ln in lines)} units"
            )
            for ln in lines:
                received[ln["fnsku"]] = received.get(ln["fnsku"], 0) + ln["received"]
    return received


def _shipment_at_fc(staff: httpx.Client, shipment_id: str) -> dict | None:
    """The shipment as its FC sees it; None while inventory knows it (or the FC's credential) not yet."""
    r = staff.get(f"/v1/inbound-shipments/{shipment_id}/receipts")
    if r.status_code in (401, 404):
        return None
    check(r, f"reading shipment {shipment_id}")
    return r.json()


# --- listed in stock ------------------------------------------------------------------------------------


def _wait_in_stock(
    listing_url: str,
    shop: Shop,
    received: dict[str, int],
    deadline: float,
    waiting: Callable[[int, int], None],
) -> None:
    """Until the seller's storefront listings show every demo item in stock, with at least the units
    received just now (so every FC's receipt has reached the shop)."""
    wanted = {i.fnsku for i in shop.items}
    stocked: set[str] = set()
    held: dict[str, list[str]] = {}

    def all_in_stock() -> bool:
        r = listings.get("/v1/listings", params={"channel": CHANNEL, "limit": 1})
        if (
            r.status_code == 401
        ):  # the listing service has not yet learnt of the seller's credential
            return False
        found = all_pages(listings, "/v1/listings", channel=CHANNEL)
        stocked.clear()
        stocked.update(
            x["fnsku"]
            for x in found
            if x["in_stock"]
            and x["status"] == "ACTIVE"
            and x["sellable_quantity"] >= max(1, received.get(x["fnsku"], 0))
        )
        held.update({x["fnsku"]: x["issues"] for x in found if x["status"] == "HELD"})
        waiting(len(stocked & wanted), len(wanted))
        return wanted <= stocked

    with client(listing_url, shop.seller_token) as listings:
        waiting(0, len(wanted))
        try:
            until(all_in_stock, deadline, "the storefront to list every demo item in stock")
        except DemoFailed as e:
            missing = sorted(wanted - stocked)
            why = "; ".join(f"{f}: {', '.join(held[f])}" for f in missing if held.get(f))
            raise DemoFailed(
                f"{e}: {len(missing)} not in stock yet ({', '.join(missing[:5])}…){' — ' + why if why else ''}"
            ) from None
