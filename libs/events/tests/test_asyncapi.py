"""The AsyncAPI document: every topic and dead-letter topic, every event, no dangling reference."""

from __future__ import annotations

import json

import pytest

from stockpath_events import REGISTRY, dead_letter_topic
from stockpath_events.asyncapi import DLQ_HEADERS, asyncapi_document, dumps
from stockpath_events.codec import REQUIRED_HEADERS


@pytest.fixture(scope="module")
def doc() -> dict:
    return asyncapi_document()


def _resolve(doc: dict, ref: str):
    assert ref.startswith("#/"), f"external reference {ref}"
    node = doc
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _refs(node):
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_version_and_servers(doc):
    assert doc["asyncapi"] == "3.0.0"
    assert doc["servers"]["local"] == {
        **doc["servers"]["local"],
        "host": "127.0.0.1:9092",
        "protocol": "kafka",
    }
    assert doc["servers"]["production"]["protocol"] == "kafka"


def test_a_channel_for_every_topic_and_its_dead_letters(doc):
    addresses = {c["address"] for c in doc["channels"].values()}

    for topic in REGISTRY.topics():
        assert topic in addresses
        assert dead_letter_topic(topic) in addresses
    assert all(c.get("description") for c in doc["channels"].values())


def test_every_event_is_a_message_on_its_topic(doc):
    by_address = {c["address"]: c for c in doc["channels"].values()}

    for spec in REGISTRY:
        message = doc["components"]["messages"][spec.type]
        assert by_address[spec.topic]["messages"][spec.type] == {
            "$ref": f"#/components/messages/{spec.type}"
        }
        assert message["payload"] == {"$ref": f"#/components/schemas/{spec.type}"}
        assert message["bindings"]["kafka"]["key"]["type"] == "string"
        assert spec.key_field in message["bindings"]["kafka"]["key"]["description"]
        specific = message["headers"]["allOf"][1]
        assert specific["properties"]["ce_type"]["const"] == spec.type
        for attribute in spec.extensions:
            assert f"ce_{attribute}" in specific["required"]


def test_cloudevents_headers(doc, cloudevents_headers):
    headers = doc["components"]["schemas"]["CloudEventsHeaders"]

    assert set(headers["required"]) == set(REQUIRED_HEADERS)
    assert cloudevents_headers <= set(headers["properties"])


def test_fulfillment_center_header_on_instructions(doc):
    message = doc["components"]["messages"]["stockpath.order-router.FulfillmentInstructed.v1"]

    assert "ce_fulfillmentcenter" in message["headers"]["allOf"][1]["properties"]


def test_dead_letter_channels_carry_the_error_headers(doc):
    headers = doc["components"]["schemas"]["DeadLetterHeaders"]

    assert (
        set(headers["required"])
        == set(DLQ_HEADERS)
        == {
            "dlq_error",
            "dlq_reason",
            "dlq_original_topic",
            "dlq_original_partition",
            "dlq_original_offset",
            "dlq_consumer",
            "dlq_failed_at",
            "dlq_attempts",  # written by stockpath_runtime.dead_letters too
        }
    )
    for channel in doc["channels"].values():
        if channel["address"].endswith(".dlq"):
            assert list(channel["messages"]) == ["DeadLetter"]


def test_producers_send_to_their_topics(doc):
    sends = [op for op in doc["operations"].values() if op["action"] == "send"]
    sent = {
        _resolve(doc, m["$ref"])["$ref"].rsplit("/", 1)[-1] for op in sends for m in op["messages"]
    }

    assert {spec.type for spec in REGISTRY} <= sent


def test_every_reference_resolves_inside_the_document(doc):
    refs = set(_refs(doc))

    assert refs
    for ref in refs:
        _resolve(doc, ref)


def test_payloads_have_no_own_id_or_local_defs(doc):
    for spec in REGISTRY:
        payload = doc["components"]["schemas"][spec.type]
        assert "$id" not in payload and "$defs" not in payload
        assert payload["x-stockpath"]["topic"] == spec.topic


def test_text_is_stable_sorted_json_with_a_trailing_newline(doc):
    text = dumps(doc)

    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert text == dumps(asyncapi_document())
    assert json.loads(text) == doc
