"""The AsyncAPI 3.0.0 document of every Stockpath topic, built from the registry.

One document answers "what is on topic X, keyed by what, with which headers, written by
whom" for people and for tools (AsyncAPI Studio, code generators), and it cannot drift from
the code because it is generated from the same `REGISTRY` and the same payload schemas as
the committed JSON Schemas.

Payload schemas are those of `stockpath_events.schema`, with their ``$defs`` hoisted to
``components/schemas`` (a ``#/$defs/...`` reference would point at the root of *this*
document) and without ``$id`` (which would change the base URI the references resolve
against). The pydantic output uses only keywords that also exist in draft-07, on which the
AsyncAPI schema format is based.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from typing import Any

from stockpath_events.codec import CONTENT_TYPE, REQUIRED_HEADERS
from stockpath_events.envelope import SPECVERSION
from stockpath_events.registry import REGISTRY, EventSpec, dead_letter_topic
from stockpath_events.schema import event_schema

ASYNCAPI_VERSION = "3.0.0"
KAFKA_BINDING_VERSION = "0.5.0"

#: Headers a consumer adds when it moves a message to ``<topic>.dlq``; the original headers,
#: key and value are kept untouched. Values are UTF-8 strings like every other header.
DLQ_HEADERS: dict[str, str] = {
    "dlq_error": (
        "Why: MalformedEvent, UnsupportedEvent, WrongTopic (the type does not belong on the topic), "
        "SourceNotAllowed (ce_source may not publish the type), TimeInFuture (ce_time ahead of the "
        "consumer's clock beyond the allowed skew), or the type name of the handler's last error."
    ),
    "dlq_reason": (
        "Human-readable reason (MalformedEvent.reason or the last exception's message), "
        "at most 2000 characters."
    ),
    "dlq_original_topic": "Topic the message was read from.",
    "dlq_original_partition": "Partition it was read from (decimal).",
    "dlq_original_offset": "Offset it was read from (decimal).",
    "dlq_consumer": "Consumer group (service) that gave up on it.",
    "dlq_failed_at": "When it was dead-lettered (RFC 3339).",
    "dlq_attempts": "How many times processing was tried (decimal).",
}
#: Added only when the original was too large to dead-letter whole: its value (and each header)
#: is then cut to a bounded length.
DLQ_OPTIONAL_HEADERS: dict[str, str] = {
    "dlq_truncated_from": "The original value's length in bytes; the value here is its first 64 KiB.",
}

#: Who writes events whose domain is not a Stockpath service (docs/event-contract.md).
_OUTSIDE_WRITERS = {
    "orders": "upstream order sources (sales channels, the storefront, order-router's HTTP ingress)",
    "fulfillment": "fulfillment center (warehouse) systems",
}

_CE_HEADERS = "CloudEventsHeaders"
_DLQ_HEADERS = "DeadLetterHeaders"
_DLQ_MESSAGE = "DeadLetter"


def asyncapi_document() -> dict[str, Any]:
    """The whole document as plain JSON data."""
    schemas: dict[str, Any] = {_CE_HEADERS: _cloudevents_headers(), _DLQ_HEADERS: _dlq_headers()}
    messages: dict[str, Any] = {_DLQ_MESSAGE: _dlq_message()}
    for spec in REGISTRY:
        schemas[spec.type] = _hoist(event_schema(spec), schemas, owner=spec.type)
        messages[spec.type] = _message(spec)
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for topic in REGISTRY.topics():
        specs = REGISTRY.on_topic(topic)
        channels[_channel_id(topic)] = _channel(topic, specs)
        channels[_channel_id(dead_letter_topic(topic))] = _dlq_channel(topic)
        for domain in sorted({s.domain for s in specs}):
            operations[_operation_id("send", topic, domain, specs)] = _send_operation(
                topic, [s for s in specs if s.domain == domain]
            )
        operations[_operation_id("deadLetter", topic)] = _dlq_operation(topic)
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": _info(),
        "defaultContentType": CONTENT_TYPE,
        "servers": _servers(),
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas, "messages": messages},
    }


def dumps(document: dict[str, Any]) -> str:
    """Stable text for committing: sorted keys, two-space indent, trailing newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# --- top level --------------------------------------------------------------------------------


def _info() -> dict[str, Any]:
    return {
        "title": "Stockpath events",
        "version": "1.0.0",
        "description": (
            "Every topic of the Stockpath fulfillment platform. Events are CloudEvents 1.0 in Kafka "
            "binary mode: the value is the JSON payload, the attributes are `ce_*` headers, the key "
            "is the aggregate id. Within a version a contract only grows by optional fields; consumers "
            "ignore fields they do not know. Generated by `stockpath-events generate` from "
            "`stockpath_events.registry`; do not edit by hand."
        ),
    }


def _servers() -> dict[str, Any]:
    return {
        "local": {
            "host": "127.0.0.1:9092",
            "protocol": "kafka",
            "description": "Tansu (memory storage) for local runs and tests; `stockpath up` prints the actual address.",
        },
        "production": {
            "host": "kafka.stockpath.example:9092",
            "protocol": "kafka",
            "description": "Apache Kafka (KRaft). Placeholder host: deployments set KAFKA_BOOTSTRAP_SERVERS.",
        },
    }


def _channel_id(topic: str) -> str:
    # Channel ids are keys in JSON pointers (#/channels/<id>); dots read ambiguously there.
    return topic.replace(".", "-")


def _operation_id(
    action: str, topic: str, domain: str | None = None, specs: Sequence[EventSpec] = ()
) -> str:
    name = action + "".join(part.capitalize() for part in topic.replace("-", ".").split("."))
    if domain and len({s.domain for s in specs}) > 1:
        name += "From" + "".join(p.capitalize() for p in domain.split("-"))
    return name


def _writer(domain: str) -> str:
    return _OUTSIDE_WRITERS.get(domain, f"the {domain} service")


# --- channels and operations ----------------------------------------------------------------


def _channel(topic: str, specs: list[EventSpec]) -> dict[str, Any]:
    writers = ", ".join(sorted({_writer(s.domain) for s in specs}))
    by_key: dict[str, list[str]] = {}
    for s in specs:
        by_key.setdefault(s.key_field, []).append(s.name)
    keys = (
        next(iter(by_key))
        if len(by_key) == 1
        else "; ".join(f"{k} for {', '.join(v)}" for k, v in by_key.items())
    )
    return {
        "address": topic,
        "title": topic,
        "description": (
            f"Written by {writers}. Event types: {', '.join(s.name for s in specs)}. "
            f"Kafka key: {keys}; events of one key are in write order."
        ),
        "messages": {s.type: {"$ref": f"#/components/messages/{s.type}"} for s in specs},
        "bindings": {"kafka": {"topic": topic, "bindingVersion": KAFKA_BINDING_VERSION}},
    }


def _dlq_channel(topic: str) -> dict[str, Any]:
    dlq = dead_letter_topic(topic)
    return {
        "address": dlq,
        "title": dlq,
        "description": (
            f"Dead letters of `{topic}`: any consumer of it writes here what it cannot decode or keeps "
            "failing to process, after bounded retries. Key, value and headers are the original "
            "message's, untouched, plus the `dlq_*` headers."
        ),
        "messages": {_DLQ_MESSAGE: {"$ref": f"#/components/messages/{_DLQ_MESSAGE}"}},
        "bindings": {"kafka": {"topic": dlq, "bindingVersion": KAFKA_BINDING_VERSION}},
    }


def _send_operation(topic: str, specs: list[EventSpec]) -> dict[str, Any]:
    channel = _channel_id(topic)
    writer = _writer(specs[0].domain)
    return {
        "action": "send",
        "channel": {"$ref": f"#/channels/{channel}"},
        "title": f"Send to {topic}",
        "summary": f"Written by {writer}.",
        "messages": [{"$ref": f"#/channels/{channel}/messages/{s.type}"} for s in specs],
        "bindings": {"kafka": {"bindingVersion": KAFKA_BINDING_VERSION}},
    }


def _dlq_operation(topic: str) -> dict[str, Any]:
    channel = _channel_id(dead_letter_topic(topic))
    return {
        "action": "send",
        "channel": {"$ref": f"#/channels/{channel}"},
        "title": f"Dead-letter messages of {topic}",
        "summary": f"Any consumer of {topic} writes a message it gives up on here.",
        "messages": [{"$ref": f"#/channels/{channel}/messages/{_DLQ_MESSAGE}"}],
        "bindings": {"kafka": {"bindingVersion": KAFKA_BINDING_VERSION}},
    }


# --- messages ---------------------------------------------------------------------------------


def _message(spec: EventSpec) -> dict[str, Any]:
    doc = (spec.model.__doc__ or "").strip()
    specific: dict[str, Any] = {"ce_type": {"type": "string", "const": spec.type}}
    required = []
    for attribute, field_name in spec.extensions.items():
        specific[f"ce_{attribute}"] = {
            "type": "string",
            "description": f"CloudEvents extension: the payload's `{field_name}`, so consumers can filter without parsing.",
        }
        required.append(f"ce_{attribute}")
    headers: dict[str, Any] = {"type": "object", "properties": specific}
    if required:
        headers["required"] = required
    return {
        "name": spec.name,
        "title": f"{spec.name} (v{spec.version})",
        "summary": doc.splitlines()[0] if doc else spec.name,
        "contentType": CONTENT_TYPE,
        "headers": {
            "type": "object",
            "allOf": [{"$ref": f"#/components/schemas/{_CE_HEADERS}"}, headers],
        },
        "payload": {"$ref": f"#/components/schemas/{spec.type}"},
        "correlationId": {
            "description": "The id of the event or request that started the chain.",
            "location": "$message.header#/ce_correlationid",
        },
        "bindings": {
            "kafka": {
                "key": {
                    "type": "string",
                    "description": f"The payload's `{spec.key_field}` (UTF-8); also the `ce_subject` header.",
                },
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }


def _cloudevents_headers() -> dict[str, Any]:
    def text(description: str, **extra: Any) -> dict[str, Any]:
        return {"type": "string", "description": description, **extra}

    return {
        "type": "object",
        "description": "CloudEvents 1.0 attributes in Kafka binary mode, as UTF-8 header values.",
        "required": list(REQUIRED_HEADERS),
        "properties": {
            "ce_specversion": text("CloudEvents spec version.", const=SPECVERSION),
            "ce_id": text("Unique event id; consumers deduplicate on it (inbox).", format="uuid"),
            "ce_type": text("`stockpath.<service or domain>.<EventName>.v<version>`."),
            "ce_source": text(
                "Producer, `/services/<service>` for Stockpath services.", format="uri-reference"
            ),
            "ce_time": text("When the event happened (RFC 3339 with offset).", format="date-time"),
            "ce_subject": text("The aggregate id; equals the Kafka key."),
            "content-type": text("Media type of the value.", const=CONTENT_TYPE),
            "ce_correlationid": text(
                "Extension: id of the event or request that started the chain."
            ),
            "ce_causationid": text(
                "Extension: id of the event that directly caused this one; absent at a chain's start."
            ),
            "ce_traceparent": text(
                "Distributed-tracing extension: the W3C Trace Context `traceparent` of the span that "
                "published the event (absent when the publisher does not trace).",
                pattern="^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$",
            ),
            "ce_tracestate": text(
                "Distributed-tracing extension: the W3C Trace Context `tracestate`, when there is one."
            ),
        },
    }


def _dlq_headers() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "The original message's headers (CloudEvents ones included, when it had them) plus these.",
        "required": list(DLQ_HEADERS),
        "properties": {
            name: {"type": "string", "description": text}
            for name, text in {**DLQ_HEADERS, **DLQ_OPTIONAL_HEADERS}.items()
        },
    }


def _dlq_message() -> dict[str, Any]:
    return {
        "name": _DLQ_MESSAGE,
        "title": "Dead letter",
        "summary": "A message a consumer gave up on, byte for byte as it was read, plus error headers.",
        "contentType": "application/octet-stream",
        "headers": {"$ref": f"#/components/schemas/{_DLQ_HEADERS}"},
        "payload": {
            "description": "The original value, untouched; it may be invalid JSON or not an event at all."
        },
        "bindings": {
            "kafka": {
                "key": {
                    "type": "string",
                    "description": "The original message's key, untouched (absent if it had none).",
                },
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }


# --- schema relocation ------------------------------------------------------------------------


def _hoist(schema: dict[str, Any], components: dict[str, Any], *, owner: str) -> dict[str, Any]:
    """Move `schema`'s $defs into `components` and point its references there.

    Models are shared between events (Address, CatalogItemSnapshot), so a definition that is
    already there with the same content is reused; a different model with the same class
    name is stored as ``<owner>.<Name>`` instead of silently replacing the other.
    """
    schema = copy.deepcopy(schema)
    for key in ("$schema", "$id"):
        schema.pop(key, None)
    defs = schema.pop("$defs", {})
    names = {name: name for name in defs}
    while True:  # renaming one definition changes those that refer to it: repeat until stable
        bodies = {name: _rewrite_refs(body, names) for name, body in defs.items()}
        clashes = [n for n in defs if names[n] == n and components.get(n, bodies[n]) != bodies[n]]
        if not clashes:
            break
        names.update({n: f"{owner}.{n}" for n in clashes})
    for name, body in bodies.items():
        components[names[name]] = body
    return _rewrite_refs(schema, names)


def _rewrite_refs(node: Any, names: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {k: _rewrite_refs(v, names) for k, v in node.items()}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            out["$ref"] = f"#/components/schemas/{names[ref.removeprefix('#/$defs/')]}"
        return out
    if isinstance(node, list):
        return [_rewrite_refs(v, names) for v in node]
    return node
