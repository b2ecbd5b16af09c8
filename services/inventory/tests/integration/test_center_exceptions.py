"""FC exceptions in the inventory (issue 15): units short at pick are written off, damaged ones
become unfulfillable, the rest of the fulfillment order stays reserved and ships — once, however
often the exception is delivered, and the buckets always add up to the ledger."""

from __future__ import annotations

import pytest
from inventory_testkit import buckets, fo_id

from stockpath_runtime.consumer import Outcome

pytestmark = pytest.mark.integration


def test_a_short_pick_writes_units_off_once_and_the_rest_ships(
    fc_staff, stocked, deliver, events, buckets_and_ledger
):
    fnsku = stocked(10)
    fo = fo_id()
    deliver(events.instructed(fo, [(fnsku, 5)]))
    short = events.center_exception(fo, [(fnsku, 2, "SHORT_PICK")])
    again = events.center_exception(
        fo, [(fnsku, 2, "SHORT_PICK")]
    )  # the FC reports it again: a new event id
    assert deliver(short, short, again) == [Outcome.PROCESSED, Outcome.DUPLICATE, Outcome.PROCESSED]
    assert buckets(fc_staff, fnsku) == {
        "inbound": 0,
        "fulfillable": 5,
        "reserved": 3,
        "unfulfillable": 0,
        "shipped": 0,
    }

    deliver(events.shipped(fo))
    assert buckets(fc_staff, fnsku) == {
        "inbound": 0,
        "fulfillable": 5,
        "reserved": 0,
        "unfulfillable": 0,
        "shipped": 3,
    }
    ledger = fc_staff.get("/v1/ledger", params={"fnsku": fnsku}).json()["items"]
    rows = [
        (e["bucket"], e["delta"], e["reason"], e["cause_event_id"])
        for e in ledger
        if e["reason"].startswith("fc-")
    ]
    assert rows == [("reserved", -2, "fc-exception-short-pick", short.id)]
    stored, recomputed = buckets_and_ledger()
    assert stored == recomputed


def test_damaged_at_pick_becomes_unfulfillable(
    fc_staff, stocked, deliver, events, buckets_and_ledger
):
    fnsku = stocked(4)
    fo = fo_id()
    deliver(
        events.instructed(fo, [(fnsku, 4)]), events.center_exception(fo, [(fnsku, 4, "DAMAGED")])
    )
    assert buckets(fc_staff, fnsku) == {
        "inbound": 0,
        "fulfillable": 0,
        "reserved": 0,
        "unfulfillable": 4,
        "shipped": 0,
    }
    stored, recomputed = buckets_and_ledger()
    assert stored == recomputed


def test_an_exception_without_lines_gives_the_units_back_and_more_than_reserved_is_capped(
    fc_staff, stocked, deliver, events
):
    fnsku = stocked(6)
    whole, capped = fo_id(), fo_id()
    deliver(events.instructed(whole, [(fnsku, 2)]), events.center_exception(whole, None))
    assert buckets(fc_staff, fnsku)["fulfillable"] == 6
    deliver(
        events.instructed(capped, [(fnsku, 1)]),
        events.center_exception(capped, [(fnsku, 9, "SHORT_PICK")]),
    )
    assert buckets(fc_staff, fnsku) == {
        "inbound": 0,
        "fulfillable": 5,
        "reserved": 0,
        "unfulfillable": 0,
        "shipped": 0,
    }


def test_an_exception_for_an_order_not_reserved_here_changes_nothing(
    fc_staff, stocked, deliver, events
):
    fnsku = stocked(3)
    shipped, unknown = fo_id(), fo_id()
    deliver(events.instructed(shipped, [(fnsku, 1)]), events.shipped(shipped))
    assert deliver(
        events.center_exception(shipped, [(fnsku, 1, "SHORT_PICK")]),
        events.center_exception(unknown, None),
    ) == [Outcome.PROCESSED, Outcome.PROCESSED]
    assert buckets(fc_staff, fnsku) == {
        "inbound": 0,
        "fulfillable": 2,
        "reserved": 0,
        "unfulfillable": 0,
        "shipped": 1,
    }


def test_fc_staff_report_an_exception_over_http_and_it_is_published_for_the_platform(
    fc_staff, caller, stocked, deliver, events, outbox_events
):
    fnsku = stocked(5)
    fo = fo_id()
    deliver(events.instructed(fo, [(fnsku, 3)]))
    url = f"/v1/fulfillment-orders/{fo}/exception"
    short = {
        "reason": "bin empty",
        "lines": [{"line_id": "1", "fnsku": fnsku, "quantity": 2, "reason_code": "SHORT_PICK"}],
    }

    too_many = {
        "reason": "x",
        "lines": [{"line_id": "1", "fnsku": fnsku, "quantity": 4, "reason_code": "SHORT_PICK"}],
    }
    assert fc_staff.post(url, json=too_many).status_code == 422
    assert (
        fc_staff.post(
            url,
            json={
                "reason": "x",
                "lines": [
                    {"line_id": "1", "fnsku": "X00NOPE", "quantity": 1, "reason_code": "DAMAGED"}
                ],
            },
        ).status_code
        == 422
    )
    assert (
        fc_staff.post(
            url, json={**short, "lines": [{**short["lines"][0], "reason_code": "LOST"}]}
        ).status_code
        == 422
    )
    assert (
        fc_staff.post(f"/v1/fulfillment-orders/{fo_id()}/exception", json=short).status_code == 404
    )

    r = fc_staff.post(url, json=short)
    assert r.status_code == 202, r.text
    [published] = [
        e
        for e in outbox_events()
        if e.type == "stockpath.fulfillment.FulfillmentRejectedByCenter.v1"
        and e.data.fulfillment_order_id == fo
    ]
    assert published.id == r.json()["event_id"]
    assert published.source == "/services/inventory"
    assert [(ln.fnsku, ln.quantity, ln.reason_code.value) for ln in published.data.lines] == [
        (fnsku, 2, "SHORT_PICK")
    ]
    # The worker applies it as it applies an FC system's report; after that it is told.
    assert deliver(published) == [Outcome.PROCESSED]
    assert buckets(fc_staff, fnsku)["reserved"] == 1
    assert fc_staff.post(url, json=short).status_code == 409
