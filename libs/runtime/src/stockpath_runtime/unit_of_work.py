"""One database transaction for a state change, the events it causes and the event it consumed.

    async with UnitOfWork(engine, source="/services/inventory") as uow:
        await uow.connection.execute(...)          # the state change
        uow.emit(InventoryReceived(...), caused_by=event)
        await uow.commit()                          # change + outbox rows, atomically

Leaving the block without `commit()` rolls everything back, outbox rows included: there is no
way to publish an event whose state change did not commit (guarantee A).
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from stockpath_events import Envelope, EventData, encode, new_event
from stockpath_runtime.db import OUTBOX_CHANNEL, inbox

_NOTIFY_RELAY = sa.select(sa.func.pg_notify(OUTBOX_CHANNEL, ""))

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
_CLAIM_ALL = sa.text(
    """
    INSERT INTO inbox (consumer, event_id, event_type)
    SELECT :consumer, event_id, event_type
      FROM unnest(CAST(:event_ids AS text[]), CAST(:event_types AS text[])) AS e(event_id, event_type)
    ON CONFLICT DO NOTHING
    RETURNING event_id
    """
)


class UnitOfWork:
    def __init__(self, engine: AsyncEngine, *, source: str, correlation_id: str | None = None) -> None:
        self._engine = engine
        self.source = source
        #: Default correlation id for events that start a chain here (e.g. an HTTP request's).
        self.correlation_id = correlation_id
        self._connection: AsyncConnection | None = None
        self._pending: list[Envelope] = []
        self.committed: list[Envelope] = []

    @property
    def connection(self) -> AsyncConnection:
        if self._connection is None:
            raise RuntimeError("UnitOfWork used outside 'async with'")
        return self._connection

    async def __aenter__(self) -> UnitOfWork:
        self._connection = await self._engine.connect()
        await self._connection.begin()
        self._pending = []
        return self

    async def __aexit__(self, exc_type, exc, tb) -> None:
        conn, self._connection = self._connection, None
        try:
            if conn is not None and conn.in_transaction():
                await conn.rollback()
        finally:
            if conn is not None:
                await conn.close()
            self._pending = []

    def emit(
        self,
        data: EventData,
        *,
        caused_by: Envelope | None = None,
        correlation_id: str | None = None,
        event_id: str | None = None,
    ) -> Envelope:
        """Record an event to publish when (and only if) this unit of work commits."""
        envelope = new_event(
            data,
            source=self.source,
            caused_by=caused_by,
            correlation_id=correlation_id or self.correlation_id,
            event_id=event_id,
        )
        self._pending.append(envelope)
        return envelope

    async def claim(self, consumer: str, envelope: Envelope) -> bool:
        """Record that `consumer` applies `envelope`; False when it already did (a redelivery)."""
        result = await self.connection.execute(
            pg_insert(inbox)
            .values(consumer=consumer, event_id=envelope.id, event_type=envelope.type)
            .on_conflict_do_nothing()
            .returning(inbox.c.event_id)
        )
        return result.first() is not None

    async def claim_all(self, consumer: str, envelopes: list[Envelope]) -> set[str]:
        """`claim` for several events in one statement: the ids of those not applied before."""
        if not envelopes:
            return set()
        result = await self.connection.execute(
            _CLAIM_ALL,
            {"consumer": consumer, "event_ids": [e.id for e in envelopes], "event_types": [e.type for e in envelopes]},
        )
        return {row.event_id for row in result}

    async def commit(self) -> None:
        if self._pending:
            columns: dict[str, list] = {name: [] for name in _OUTBOX_COLUMNS}
            for envelope in self._pending:
                message = encode(envelope)
                columns["event_id"].append(envelope.id)
                columns["event_type"].append(envelope.type)
                columns["topic"].append(message.topic)
                columns["key"].append(message.key)
                columns["value"].append(message.value)
                columns["headers"].append(json.dumps([[k, v.decode()] for k, v in message.headers]))
            await self.connection.execute(_INSERT_OUTBOX, columns)
            await self.connection.execute(_NOTIFY_RELAY)
        await self.connection.commit()
        self.committed, self._pending = self._pending, []

    async def rollback(self) -> None:
        await self.connection.rollback()
        self._pending = []


def headers_from_row(raw) -> list[tuple[str, bytes]]:
    items = json.loads(raw) if isinstance(raw, str) else raw
    return [(k, v.encode()) for k, v in items]
