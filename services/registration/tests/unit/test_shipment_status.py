"""An inbound shipment's life: WORKING → SHIPPED → RECEIVING → CLOSED, or CANCELLED while WORKING."""

from datetime import UTC, datetime

import pytest

from registration.domain.model import (
    InboundShipment,
    InvalidShipmentTransition,
    ShipmentLine,
    ShipmentStatus,
)

NOW = datetime(2024, 5, 1, tzinfo=UTC)


def shipment(status=ShipmentStatus.WORKING) -> InboundShipment:
    return InboundShipment(
        shipment_id="FBA000000001",
        seller_id="S0000000001",
        fulfillment_center_id="CMH2",
        ship_to={},
        lines=(ShipmentLine("X000000001", "SKU-1", 5),),
        status=status,
    )


def test_a_working_shipment_can_be_shipped_with_its_tracking():
    shipped = shipment().ship("UPS", "1Z999", NOW)
    assert (shipped.status, shipped.carrier, shipped.tracking_number, shipped.shipped_at) == (
        ShipmentStatus.SHIPPED,
        "UPS",
        "1Z999",
        NOW,
    )


def test_a_working_shipment_can_be_cancelled():
    assert shipment().cancel("changed my mind").status is ShipmentStatus.CANCELLED


@pytest.mark.parametrize("status", [s for s in ShipmentStatus if s is not ShipmentStatus.WORKING])
def test_only_a_working_shipment_can_be_shipped_or_cancelled(status):
    with pytest.raises(InvalidShipmentTransition, match=status.value):
        shipment(status).ship("UPS", "1Z", NOW)
    with pytest.raises(InvalidShipmentTransition, match=status.value):
        shipment(status).cancel(None)


@pytest.mark.parametrize(
    "before, after",
    [
        (ShipmentStatus.WORKING, ShipmentStatus.RECEIVING),
        (ShipmentStatus.SHIPPED, ShipmentStatus.RECEIVING),
        (ShipmentStatus.RECEIVING, ShipmentStatus.RECEIVING),
        (ShipmentStatus.CLOSED, ShipmentStatus.CLOSED),
        (ShipmentStatus.CANCELLED, ShipmentStatus.CANCELLED),
    ],
)
def test_receiving_starts_only_from_working_or_shipped(before, after):
    assert shipment(before).receiving().status is after


@pytest.mark.parametrize("before", list(ShipmentStatus))
def test_the_fc_closing_a_shipment_always_closes_it(before):
    assert shipment(before).closed().status is ShipmentStatus.CLOSED
