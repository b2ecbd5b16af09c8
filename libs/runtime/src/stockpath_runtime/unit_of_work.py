"""One database transaction for a state change, the events it causes and the events it consumed.

Each service subclasses `UnitOfWork` once (``service_layer/unit_of_work.py``) and builds its typed
repositories on the transaction's connection in `_bind`; handlers use only those:

    async with uow:                                 # OrderRouterUnitOfWork(engine, source=...)
        await uow.orders.add(order)                 # the state change, through a repository
        uow.emit(OrderPlaced(...), caused_by=cause)
        await uow.commit()                          # change + outbox rows, atomically

Leaving the block without `commit()` rolls everything back, outbox rows included: there is no
way to publish an event whose state change did not commit (guarantee A).

`AbstractUnitOfWork` is what a handler may rely on (emit, commit, rollback, the inbox claim);
tests drive handlers with an in-memory one (`stockpath_testing.FakeUnitOfWork`).
"""

from __future__ import annotations

import json
import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from stockpath_events import REGISTRY, Cause, Envelope, EventData, encode, new_event
from stockpath_runtime import tracing
from stockpath_runtime.credentials import CredentialRepository
from stockpath_runtime.db import OUTBOX_CHANNEL

#: The namespace of event ids derived from their cause (uuid5), see `AbstractUnitOfWork.emit`.
DERIVED_EVENT_IDS = uuid.UUID("6f1c1b1e-1d7e-5e55-9a3f-17e5e1d0a117")

_NOTIFY_RELAY = sa.select(sa.func.pg_notify(OUTBOX_CHANNEL, ""))

#: The largest event (key, value and headers) a unit of work commits. Half the producer's 1 MiB
#: request limit: whatever commits can be published, so no request can stall a relay.
MAX_EVENT_BYTES = 512 * 1024


class EventTooLarge(ValueError):
    """A change would publish an event larger than `MAX_EVENT_BYTES`; nothing was committed."""

    def __init__(self, event_type: str, size: int) -> None:
        super().__init__(
            f"the change would publish a {event_type} of {size:,} bytes, more than the {MAX_EVENT_BYTES:,} "
            "an event may have; nothing was stored"
        )
        self.event_type = event_type
        self.size = size


def encode_within_limit(envelope: Envelope):
    """The event as a Kafka message; `EventTooLarge` when no broker would take it."""
    message = encode(envelope)
    size = (
        len(message.value)
        + len(message.key or b"")
        + sum(len(k) + len(v) for k, v in message.headers)
    )
    if size > MAX_EVENT_BYTES:
        raise EventTooLarge(envelope.type, size)
    return message


# Many rows in one statement whose text never changes (columns as arrays, unnest): prepared once
# by the server and parsed once by the driver, whatever the number of rows.
_OUTBOX_COLUMNS = ("event_id", "event_type", "topic", "key", "value", "headers")
_INSERT_OUTBOX = sa.text(
    """
    INSERT INTO outbox (event_id, event_type, topic, key, value, headers)
    SELECT event_id, event_type, topic, key, value, CAST(headers AS jsonb)
      FROM unnest(CAST(:event_id AS text[]), CAST(:event_type AS text[]), CAST(:topic AS text[]),
                  CAST(:key AS bytea[]), CAST(:value AS bytea[]), CAST(:headers AS text[]))
           AS o(event_id, event_type, topic, key, value, headers)
    """
)
_CLAIM = sa.text(
    """
    INSERT INTO inbox (consumer, event_id, event_type)
    SELECT :consumer, event_id, event_type
      FROM unnest(CAST(:event_ids AS text[]), CAST(:event_types AS text[])) AS e(event_id, event_type)
    ON CONFLICT DO NOTHING
    RETURNING event_id
    """
)


class AbstractUnitOfWork:
    """A transaction as handlers see it: emit events, commit or roll back, claim consumed events."""

    def __init__(self, *, source: str, correlation_id: str | None = None) -> None:
        self.source = source
        #: Default correlation id for events that start a chain here (e.g. an HTTP request's).
        self.correlation_id = correlation_id
        self._pending: list[Envelope] = []
        #: How many events of one (cause, type, subject) this unit of work emitted (`emit`).
        self._derived: dict[tuple[str, str, str], int] = {}
        #: The events of the last commit, in the order they were emitted.
        self.committed: list[Envelope] = []

    async def __aenter__(self):
        self._pending = []
        self._derived = {}
        await self._begin()
        return self

    async def __aexit__(self, exc_type, exc, tb) -> None:
        try:
            await self._end()
        finally:
            self._pending = []

    def emit(
        self,
        data: EventData,
        *,
        caused_by: Cause | Envelope | None = None,
        correlation_id: str | None = None,
        event_id: str | None = None,
    ) -> Envelope:
        """Record an event to publish when (and only if) this unit of work commits.

        An event caused by a consumed event gets an id derived from that event's id, this
        service, its type, its subject and how many such events came before it here: applying
        the same event again (a replay into a rebuilt store) emits the same ids, so what a replay
        repeats is recognisable, and a consumer's inbox skips it even if it were ever sent."""
        if event_id is None and caused_by is not None:
            spec = REGISTRY.for_model(type(data))
            seen = (caused_by.id, spec.type, spec.key_of(data))
            n = self._derived.get(seen, 0)
            self._derived[seen] = n + 1
            event_id = str(uuid.uuid5(DERIVED_EVENT_IDS, "\x1f".join((self.source, *seen, str(n)))))
        envelope = new_event(
            data,
            source=self.source,
            caused_by=caused_by,
            correlation_id=correlation_id or self.correlation_id,
            event_id=event_id,
        )
        self._pending.append(envelope)
        return envelope

    async def commit(self) -> None:
        await self._commit(self._pending)
        self.committed, self._pending = self._pending, []

    async def rollback(self) -> None:
        await self._rollback()
        self._pending = []
        self._derived = {}

    async def claim(self, consumer: str, envelopes: list[Envelope]) -> set[str]:
        """Record that `consumer` applies these events; the ids of those it did not apply before
        (a redelivered event is left out)."""
        raise NotImplementedError

    async def _begin(self) -> None:
        raise NotImplementedError

    async def _end(self) -> None:
        """Leave the block: roll back whatever was not committed."""
        raise NotImplementedError

    async def _commit(self, events: list[Envelope]) -> None:
        raise NotImplementedError

    async def _rollback(self) -> None:
        raise NotImplementedError


class UnitOfWork(AbstractUnitOfWork):
    """A PostgreSQL transaction on the service's database, with its outbox and inbox."""

    def __init__(
        self, engine: AsyncEngine, *, source: str, correlation_id: str | None = None
    ) -> None:
        super().__init__(source=source, correlation_id=correlation_id)
        self._engine = engine
        self._connection: AsyncConnection | None = None

    def _bind(self, connection: AsyncConnection) -> None:
        """Build the service's repositories on this transaction's connection (a subclass's one job).

        Every unit of work also has `credentials`, the service's copy of who may call it."""

    @property
    def connection(self) -> AsyncConnection:
        """The transaction's connection: for repositories (built in `_bind`), never for handlers."""
        if self._connection is None:
            raise RuntimeError("UnitOfWork used outside 'async with'")
        return self._connection

    async def _begin(self) -> None:
        self._connection = await self._engine.connect()
        await self._connection.begin()
        self.credentials = CredentialRepository(self._connection)
        self._bind(self._connection)

    async def _end(self) -> None:
        conn, self._connection = self._connection, None
        try:
            if conn is not None and conn.in_transaction():
                await conn.rollback()
        finally:
            if conn is not None:
                await conn.close()

    async def claim(self, consumer: str, envelopes: list[Envelope]) -> set[str]:
        if not envelopes:
            return set()
        result = await self.connection.execute(
            _CLAIM,
            {
                "consumer": consumer,
                "event_ids": [e.id for e in envelopes],
                "event_types": [e.type for e in envelopes],
            },
        )
        return {row.event_id for row in result}

    async def _commit(self, events: list[Envelope]) -> None:
        if events:
            columns: dict[str, list] = {name: [] for name in _OUTBOX_COLUMNS}
            for envelope in events:
                message = encode_within_limit(envelope)
                columns["event_id"].append(envelope.id)
                columns["event_type"].append(envelope.type)
                columns["topic"].append(message.topic)
                columns["key"].append(message.key)
                columns["value"].append(message.value)
                # The trace it belongs to goes with it (nothing while tracing is off).
                headers = message.headers + tracing.event_headers(envelope.causation_id)
                columns["headers"].append(json.dumps([[k, v.decode()] for k, v in headers]))
            await self.connection.execute(_INSERT_OUTBOX, columns)
            await self.connection.execute(_NOTIFY_RELAY)
        await self.connection.commit()

    async def _rollback(self) -> None:
        await self.connection.rollback()


def headers_from_row(raw) -> list[tuple[str, bytes]]:
    items = json.loads(raw) if isinstance(raw, str) else raw
    return [(k, v.encode()) for k, v in items]
