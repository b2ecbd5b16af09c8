"""The seller console: the seller journey as web pages, served by registration under ``/console``.

Sign in with the seller token (``sign_in.py``), search the catalog, preview eligibility and
register (``catalog.py``), change or withdraw registered items (``registrations.py``), see the
listings per channel and why a channel holds one back (``listings.py``) and the orders of every
channel with their status and tracking (``orders.py``), plan an inbound shipment, print its
labels, mark it shipped and watch it travel (``shipments.py``), see stock, its age and what is
stranded (``inventory.py``), have units removed (``removals.py``), see and authorize customer
returns (``returns.py``), read a month's statement of fees (``statement.py``) and follow
notifications (``notifications.py``). Pages call the same
service-layer handlers and views as the JSON API, so the rules and events are the API's; the
catalog, inventory, listing and the order router are asked over their HTTP APIs, as every
service asks another. Every page acts for the signed-in seller only (the same rule as the
API's, `allow(SELLER)`): another seller's ids read as "not found". Every form carries a CSRF token.
"""

from __future__ import annotations

from fastapi import APIRouter

from registration.entrypoints.console import (
    catalog,
    inventory,
    listings,
    notifications,
    orders,
    registrations,
    removals,
    returns,
    shipments,
    sign_in,
    statement,
)
from registration.entrypoints.console.pages import refusals

router = APIRouter(include_in_schema=False)
for _pages in (
    sign_in,
    catalog,
    registrations,
    listings,
    orders,
    shipments,
    inventory,
    removals,
    returns,
    statement,
    notifications,
):
    router.include_router(_pages.router, prefix="/console")

__all__ = ["refusals", "router"]
