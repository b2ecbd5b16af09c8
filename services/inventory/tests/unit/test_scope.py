"""The caller's `Scope`: what a seller, an FC or the operator may see and where an FC may act,
in the domain and in the FC staff's handlers (the in-memory unit of work)."""

from __future__ import annotations

import pytest
from inventory_fakes import FakeInventoryUnitOfWork, consume
from inventory_testkit import planned_event

from inventory.domain.adjustments import AdjustmentKind
from inventory.domain.commands import AdjustInventory, CloseShipment, RecordReceipt
from inventory.domain.scope import EVERYTHING, ActsForAnotherCenter, NotVisible, Scope
from inventory.domain.shipments import LineCount, ShipmentStatus, UnknownShipment
from inventory.domain.stock import Levels
from inventory.service_layer import receiving
from inventory.service_layer.adjustments import adjust_inventory

SEA1, PHX3 = Scope(fulfillment_center_id="SEA1"), Scope(fulfillment_center_id="PHX3")
ACME = Scope(seller_id="S-ACME")


def test_each_scope_sees_its_own_party_and_the_operator_everything():
    assert SEA1.sees("S-ACME", "SEA1") and not SEA1.sees("S-ACME", "PHX3")
    assert ACME.sees("S-ACME", "PHX3") and not ACME.sees("S-OTHER", "SEA1")
    assert EVERYTHING.sees("S-OTHER", "PHX3")


def test_a_read_is_narrowed_to_the_callers_party_and_naming_another_is_not_found():
    assert SEA1.narrow(seller_id=None, fulfillment_center_id=None) == (None, "SEA1")
    assert SEA1.narrow(seller_id="S-ACME", fulfillment_center_id="SEA1") == ("S-ACME", "SEA1")
    assert ACME.narrow(seller_id=None, fulfillment_center_id="PHX3") == ("S-ACME", "PHX3")
    assert EVERYTHING.narrow(seller_id=None, fulfillment_center_id=None) == (None, None)
    with pytest.raises(NotVisible, match="fulfillment center SEA1 not found"):
        PHX3.narrow(seller_id=None, fulfillment_center_id="SEA1")
    with pytest.raises(NotVisible, match="seller S-OTHER not found"):
        ACME.narrow(seller_id="S-OTHER", fulfillment_center_id=None)


def test_an_fc_acts_only_at_its_own_fc():
    SEA1.acts_at("SEA1")
    EVERYTHING.acts_at("PHX3")
    with pytest.raises(
        ActsForAnotherCenter, match="signed in as fulfillment center SEA1.*not at PHX3"
    ):
        SEA1.acts_at("PHX3")


@pytest.fixture
async def uow():
    """FBA1 (XA: 10) planned at SEA1, and XS: 6 fulfillable there."""
    uow = FakeInventoryUnitOfWork()
    await consume(uow, planned_event("FBA1", [("XA", 10)]))
    uow.stock.seed("XS", "SEA1", fulfillable=6)
    uow.events.clear()
    return uow


def receipt(fc: str = "SEA1") -> RecordReceipt:
    return RecordReceipt("R1", "FBA1", fc, (LineCount("XA", 2, 0),))


async def test_a_shipment_bound_for_another_fc_is_unknown_to_an_fc_and_nothing_moves(uow):
    for command in (receipt("SEA1"), receipt("PHX3")):
        with pytest.raises(UnknownShipment):
            await receiving.record_receipt(command, uow, scope=PHX3)
    with pytest.raises(UnknownShipment):
        await receiving.close_shipment(CloseShipment("FBA1"), uow, scope=PHX3)
    assert uow.stock.levels_of("XA") == Levels(inbound=10)
    assert uow.receipts.stored == {} and uow.events == []


async def test_an_fc_naming_another_fc_for_its_own_shipment_is_refused(uow):
    with pytest.raises(ActsForAnotherCenter):
        await receiving.record_receipt(receipt("PHX3"), uow, scope=SEA1)
    with pytest.raises(ActsForAnotherCenter):
        await receiving.close_shipment(CloseShipment("FBA1", "PHX3"), uow, scope=SEA1)
    assert (
        uow.receipts.stored == {} and uow.shipments.stored["FBA1"].status is ShipmentStatus.PLANNED
    )


async def test_an_fc_receives_and_closes_its_own_shipments(uow):
    result, _ = await receiving.record_receipt(receipt("SEA1"), uow, scope=SEA1)
    assert result.lines[0].quantity_received == 2
    await receiving.close_shipment(CloseShipment("FBA1"), uow, scope=SEA1)
    assert uow.shipments.stored["FBA1"].status is ShipmentStatus.CLOSED


async def test_an_fc_adjusts_only_its_own_stock_and_transfers_anywhere(uow):
    lost = AdjustInventory("ADJ1", "PHX3", "XS", AdjustmentKind.LOST, 1, "gone")
    with pytest.raises(ActsForAnotherCenter):
        await adjust_inventory(lost, uow, scope=SEA1)
    assert uow.adjustments.stored == {}
    sent = AdjustInventory("ADJ2", "SEA1", "XS", AdjustmentKind.TRANSFERRED, 4, "rebalance", "PHX3")
    await adjust_inventory(sent, uow, scope=SEA1)
    assert (
        uow.stock.levels_of("XS", "SEA1").fulfillable,
        uow.stock.levels_of("XS", "PHX3").fulfillable,
    ) == (2, 4)
