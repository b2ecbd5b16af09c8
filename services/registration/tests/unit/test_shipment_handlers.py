"""Registration's inbound shipment handlers against an in-memory unit of work: planning to one FC
or splitting a plan across FCs, shipping and cancelling only while WORKING, labels, and the
shipment following inventory's events to RECEIVING and CLOSED."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from registration_testkit import CAUSE, FakeCatalog, FakeRegistrationUnitOfWork, item, offer

from registration.adapters.labels import MAX_ITEM_LABELS
from registration.domain.commands import (
    CancelInboundShipment,
    CloseInboundShipment,
    MarkShipmentReceiving,
    PlanInbound,
    PlanInboundShipment,
    PrintShipmentLabels,
    RegisterItems,
    ShipInboundShipment,
)
from registration.domain.errors import ShipmentNotFound, TooManyLabels, UnknownSellerSkus
from registration.domain.identifiers import PLAN_ID, SHIPMENT_ID
from registration.domain.model import InvalidShipmentTransition, Seller, ShipmentStatus
from registration.domain.notifications import Kind
from registration.domain.planning import NoFulfillmentCenterCanTake
from registration.service_layer.labels import print_shipment_labels
from registration.service_layer.registrations import register_items
from registration.service_layer.shipments import (
    cancel_inbound_shipment,
    close_inbound_shipments,
    mark_shipments_receiving,
    plan_inbound,
    plan_inbound_shipment,
    ship_inbound_shipment,
)
from stockpath_events import Address
from stockpath_events.types.registration import (
    InboundShipmentCancelled,
    InboundShipmentPlanned,
    InboundShipmentShipped,
)
from stockpath_network import DEFAULT_NETWORK, distance_to

SELLER = "S0000000001"
CLOSED_AT = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)
#: Two FCs of 10 units each: a plan of more than 10 units splits.
SMALL = tuple(fc.model_copy(update={"inbound_capacity_units": 10}) for fc in DEFAULT_NETWORK[:2])


async def stocked() -> tuple[FakeRegistrationUnitOfWork, dict[str, str]]:
    """A unit of work whose seller registered SKU-1 and SKU-2: their FNSKUs by SKU."""
    uow = FakeRegistrationUnitOfWork()
    uow.sellers.sellers[SELLER] = Seller(SELLER, "Acme")
    command = RegisterItems(SELLER, (offer("NOTEBOOK", "SKU-1"), offer("POT", "SKU-2")))
    outcome = await register_items(
        command, uow, catalog=FakeCatalog(item("NOTEBOOK"), item("POT")), restricted_categories=()
    )
    uow.events.clear()
    return uow, {r.offer.seller_sku: r.fnsku for r in outcome.registrations}


async def planned(uow, *lines, centers=DEFAULT_NETWORK):
    return await plan_inbound_shipment(PlanInboundShipment(SELLER, lines), uow, centers=centers)


# --- planning -------------------------------------------------------------------------------------


async def test_a_shipment_goes_to_the_fc_with_most_room_and_is_announced_with_its_address():
    uow, fnskus = await stocked()

    shipment = await planned(uow, ("SKU-1", 10), ("SKU-2", 3))

    largest = max(DEFAULT_NETWORK, key=lambda fc: fc.inbound_capacity_units)
    assert SHIPMENT_ID.match(shipment.shipment_id) and shipment.status is ShipmentStatus.WORKING
    assert (
        shipment.fulfillment_center_id == largest.fulfillment_center_id and shipment.plan_id is None
    )
    assert [(ln.fnsku, ln.seller_sku, ln.quantity) for ln in shipment.lines] == [
        (fnskus["SKU-1"], "SKU-1", 10),
        (fnskus["SKU-2"], "SKU-2", 3),
    ]
    (event,) = uow.emitted(InboundShipmentPlanned)
    assert (event.shipment_id, event.fulfillment_center_id, event.ship_to) == (
        shipment.shipment_id,
        largest.fulfillment_center_id,
        largest.address,
    )
    assert [(ln.fnsku, ln.quantity) for ln in event.lines] == [
        (fnskus["SKU-1"], 10),
        (fnskus["SKU-2"], 3),
    ]


async def test_skus_the_seller_never_registered_are_refused_and_nothing_is_planned():
    uow, _ = await stocked()

    with pytest.raises(UnknownSellerSkus) as refused:
        await planned(uow, ("SKU-1", 1), ("NEVER", 2), ("ALSO-NEVER", 1))
    with pytest.raises(UnknownSellerSkus):
        await plan_inbound(PlanInbound(SELLER, (("NEVER", 1),)), uow, centers=DEFAULT_NETWORK)

    assert refused.value.seller_skus == ["NEVER", "ALSO-NEVER"]
    assert uow.shipments.shipments == {} and uow.events == []


async def test_a_shipment_no_single_fc_can_take_is_refused():
    uow, _ = await stocked()

    with pytest.raises(NoFulfillmentCenterCanTake) as refused:
        await planned(uow, ("SKU-1", 11), centers=SMALL)

    assert (refused.value.units, refused.value.largest) == (11, 10)
    assert uow.shipments.shipments == {}


async def test_an_inbound_plan_too_big_for_the_nearest_fc_splits_into_one_shipment_per_fc():
    uow, fnskus = await stocked()
    nearest, other = sorted(SMALL, key=lambda fc: distance_to(fc, "85043"))

    plan = await plan_inbound(
        PlanInbound(SELLER, (("SKU-1", 8), ("SKU-2", 5)), "85043"), uow, centers=SMALL
    )

    assert PLAN_ID.match(plan.plan_id) and len(plan.shipments) == 2
    first, second = plan.shipments
    assert (first.fulfillment_center_id, second.fulfillment_center_id) == (
        nearest.fulfillment_center_id,
        other.fulfillment_center_id,
    )
    assert [(ln.seller_sku, ln.quantity) for ln in first.lines] == [("SKU-1", 8), ("SKU-2", 2)]
    assert [(ln.fnsku, ln.quantity) for ln in second.lines] == [(fnskus["SKU-2"], 3)]
    assert {s.plan_id for s in plan.shipments} == {plan.plan_id}
    events = uow.emitted(InboundShipmentPlanned)
    assert [e.shipment_id for e in events] == [s.shipment_id for s in plan.shipments]
    assert uow.commits == 2, "registration, then the whole plan in one commit"


async def test_a_plan_larger_than_the_whole_network_is_refused():
    uow, _ = await stocked()

    with pytest.raises(NoFulfillmentCenterCanTake):
        await plan_inbound(PlanInbound(SELLER, (("SKU-1", 21),)), uow, centers=SMALL)

    assert uow.shipments.shipments == {}


# --- shipping and cancelling ----------------------------------------------------------------------


async def test_shipping_records_the_carrier_and_is_announced_only_while_working():
    uow, _ = await stocked()
    shipment = await planned(uow, ("SKU-1", 2))

    shipped = await ship_inbound_shipment(
        ShipInboundShipment(SELLER, shipment.shipment_id, "UPS", "1Z999"), uow
    )

    assert shipped.status is ShipmentStatus.SHIPPED and shipped.shipped_at is not None
    assert (shipped.carrier, shipped.tracking_number) == ("UPS", "1Z999")
    (event,) = uow.emitted(InboundShipmentShipped)
    assert (event.shipment_id, event.carrier, event.tracking_number) == (
        shipment.shipment_id,
        "UPS",
        "1Z999",
    )
    for command in (
        ShipInboundShipment(SELLER, shipment.shipment_id, "UPS", "1Z999"),
        CancelInboundShipment(SELLER, shipment.shipment_id),
    ):
        with pytest.raises(InvalidShipmentTransition) as refused:
            await (
                ship_inbound_shipment
                if isinstance(command, ShipInboundShipment)
                else cancel_inbound_shipment
            )(command, uow)
        assert refused.value.status is ShipmentStatus.SHIPPED
    assert (
        len(uow.emitted(InboundShipmentShipped)) == 1
        and uow.emitted(InboundShipmentCancelled) == []
    )


async def test_a_working_shipment_can_be_cancelled_once_and_then_not_shipped():
    uow, _ = await stocked()
    shipment = await planned(uow, ("SKU-1", 2))

    cancelled = await cancel_inbound_shipment(
        CancelInboundShipment(SELLER, shipment.shipment_id, "changed my mind"), uow
    )

    assert (
        cancelled.status is ShipmentStatus.CANCELLED
        and cancelled.cancel_reason == "changed my mind"
    )
    (event,) = uow.emitted(InboundShipmentCancelled)
    assert (event.shipment_id, event.reason) == (shipment.shipment_id, "changed my mind")
    with pytest.raises(InvalidShipmentTransition):
        await ship_inbound_shipment(
            ShipInboundShipment(SELLER, shipment.shipment_id, "UPS", "1Z"), uow
        )
    with pytest.raises(InvalidShipmentTransition):
        await cancel_inbound_shipment(CancelInboundShipment(SELLER, shipment.shipment_id), uow)


async def test_another_sellers_shipment_cannot_be_shipped_cancelled_or_labelled():
    uow, _ = await stocked()
    shipment = await planned(uow, ("SKU-1", 2))
    other = "S0000000002"

    with pytest.raises(ShipmentNotFound):
        await ship_inbound_shipment(
            ShipInboundShipment(other, shipment.shipment_id, "UPS", "1Z"), uow
        )
    with pytest.raises(ShipmentNotFound):
        await cancel_inbound_shipment(CancelInboundShipment(other, shipment.shipment_id), uow)
    with pytest.raises(ShipmentNotFound):
        await print_shipment_labels(PrintShipmentLabels(other, shipment.shipment_id), uow)
    assert uow.shipments.shipments[shipment.shipment_id].status is ShipmentStatus.WORKING


# --- labels ---------------------------------------------------------------------------------------


async def test_labels_are_one_per_unit_or_one_per_line_and_one_per_box():
    uow, fnskus = await stocked()
    shipment = await planned(uow, ("SKU-1", 3), ("SKU-2", 2))

    per_unit = await print_shipment_labels(
        PrintShipmentLabels(SELLER, shipment.shipment_id, boxes=2), uow
    )
    per_line = await print_shipment_labels(
        PrintShipmentLabels(SELLER, shipment.shipment_id, per_unit=False), uow
    )

    assert [label.fnsku for label in per_unit.item_labels] == [fnskus["SKU-1"]] * 3 + [
        fnskus["SKU-2"]
    ] * 2
    assert (per_unit.item_labels[0].title, per_unit.item_labels[0].condition) == (
        "Item NOTEBOOK",
        "new",
    )
    assert [(label.fnsku, label.count) for label in per_line.item_labels] == [
        (fnskus["SKU-1"], 3),
        (fnskus["SKU-2"], 2),
    ]
    assert (per_unit.boxes.boxes, per_unit.boxes.seller_name, per_unit.boxes.shipment_id) == (
        2,
        "Acme",
        shipment.shipment_id,
    )
    assert per_unit.boxes.contents == [("SKU-1", fnskus["SKU-1"], 3), ("SKU-2", fnskus["SKU-2"], 2)]
    assert Address.model_validate(per_unit.boxes.ship_to) == next(
        fc.address
        for fc in DEFAULT_NETWORK
        if fc.fulfillment_center_id == shipment.fulfillment_center_id
    )


async def test_more_unit_labels_than_one_pdf_prints_are_refused_but_per_line_labels_are_not():
    uow, _ = await stocked()
    shipment = await planned(uow, ("SKU-1", MAX_ITEM_LABELS), ("SKU-2", 1))

    with pytest.raises(TooManyLabels) as refused:
        await print_shipment_labels(PrintShipmentLabels(SELLER, shipment.shipment_id), uow)
    per_line = await print_shipment_labels(
        PrintShipmentLabels(SELLER, shipment.shipment_id, per_unit=False), uow
    )

    assert refused.value.units == MAX_ITEM_LABELS + 1 and "per_line" in str(refused.value)
    assert len(per_line.item_labels) == 2


async def test_a_cancelled_shipment_has_no_labels():
    uow, _ = await stocked()
    shipment = await planned(uow, ("SKU-1", 1))
    await cancel_inbound_shipment(CancelInboundShipment(SELLER, shipment.shipment_id), uow)

    with pytest.raises(InvalidShipmentTransition, match="labelled"):
        await print_shipment_labels(PrintShipmentLabels(SELLER, shipment.shipment_id), uow)


# --- following inventory's events -----------------------------------------------------------------


async def test_received_stock_makes_a_shipment_receiving_and_the_fcs_close_makes_it_closed():
    uow, _ = await stocked()
    shipment = await planned(uow, ("SKU-1", 2))
    await ship_inbound_shipment(ShipInboundShipment(SELLER, shipment.shipment_id, "UPS", "1Z"), uow)
    commits, events = uow.commits, len(uow.events)

    await mark_shipments_receiving([MarkShipmentReceiving(shipment.shipment_id, CAUSE)] * 2, uow)
    receiving = uow.shipments.shipments[shipment.shipment_id].status
    closing = CloseInboundShipment(shipment.shipment_id, CAUSE, closed_at=CLOSED_AT)
    await close_inbound_shipments([closing, closing], uow)  # the second changes nothing
    await mark_shipments_receiving(
        [MarkShipmentReceiving(shipment.shipment_id, CAUSE)], uow
    )  # a late receipt

    assert receiving is ShipmentStatus.RECEIVING
    assert uow.shipments.shipments[shipment.shipment_id].status is ShipmentStatus.CLOSED
    assert (uow.commits, len(uow.events)) == (commits, events), (
        "the runtime commits, and nothing is announced"
    )
    # The seller's endpoints hear of the close once, with the lines it planned.
    (told,) = uow.deliveries.queued
    assert (told.seller_id, told.kind, told.occurred_at, told.subscription_id) == (
        SELLER,
        Kind.INBOUND_SHIPMENT_CLOSED,
        CLOSED_AT,
        None,
    )
    assert told.data["shipment_id"] == shipment.shipment_id
    assert [(x["seller_sku"], x["quantity"]) for x in told.data["lines"]] == [("SKU-1", 2)]


async def test_stock_for_a_cancelled_shipment_leaves_it_cancelled_until_the_fc_closes_it():
    uow, _ = await stocked()
    shipment = await planned(uow, ("SKU-1", 2))
    await cancel_inbound_shipment(CancelInboundShipment(SELLER, shipment.shipment_id), uow)

    await mark_shipments_receiving([MarkShipmentReceiving(shipment.shipment_id, CAUSE)], uow)
    assert uow.shipments.shipments[shipment.shipment_id].status is ShipmentStatus.CANCELLED
    await close_inbound_shipments([CloseInboundShipment(shipment.shipment_id, CAUSE)], uow)
    assert uow.shipments.shipments[shipment.shipment_id].status is ShipmentStatus.CLOSED


async def test_events_for_a_shipment_registration_never_planned_are_ignored_and_the_run_goes_on():
    uow, _ = await stocked()
    known = await planned(uow, ("SKU-1", 2))

    await mark_shipments_receiving(
        [
            MarkShipmentReceiving("FBA-NOT-OURS", CAUSE),
            MarkShipmentReceiving(known.shipment_id, CAUSE),
        ],
        uow,
    )
    await close_inbound_shipments([CloseInboundShipment("FBA-NOT-OURS", CAUSE)], uow)

    assert "FBA-NOT-OURS" not in uow.shipments.shipments
    assert uow.shipments.shipments[known.shipment_id].status is ShipmentStatus.RECEIVING
    assert uow.deliveries.queued == []
