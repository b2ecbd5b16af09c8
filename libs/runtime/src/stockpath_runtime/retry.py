"""Which failures are transient (retry forever, never skip) and how long to wait between tries."""

from __future__ import annotations

import asyncio
import random

import psycopg
import sqlalchemy.exc as sa_exc
from aiokafka import errors as kafka_errors

#: SQLSTATEs that mean "try the same transaction again": serialization failure, deadlock,
#: and the connection/operator-intervention classes (server shutting down, too many clients).
_RETRYABLE_SQLSTATE_PREFIXES = ("08", "40", "53", "57P")


def is_transient(error: BaseException) -> bool:
    """True for failures of the infrastructure (database or broker unavailable), not of the message."""
    if isinstance(error, sa_exc.DBAPIError):
        if error.connection_invalidated:
            return True
        error = error.orig or error
    if isinstance(error, sa_exc.InterfaceError | sa_exc.DisconnectionError | sa_exc.TimeoutError):
        return True
    if isinstance(error, psycopg.Error):
        state = getattr(error, "sqlstate", None) or ""
        if isinstance(error, psycopg.OperationalError | psycopg.InterfaceError) and not state:
            return True
        return state.startswith(_RETRYABLE_SQLSTATE_PREFIXES)
    if isinstance(error, kafka_errors.KafkaError):
        return bool(getattr(error, "retriable", False)) or isinstance(
            error,
            kafka_errors.KafkaConnectionError
            | kafka_errors.KafkaTimeoutError
            | kafka_errors.NodeNotReadyError,
        )
    return isinstance(error, ConnectionError | TimeoutError | asyncio.TimeoutError | OSError)


def backoff_delay(attempts: int, *, initial_s: float, max_s: float) -> float:
    """Seconds to wait after the `attempts`-th failure of a delivery: initial, 2×, 4×… capped at
    `max_s`, without jitter, so the schedule a receiver is told about is the one it gets."""
    return min(initial_s * 2 ** max(attempts - 1, 0), max_s)


class Backoff:
    """Exponential backoff with jitter, capped."""

    def __init__(self, initial: float = 0.1, cap: float = 5.0) -> None:
        self._initial = initial
        self._cap = cap
        self._attempt = 0

    def reset(self) -> None:
        self._attempt = 0

    def next(self) -> float:
        delay = min(self._cap, self._initial * (2**self._attempt))
        self._attempt += 1
        return delay * (0.5 + random.random() / 2)
