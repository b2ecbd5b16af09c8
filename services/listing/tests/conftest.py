"""Builders of the events the listing service consumes, as fixtures shared by its tests."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from stockpath_events import CatalogItemSnapshot, Condition, Identifiers, new_event
from stockpath_events.types.inventory import InventoryLevelChanged
from stockpath_events.types.registration import ItemRegistered


def _registration(
    fnsku: str | None = None,
    *,
    channels: tuple[str, ...] = ("storefront",),
    seller_id: str = "S-ACME",
    seller_sku: str | None = None,
    price: str = "24.99",
    title: str = "Lodge 10-inch Cast Iron Skillet",
    event_id: str | None = None,
):
    fnsku = fnsku or f"X{uuid.uuid4().hex[:9].upper()}"
    data = ItemRegistered(
        registration_id=f"R-{uuid.uuid4().hex[:8]}",
        seller_id=seller_id,
        seller_sku=seller_sku or f"SKU-{fnsku}",
        catalog_item_id="B000000042",
        fnsku=fnsku,
        condition=Condition.NEW,
        price=Decimal(price),
        channels=list(channels),
        item=CatalogItemSnapshot(
            catalog_item_id="B000000042",
            title=title,
            brand="Lodge",
            category="Kitchen",
            identifiers=Identifiers(upc="036000291452"),
            weight_g=2300,
            attributes={"color": "Black"},
        ),
    )
    return new_event(data, source="registration", event_id=event_id)


def _level(fnsku: str, fulfillment_center_id: str, fulfillable: int, *, inbound=0, reserved=0, unfulfillable=0):
    data = InventoryLevelChanged(
        fulfillment_center_id=fulfillment_center_id,
        fnsku=fnsku,
        seller_id="S-ACME",
        inbound=inbound,
        fulfillable=fulfillable,
        reserved=reserved,
        unfulfillable=unfulfillable,
    )
    return new_event(data, source="inventory")


@pytest.fixture(scope="session")
def item_registered():
    """``item_registered(fnsku=None, channels=("storefront",), ...)`` → an ItemRegistered envelope."""
    return _registration


@pytest.fixture(scope="session")
def inventory_level():
    """``inventory_level(fnsku, fc, fulfillable, inbound=, reserved=, unfulfillable=)`` → InventoryLevelChanged."""
    return _level
