"""Builders of the events the inventory consumes, as their producers publish them (registration,
order-router, the FCs), for unit and integration tests alike."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from decimal import Decimal

import stockpath_network
from stockpath_events import Address, CatalogItemSnapshot, Dimensions, Envelope, new_event
from stockpath_events.types.fulfillment import (
    ExceptionLine,
    ExceptionReason,
    FulfillmentRejectedByCenter,
    RemovalShipped,
    ReturnCondition,
    ReturnedLine,
    ShipmentShipped,
    UnitsDisposed,
)
from stockpath_events.types.order_router import (
    FulfillmentCancelled,
    FulfillmentInstructed,
    FulfillmentLine,
    ReturnReceiptAccepted,
)
from stockpath_events.types.orders import FeeLine, FulfillmentFee
from stockpath_events.types.registration import (
    InboundShipmentCancelled,
    InboundShipmentLine,
    InboundShipmentPlanned,
    InboundShipmentShipped,
    ItemRegistered,
)


def registered_event(
    fnsku: str,
    *,
    seller_id: str = "S-ACME",
    size_tier: str | None = "small_standard",
    weight_g: float | None = 200,
    dimensions_cm: tuple[float, float, float] | None = None,
) -> Envelope[ItemRegistered]:
    """Registration's ItemRegistered of an FNSKU: what prices its charges (size tier, weight, and
    the dimensions its storage is priced by)."""
    return new_event(
        ItemRegistered(
            registration_id=f"REG-{fnsku}",
            seller_id=seller_id,
            seller_sku=f"SKU-{fnsku}",
            catalog_item_id=f"CI-{fnsku}",
            fnsku=fnsku,
            condition="new",
            price="24.99",
            channels=["web"],
            item=CatalogItemSnapshot(
                catalog_item_id=f"CI-{fnsku}",
                title="Kettle",
                category="Kitchen",
                weight_g=weight_g,
                dimensions=Dimensions(
                    length_cm=dimensions_cm[0],
                    width_cm=dimensions_cm[1],
                    height_cm=dimensions_cm[2],
                )
                if dimensions_cm
                else None,
            ),
            size_tier=size_tier,
        ),
        source="registration",
    )


def planned_event(
    shipment_id: str,
    lines: list[tuple[str, int]],
    *,
    seller_id: str = "S-ACME",
    fulfillment_center_id: str = "SEA1",
) -> Envelope[InboundShipmentPlanned]:
    """What registration publishes when it tells a seller where to ship (seller SKU = 'SKU-' + FNSKU)."""
    fc = stockpath_network.get(fulfillment_center_id)
    return new_event(
        InboundShipmentPlanned(
            shipment_id=shipment_id,
            seller_id=seller_id,
            fulfillment_center_id=fulfillment_center_id,
            ship_to=fc.address,
            lines=[
                InboundShipmentLine(fnsku=f, seller_sku=f"SKU-{f}", quantity=q) for f, q in lines
            ],
        ),
        source="registration",
    )


def inbound_shipped_event(
    shipment_id: str,
    *,
    seller_id: str = "S-ACME",
    fulfillment_center_id: str = "SEA1",
    shipped_at: datetime | None = None,
) -> Envelope:
    """The seller handed the shipment to a carrier (registration's InboundShipmentShipped)."""
    return new_event(
        InboundShipmentShipped(
            shipment_id=shipment_id,
            seller_id=seller_id,
            fulfillment_center_id=fulfillment_center_id,
            carrier="UPS",
            tracking_number="1Z1",
            shipped_at=shipped_at,
        ),
        source="registration",
    )


def cancelled_event(
    shipment_id: str, *, seller_id: str = "S-ACME", fulfillment_center_id: str = "SEA1"
) -> Envelope:
    return new_event(
        InboundShipmentCancelled(
            shipment_id=shipment_id,
            seller_id=seller_id,
            fulfillment_center_id=fulfillment_center_id,
            reason="seller",
        ),
        source="registration",
    )


def instructed_event(
    fulfillment_order_id: str,
    lines: list[tuple[str, int]],
    *,
    fulfillment_center_id: str = "SEA1",
    seller_id: str = "S-ACME",
    order_id: str | None = None,
) -> Envelope[FulfillmentInstructed]:
    """What order-router writes to fulfillment.instructions (line ids 1, 2, …; seller SKU 'SKU-' + FNSKU)."""
    return new_event(
        FulfillmentInstructed(
            fulfillment_order_id=fulfillment_order_id,
            order_id=order_id or f"O-{fulfillment_order_id}",
            fulfillment_center_id=fulfillment_center_id,
            lines=[
                FulfillmentLine(
                    line_id=str(n), fnsku=f, seller_sku=f"SKU-{f}", seller_id=seller_id, quantity=q
                )
                for n, (f, q) in enumerate(lines, start=1)
            ],
            ship_to=Address(
                name="Ada Buyer",
                line1="400 Pine St",
                city="Seattle",
                region="WA",
                postal_code="98101",
            ),
            shipping_speed="standard",
        ),
        source="order-router",
    )


def mcf_instructed_event(
    fulfillment_order_id: str,
    lines: list[tuple[str, int, str]],
    *,
    order_id: str,
    seller_id: str = "S-ACME",
    effective_from: str = "2026-01-15",
) -> Envelope[FulfillmentInstructed]:
    """An MCF order's fulfillment order as order-router instructs it: lines of (fnsku, quantity,
    quoted fee per unit), with its share of the quote (each a small standard 200 g unit)."""
    instructed = instructed_event(
        fulfillment_order_id, [(f, q) for f, q, _ in lines], seller_id=seller_id, order_id=order_id
    )
    shares = [
        FeeLine(
            line_id=str(n),
            fnsku=f,
            size_tier="small_standard",
            shipping_weight_g=200,
            unit_fee=Decimal(fee),
            quantity=q,
            fee=Decimal(fee) * q,
        )
        for n, (f, q, fee) in enumerate(lines, start=1)
    ]
    fee = FulfillmentFee(
        effective_from=effective_from,
        lines=shares,
        total=sum((line.fee for line in shares), Decimal(0)),
    )
    return new_event(
        instructed.data.model_copy(update={"fulfillment_fee": fee}), source="order-router"
    )


def fulfillment_cancelled_event(
    fulfillment_order_id: str, *, fulfillment_center_id: str = "SEA1"
) -> Envelope:
    return new_event(
        FulfillmentCancelled(
            fulfillment_order_id=fulfillment_order_id,
            order_id=f"O-{fulfillment_order_id}",
            fulfillment_center_id=fulfillment_center_id,
            reason="buyer",
        ),
        source="order-router",
    )


def shipped_event(
    fulfillment_order_id: str,
    *,
    fulfillment_center_id: str = "SEA1",
    shipped_at: datetime | None = None,
) -> Envelope:
    return new_event(
        ShipmentShipped(
            fulfillment_order_id=fulfillment_order_id,
            order_id=f"O-{fulfillment_order_id}",
            fulfillment_center_id=fulfillment_center_id,
            carrier="UPS",
            tracking_number=f"1Z{fulfillment_order_id}",
            shipped_at=shipped_at,
        ),
        source="/fulfillment-centers/SEA1",
    )


def return_accepted_event(
    return_id: str,
    lines: list[tuple[str, int, str]],
    *,
    fulfillment_center_id: str = "SEA1",
    received_at: datetime | None = None,
) -> Envelope:
    """An FC's report of a return the order router accepted (ReturnReceiptAccepted): lines of
    (fnsku, quantity, condition)."""
    return new_event(
        ReturnReceiptAccepted(
            return_id=return_id,
            order_id=f"O-{return_id}",
            fulfillment_center_id=fulfillment_center_id,
            lines=[
                ReturnedLine(fnsku=f, quantity=q, condition=ReturnCondition(c)) for f, q, c in lines
            ],
            received_at=received_at,
        ),
        source="/services/order-router",
    )


def center_exception_event(
    fulfillment_order_id: str,
    lines: list[tuple[str, int, str]] | None,
    *,
    fulfillment_center_id: str = "SEA1",
) -> Envelope:
    """An FC's exception: (fnsku, units, SHORT_PICK | DAMAGED) per line (line ids 1, 2, …), or None: none of it."""
    return new_event(
        FulfillmentRejectedByCenter(
            fulfillment_order_id=fulfillment_order_id,
            order_id=f"O-{fulfillment_order_id}",
            fulfillment_center_id=fulfillment_center_id,
            reason="pick exception",
            lines=None
            if lines is None
            else [
                ExceptionLine(line_id=str(n), fnsku=f, quantity=q, reason_code=ExceptionReason(r))
                for n, (f, q, r) in enumerate(lines, start=1)
            ],
        ),
        source=f"/fulfillment-centers/{fulfillment_center_id}",
    )


def removal_shipped_event(
    removal_order_id: str, *, fulfillment_center_id: str = "SEA1"
) -> Envelope:
    return new_event(
        RemovalShipped(
            removal_order_id=removal_order_id,
            fulfillment_center_id=fulfillment_center_id,
            carrier="UPS",
            tracking_number=f"1Z{removal_order_id}",
        ),
        source=f"/fulfillment-centers/{fulfillment_center_id}",
    )


def units_disposed_event(removal_order_id: str, *, fulfillment_center_id: str = "SEA1") -> Envelope:
    return new_event(
        UnitsDisposed(
            removal_order_id=removal_order_id, fulfillment_center_id=fulfillment_center_id
        ),
        source=f"/fulfillment-centers/{fulfillment_center_id}",
    )


class Events:
    """The builders above under short names (the integration tests' `events` fixture)."""

    registered = staticmethod(registered_event)
    planned = staticmethod(planned_event)
    inbound_shipped = staticmethod(inbound_shipped_event)
    cancelled = staticmethod(cancelled_event)
    instructed = staticmethod(instructed_event)
    mcf_instructed = staticmethod(mcf_instructed_event)
    fulfillment_cancelled = staticmethod(fulfillment_cancelled_event)
    shipped = staticmethod(shipped_event)
    return_accepted = staticmethod(return_accepted_event)
    removal_shipped = staticmethod(removal_shipped_event)
    units_disposed = staticmethod(units_disposed_event)
    center_exception = staticmethod(center_exception_event)


BUCKETS = ("inbound", "fulfillable", "reserved", "unfulfillable", "shipped")


def buckets(fc_staff, fnsku: str, fc: str = "SEA1") -> dict:
    """The buckets of one FNSKU at one FC, as the inventory API reports them."""
    [item] = fc_staff.get(
        "/v1/inventory", params={"fnsku": fnsku, "fulfillment_center_id": fc}
    ).json()["items"]
    return {k: item[k] for k in BUCKETS}


def fo_id() -> str:
    return f"FO-{uuid.uuid4().hex[:12]}"


def signed_in(new_browser, token: str):
    """A browser signed in to the FC pages with `token`."""
    browser = new_browser()
    r = browser.post(
        "/fc/sign-in", data={"csrf_token": browser.csrf_token(), "token": token, "next": "/fc"}
    )
    assert r.status_code == 303 and r.headers["location"] == "/fc"
    return browser


def form_token(html: str, action: str) -> str:
    """The CSRF token of the form posting to `action`."""
    form = html.split(f"action='{action}'", 1)[1].split("</form>", 1)[0]
    return re.search(r"name='csrf_token' value='([^']+)'", form).group(1)
