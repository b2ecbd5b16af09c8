"""Encode and decode events as Kafka messages in CloudEvents binary mode.

The value is the JSON payload; the attributes are ``ce_*`` headers; the key is the
registry's partition key. `KafkaMessage` is neutral (no client types), so the same codec
serves faust, a plain aiokafka consumer and the outbox.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import ValidationError

from stockpath_events.envelope import SPECVERSION, Envelope
from stockpath_events.registry import REGISTRY, UnknownEventType

CONTENT_TYPE = "application/json"
REQUIRED_HEADERS = ("ce_specversion", "ce_id", "ce_type", "ce_source", "ce_time")


@dataclass(frozen=True)
class KafkaMessage:
    topic: str
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        for k, v in self.headers:
            if k == name:
                return v.decode("utf-8", "replace") if v is not None else None
        return None


class MalformedEvent(ValueError):
    """A message that is not a valid Stockpath event; `reason` says what is wrong with it."""

    def __init__(
        self, reason: str, *, ce_type: str | None = None, ce_id: str | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.ce_type = ce_type
        self.ce_id = ce_id


class UnsupportedEvent(MalformedEvent):
    """A well-formed CloudEvent of a type this code does not know (e.g. a newer ``.v2``)."""


def encode(envelope: Envelope) -> KafkaMessage:
    spec = envelope.spec
    headers: list[tuple[str, bytes]] = [
        ("ce_specversion", SPECVERSION.encode()),
        ("ce_id", envelope.id.encode()),
        ("ce_type", envelope.type.encode()),
        ("ce_source", envelope.source.encode()),
        ("ce_time", envelope.time.isoformat().encode()),
        ("ce_subject", envelope.subject.encode()),
        ("content-type", CONTENT_TYPE.encode()),
        ("ce_correlationid", envelope.correlation_id.encode()),
    ]
    if envelope.causation_id:
        headers.append(("ce_causationid", envelope.causation_id.encode()))
    for attribute, field_name in spec.extensions.items():
        value = getattr(envelope.data, field_name)
        if value is not None:  # an absent attribute, not the string "None"
            headers.append((f"ce_{attribute}", str(value).encode()))
    return KafkaMessage(
        topic=spec.topic,
        key=spec.key_of(envelope.data).encode(),
        value=envelope.data.model_dump_json(exclude_none=False).encode(),
        headers=headers,
    )


def _headers_dict(
    headers: Iterable[tuple[str, bytes | None]] | Mapping[str, bytes] | None,
) -> dict[str, str]:
    items = headers.items() if isinstance(headers, Mapping) else (headers or [])
    out: dict[str, str] = {}
    for k, v in items:
        if v is None:
            continue
        try:
            out[k] = v.decode("utf-8") if isinstance(v, bytes | bytearray) else str(v)
        except UnicodeDecodeError as e:
            raise MalformedEvent(f"header {k!r} is not UTF-8") from e
    return out


def decode(
    value: bytes | None,
    headers: Iterable[tuple[str, bytes | None]] | Mapping[str, bytes] | None,
) -> Envelope:
    """Turn a Kafka message's value and headers into an envelope.

    Raises `UnsupportedEvent` for a well-formed event of an unknown type and
    `MalformedEvent` (with a reason) for anything else that is not a valid event.
    """
    h = _headers_dict(headers)
    missing = [name for name in REQUIRED_HEADERS if not h.get(name)]
    if missing:
        raise MalformedEvent(
            f"missing CloudEvents header(s): {', '.join(missing)}", ce_id=h.get("ce_id")
        )
    ce_type, ce_id = h["ce_type"], h["ce_id"]
    if h["ce_specversion"] != SPECVERSION:
        raise MalformedEvent(
            f"unsupported ce_specversion {h['ce_specversion']!r}", ce_type=ce_type, ce_id=ce_id
        )
    content_type = h.get("content-type", CONTENT_TYPE)
    if not content_type.startswith(CONTENT_TYPE):
        raise MalformedEvent(
            f"unsupported content-type {content_type!r}", ce_type=ce_type, ce_id=ce_id
        )
    try:
        spec = REGISTRY.by_type(ce_type)
    except UnknownEventType:
        raise UnsupportedEvent(
            f"unknown event type {ce_type!r}", ce_type=ce_type, ce_id=ce_id
        ) from None
    try:
        time = datetime.fromisoformat(h["ce_time"])
    except ValueError:
        time = None
    if time is None or time.tzinfo is None:
        # RFC 3339 requires an offset; a naive time would make comparisons with aware ones raise later.
        raise MalformedEvent(
            f"ce_time {h['ce_time']!r} is not an RFC 3339 timestamp", ce_type=ce_type, ce_id=ce_id
        )
    if value is None:
        raise MalformedEvent("message has no value", ce_type=ce_type, ce_id=ce_id)
    try:
        data = spec.model.model_validate_json(value)
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<value>'}: {err['msg']}"
            for err in e.errors()[:5]
        )
        raise MalformedEvent(
            f"{spec.name} payload is invalid: {problems}", ce_type=ce_type, ce_id=ce_id
        ) from None
    return Envelope(
        id=ce_id,
        type=ce_type,
        source=h["ce_source"],
        time=time,
        subject=h.get("ce_subject") or spec.key_of(data),
        correlation_id=h.get("ce_correlationid") or ce_id,
        causation_id=h.get("ce_causationid"),
        data=data,
    )


def decode_message(message: KafkaMessage) -> Envelope:
    return decode(message.value, message.headers)
