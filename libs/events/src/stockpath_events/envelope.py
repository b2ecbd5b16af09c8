"""The CloudEvents 1.0 envelope around an event payload, with correlation and causation ids.

Correlation id: the id of the first event (or request) of a chain, e.g. the order or the
registration that started it. Causation id: the id of the event that directly caused this one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

from stockpath_events.base import EventData
from stockpath_events.registry import REGISTRY, EventSpec

T = TypeVar("T", bound=EventData)

SPECVERSION = "1.0"


@dataclass(frozen=True)
class Cause:
    """What caused a change: the id of the event that caused it and the chain it belongs to.

    A command built from a consumed event carries its cause, so that every event the command's
    handler emits names it (causation id) and continues its chain (correlation id), without the
    handler seeing the wire envelope."""

    id: str
    correlation_id: str


@dataclass(frozen=True)
class Envelope(Generic[T]):
    id: str
    type: str
    source: str
    time: datetime
    subject: str
    correlation_id: str
    causation_id: str | None
    data: T

    @property
    def cause(self) -> Cause:
        """This event as the cause of what it makes a consumer do."""
        return Cause(self.id, self.correlation_id)

    @property
    def spec(self) -> EventSpec:
        return REGISTRY.by_type(self.type)

    @property
    def topic(self) -> str:
        return self.spec.topic

    @property
    def key(self) -> str:
        return self.spec.key_of(self.data)


def new_event(
    data: T,
    *,
    source: str,
    caused_by: Cause | Envelope | None = None,
    correlation_id: str | None = None,
    event_id: str | None = None,
) -> Envelope[T]:
    """Wrap a payload in a new envelope.

    `caused_by` continues a chain (same correlation id, causation = that event). Otherwise
    `correlation_id` (e.g. from an HTTP request header) is used, or the chain starts here.
    """
    spec = REGISTRY.for_model(type(data))
    eid = event_id or str(uuid.uuid4())
    if caused_by is not None:
        correlation = caused_by.correlation_id
        causation: str | None = caused_by.id
    else:
        correlation = correlation_id or eid
        causation = None
    return Envelope(
        id=eid,
        type=spec.type,
        source=source if source.startswith("/") else f"/services/{source}",
        time=datetime.now(UTC),
        subject=spec.key_of(data),
        correlation_id=correlation,
        causation_id=causation,
        data=data,
    )
