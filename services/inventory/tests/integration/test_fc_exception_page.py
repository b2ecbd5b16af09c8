"""The FC page that reports a pick exception (issue 15): FC staff open a fulfillment order of their
FC, see what it holds, and report units they cannot ship with a form — which publishes the same
FulfillmentRejectedByCenter as `POST /v1/fulfillment-orders/{id}/exception`, once, with its CSRF
token checked; bad input is answered on the page. In a real browser: test_fc_receiving_page."""

from __future__ import annotations

import pytest
from inventory_testkit import buckets, fo_id, form_token, signed_in

from stockpath_runtime.consumer import Outcome

pytestmark = pytest.mark.integration

REJECTED = "stockpath.fulfillment.FulfillmentRejectedByCenter.v1"


def published_for(outbox_events, fo: str) -> list:
    return [e for e in outbox_events() if e.type == REJECTED and e.data.fulfillment_order_id == fo]


def test_fc_staff_report_a_damaged_unit_with_the_form_as_the_api_would(
    new_browser, tokens, stocked, deliver, events, outbox_events, fc_staff
):
    fnsku = stocked(5)
    fo = fo_id()
    deliver(events.instructed(fo, [(fnsku, 3)]))
    browser = signed_in(new_browser, tokens["fc"])
    # The receiving desk's picker opens a fulfillment order too.
    picked = browser.get("/fc", params={"fulfillment_order_id": fo})
    url = f"/fc/SEA1/fulfillment-orders/{fo}"
    assert picked.status_code == 303 and picked.headers["location"] == url
    page = browser.get(url)
    assert page.status_code == 200 and "RESERVED" in page.text and fnsku in page.text
    action = f"{url}/exception"
    form = {
        "csrf_token": form_token(page.text, action),
        "reason": "dropped at pick",
        "fnsku-0": fnsku,
        "line_id-0": "1",
        "quantity-0": "2",
        "reason_code-0": "DAMAGED",
    }

    for refused, status, says in (
        ({**form, "csrf_token": "made-up"}, 403, "reload the page"),
        ({**form, "quantity-0": "0"}, 422, "enter the units you cannot ship"),
        ({**form, "quantity-0": "4"}, 422, "only 3 unit(s)"),
        ({**form, "line_id-0": ""}, 422, "name the line"),
        ({**form, "reason": " "}, 422, "say what happened"),
        ({**form, "reason_code-0": "LOST"}, 422, "reload the page"),
    ):
        r = browser.post(action, data=refused)
        assert (r.status_code, says in r.text) == (status, True), (refused, r.text[-600:])
    assert published_for(outbox_events, fo) == []

    r = browser.post(action, data=form)
    assert r.status_code == 303, r.text[-600:]
    [published] = published_for(outbox_events, fo)
    assert published.source == "/services/inventory" and published.data.reason == "dropped at pick"
    assert [
        (ln.line_id, ln.fnsku, ln.quantity, ln.reason_code.value) for ln in published.data.lines
    ] == [("1", fnsku, 2, "DAMAGED")]
    after = browser.get(r.headers["location"]).text
    assert "Reported 2 unit(s)" in after and action not in after

    # The worker applies it like an FC system's report; a second report is refused.
    assert deliver(published) == [Outcome.PROCESSED]
    assert "REPORTED" in browser.get(url).text and action not in browser.get(url).text
    assert buckets(fc_staff, fnsku) == {
        "inbound": 0,
        "fulfillable": 2,
        "reserved": 1,
        "unfulfillable": 2,
        "shipped": 0,
    }
    again = browser.post(action, data=form)
    assert again.status_code == 409 and "reported already" in again.text
    assert len(published_for(outbox_events, fo)) == 1


def test_another_fcs_fulfillment_order_reads_as_not_found(
    new_browser, tokens, stocked, deliver, events
):
    fnsku = stocked(2)
    fo = fo_id()
    deliver(events.instructed(fo, [(fnsku, 1)]))
    other = signed_in(new_browser, tokens["other fc"])  # PHX3's staff
    assert other.get(f"/fc/SEA1/fulfillment-orders/{fo}").status_code == 404
    assert other.get(f"/fc/PHX3/fulfillment-orders/{fo}").status_code == 404
    assert (
        signed_in(new_browser, tokens["fc"]).get("/fc/SEA1/fulfillment-orders/FO-NOPE").status_code
        == 404
    )
