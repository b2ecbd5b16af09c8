"""Our Kafka binding of CloudEvents as the official SDK (``cloudevents`` on PyPI) reads and writes it.

Every registered event type, encoded by `stockpath_events.encode`, is read by the SDK's Kafka
binding — its current one (``cloudevents.core.bindings.kafka``, which validates every attribute)
and the 1.x one (``cloudevents.kafka``, kept in 2.x as ``cloudevents.v1.kafka``) — with its id,
type, source, time, subject, data and our extension attributes intact. And a binary message the
SDK made decodes with `stockpath_events.decode` into the same event.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from cloudevents.core.bindings import kafka as sdk_kafka
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from cloudevents.v1 import http as sdk_v1_http
from cloudevents.v1 import kafka as sdk_v1_kafka

from stockpath_events import REGISTRY, Envelope, EventSpec, decode, encode, new_event
from stockpath_events.types.catalog import CatalogItemCreated

SPECS = list(REGISTRY)
#: Headers of the attributes every CloudEvent has (and ``content-type``: datacontenttype).
CORE_HEADERS = {
    "ce_specversion",
    "ce_id",
    "ce_type",
    "ce_source",
    "ce_time",
    "ce_subject",
    "content-type",
}


def _sample(spec: EventSpec, make) -> Envelope:
    """One event of the type, every payload field set, caused by another (so causationid is set)."""
    cause = new_event(make(CatalogItemCreated), source="/services/catalog")
    return new_event(
        make(spec.model, full=True), source=f"/services/{spec.domain}", caused_by=cause
    )


def _read_current(message) -> tuple[dict[str, Any], Any]:
    event = sdk_kafka.from_binary(
        sdk_kafka.KafkaMessage(headers=dict(message.headers), key=message.key, value=message.value),
        JSONFormat(),
    )
    return event.get_attributes(), event.get_data()


def _read_1x(message) -> tuple[dict[str, Any], Any]:
    event = sdk_v1_kafka.from_binary(
        sdk_v1_kafka.KafkaMessage(
            headers=dict(message.headers), key=message.key, value=message.value
        )
    )
    attributes = event.get_attributes()
    return {**attributes, "time": datetime.fromisoformat(attributes["time"])}, event.get_data()


@pytest.mark.parametrize("read", [_read_current, _read_1x], ids=["sdk", "sdk-1.x-api"])
@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_the_sdk_reads_every_event_type_we_encode(spec, read, make):
    envelope = _sample(spec, make)
    message = encode(envelope)

    attributes, data = read(message)

    assert attributes["specversion"] == "1.0"
    assert attributes["id"] == envelope.id
    assert attributes["type"] == spec.type
    assert attributes["source"] == envelope.source
    assert attributes["time"] == envelope.time
    assert attributes["subject"] == envelope.subject == envelope.key
    assert attributes["datacontenttype"] == "application/json"
    assert spec.model.model_validate(data) == envelope.data
    assert data == json.loads(envelope.data.model_dump_json())
    # Our extension attributes: the chain, and those the registry takes from payload fields.
    assert attributes["correlationid"] == envelope.correlation_id
    assert attributes["causationid"] == envelope.causation_id
    for attribute, field_name in spec.extensions.items():
        assert attributes[attribute] == str(getattr(envelope.data, field_name))
    # Every other attribute we write (e.g. trace context) arrives as an extension with its value.
    written = {
        name[3:]: value.decode() for name, value in message.headers if name not in CORE_HEADERS
    }
    assert {name: attributes.get(name) for name in written} == written
    # The SDK reads the Kafka key as the partitionkey extension: ours is the registry's key.
    assert attributes["partitionkey"] in (envelope.key, envelope.key.encode())


def _write_current(attributes: dict[str, Any], data: Any, key: str):
    message = sdk_kafka.to_binary(
        CloudEvent(attributes, data), JSONFormat(), key_mapper=lambda _: key
    )
    return message.key, message.value, message.headers


def _write_1x(attributes: dict[str, Any], data: Any, key: str):
    event = sdk_v1_http.CloudEvent.create(
        {**attributes, "time": attributes["time"].isoformat(), "partitionkey": key}, data
    )
    message = sdk_v1_kafka.to_binary(event)
    return message.key, message.value, message.headers


@pytest.mark.parametrize("write", [_write_current, _write_1x], ids=["sdk", "sdk-1.x-api"])
@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_a_binary_message_the_sdk_made_decodes_as_our_event(spec, write, make):
    expected = _sample(spec, make)
    attributes = {
        "id": expected.id,
        "type": spec.type,
        "source": expected.source,
        "time": expected.time,
        "subject": expected.subject,
        "datacontenttype": "application/json",
        "correlationid": expected.correlation_id,
        "causationid": expected.causation_id,
        **{attribute: str(getattr(expected.data, f)) for attribute, f in spec.extensions.items()},
    }

    key, value, headers = write(attributes, expected.data.model_dump(mode="json"), expected.key)

    assert key in (expected.key, expected.key.encode())
    assert decode(value, headers) == expected


@pytest.mark.parametrize("read", [_read_current, _read_1x], ids=["sdk", "sdk-1.x-api"])
def test_the_trace_context_travels_as_the_distributed_tracing_extension(read, make):
    """What `stockpath_runtime.tracing` adds to an event's headers is the CloudEvents
    distributed-tracing extension: the SDK reads it as `traceparent`/`tracestate`, and our decode
    takes the event as it is (the context is the runtime's business, not the envelope's)."""
    envelope = _sample(REGISTRY.for_model(CatalogItemCreated), make)
    message = encode(envelope)
    traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    traced = [
        *message.headers,
        ("ce_traceparent", traceparent.encode()),
        ("ce_tracestate", b"vendor=1"),
    ]

    attributes, _ = read(type(message)(message.topic, message.key, message.value, traced))

    assert attributes["traceparent"] == traceparent
    assert attributes["tracestate"] == "vendor=1"
    assert decode(message.value, traced) == envelope
