"""The wire format: CloudEvents binary mode on Kafka, and how decode rejects what is not an event."""

from __future__ import annotations

import json

import pytest

from stockpath_events import (
    REGISTRY,
    MalformedEvent,
    UnsupportedEvent,
    decode,
    decode_message,
    encode,
    new_event,
)
from stockpath_events.types.catalog import CatalogItemCreated
from stockpath_events.types.order_router import FulfillmentInstructed
from stockpath_events.types.orders import OrderPlaced

SPECS = list(REGISTRY)


@pytest.fixture
def order_message(make):
    return encode(new_event(make(OrderPlaced), source="storefront"))


def _with_headers(message, **changes):
    headers = [(k, v) for k, v in message.headers if k not in changes]
    return headers + [(k, v.encode()) for k, v in changes.items() if v is not None]


@pytest.mark.parametrize("full", [False, True], ids=["minimal", "full"])
@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_round_trip_of_every_registered_type(spec, full, make):
    cause = new_event(make(CatalogItemCreated), source="catalog")
    envelope = new_event(make(spec.model, full=full), source=spec.domain, caused_by=cause)

    message = encode(envelope)

    assert message.topic == spec.topic
    assert decode_message(message) == envelope


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_headers_carry_every_attribute_and_the_key_is_the_registry_key(
    spec, make, cloudevents_headers
):
    data = make(spec.model)
    envelope = new_event(
        data, source=spec.domain, caused_by=new_event(make(CatalogItemCreated), source="catalog")
    )

    message = encode(envelope)

    names = [k for k, _ in message.headers]
    assert cloudevents_headers <= set(names)
    assert len(names) == len(set(names)), "no header twice"
    assert message.header("ce_type") == spec.type
    assert message.header("ce_specversion") == "1.0"
    assert message.header("content-type") == "application/json"
    assert message.key == str(getattr(data, spec.key_field)).encode() == spec.key_of(data).encode()
    assert message.header("ce_subject") == spec.key_of(data)
    assert json.loads(message.value)[spec.key_field] == getattr(data, spec.key_field)


def test_fulfillment_instructed_names_its_center_in_a_header(make):
    data = make(FulfillmentInstructed)

    message = encode(new_event(data, source="order-router"))

    assert message.header("ce_fulfillmentcenter") == data.fulfillment_center_id
    assert message.topic == "fulfillment.instructions"


def test_money_travels_as_a_string(make):
    message = encode(new_event(make(OrderPlaced), source="storefront"))

    assert json.loads(message.value)["lines"][0]["unit_price"] == "19.99"


def test_causation_continues_the_chain(make):
    order = new_event(make(OrderPlaced), source="storefront", correlation_id="req-42")
    instructed = new_event(make(FulfillmentInstructed), source="order-router", caused_by=order)
    next_step = new_event(make(FulfillmentInstructed), source="order-router", caused_by=instructed)

    assert order.correlation_id == "req-42" and order.causation_id is None
    assert instructed.correlation_id == "req-42" and instructed.causation_id == order.id
    assert next_step.correlation_id == "req-42" and next_step.causation_id == instructed.id
    decoded = decode_message(encode(next_step))
    assert (decoded.correlation_id, decoded.causation_id) == ("req-42", instructed.id)


def test_a_chain_starts_with_its_own_id(make):
    first = new_event(make(OrderPlaced), source="storefront")

    assert first.correlation_id == first.id
    assert dict(encode(first).headers).get("ce_causationid") is None


def test_unknown_payload_fields_are_ignored(order_message):
    value = json.loads(order_message.value)
    value["gift_wrap"] = {"paper": "gold"}

    envelope = decode(json.dumps(value).encode(), order_message.headers)

    assert isinstance(envelope.data, OrderPlaced)
    assert not hasattr(envelope.data, "gift_wrap")


def test_headers_may_come_as_a_mapping(order_message):
    assert decode(order_message.value, dict(order_message.headers)) == decode_message(order_message)


@pytest.mark.parametrize("missing", ["ce_specversion", "ce_id", "ce_type", "ce_source", "ce_time"])
def test_missing_header_is_malformed(order_message, missing):
    with pytest.raises(MalformedEvent, match=f"missing CloudEvents header.*{missing}"):
        decode(order_message.value, _with_headers(order_message, **{missing: None}))


def test_no_headers_at_all_is_malformed(order_message):
    with pytest.raises(MalformedEvent, match="missing CloudEvents header"):
        decode(order_message.value, None)


def test_bad_specversion_is_malformed(order_message):
    with pytest.raises(MalformedEvent, match="unsupported ce_specversion '0.3'") as raised:
        decode(order_message.value, _with_headers(order_message, ce_specversion="0.3"))
    assert not isinstance(raised.value, UnsupportedEvent)
    assert raised.value.ce_id == order_message.header("ce_id")


def test_unknown_type_is_unsupported(order_message):
    with pytest.raises(
        UnsupportedEvent, match="unknown event type 'stockpath.orders.OrderPlaced.v2'"
    ) as raised:
        decode(
            order_message.value,
            _with_headers(order_message, ce_type="stockpath.orders.OrderPlaced.v2"),
        )
    assert isinstance(
        raised.value, MalformedEvent
    )  # a DLQ handler that catches MalformedEvent gets it too
    assert raised.value.ce_type == "stockpath.orders.OrderPlaced.v2"


def test_wrong_content_type_is_malformed(order_message):
    with pytest.raises(MalformedEvent, match="unsupported content-type 'application/avro'"):
        decode(
            order_message.value,
            _with_headers(order_message, **{"content-type": "application/avro"}),
        )


def test_invalid_json_is_malformed(order_message):
    with pytest.raises(MalformedEvent, match="OrderPlaced payload is invalid: .*Invalid JSON"):
        decode(b'{"order_id": ', order_message.headers)


def test_missing_value_is_malformed(order_message):
    with pytest.raises(MalformedEvent, match="no value"):
        decode(None, order_message.headers)


def test_wrong_field_types_are_malformed_and_named(order_message):
    value = json.loads(order_message.value)
    value["lines"][0]["quantity"] = "many"
    value["ship_to"] = "somewhere"

    with pytest.raises(MalformedEvent) as raised:
        decode(json.dumps(value).encode(), order_message.headers)

    assert "lines.0.quantity" in raised.value.reason
    assert "ship_to" in raised.value.reason
    assert raised.value.ce_type == "stockpath.orders.OrderPlaced.v1"


def test_model_rules_are_enforced_on_decode(order_message):
    value = json.loads(order_message.value)
    value["lines"][0] = {"line_id": "l1", "quantity": 1, "unit_price": "1.00"}  # names no item

    with pytest.raises(MalformedEvent, match="seller_id and seller_sku, or listing_id"):
        decode(json.dumps(value).encode(), order_message.headers)


@pytest.mark.parametrize("bad_time", ["yesterday", "2024-13-01T00:00:00Z", "2024-05-17T12:00:00"])
def test_bad_ce_time_is_malformed(order_message, bad_time):
    with pytest.raises(MalformedEvent, match=f"ce_time '{bad_time}' is not an RFC 3339 timestamp"):
        decode(order_message.value, _with_headers(order_message, ce_time=bad_time))


def test_ce_time_with_z_suffix_is_accepted(order_message):
    envelope = decode(
        order_message.value, _with_headers(order_message, ce_time="2024-05-17T12:00:00Z")
    )

    assert envelope.time.utcoffset().total_seconds() == 0


def test_non_utf8_header_is_malformed(order_message):
    headers = [*order_message.headers, ("ce_subject", b"\xff\xfe")]

    with pytest.raises(MalformedEvent, match="'ce_subject' is not UTF-8"):
        decode(order_message.value, headers)
