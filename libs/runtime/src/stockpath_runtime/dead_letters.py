"""Dead-letter topics: a message a consumer cannot process, unchanged, plus headers naming why.

The original key, value and headers are kept byte for byte, so an operator can re-drive the
message after a fix and the consumers' inboxes still recognise its event id. The dlq_* headers
are documented once, in `stockpath_events.asyncapi.DLQ_HEADERS`; the delivery tests check that
this writer sets exactly those. A message too large to be written with those headers is written
as a truncated copy (``dlq_truncated_from`` says how long its value was), so it cannot stall its
partition.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer
from aiokafka.errors import MessageSizeTooLargeError

from stockpath_events import KafkaMessage, dead_letter_topic

#: What of an oversized message is kept in its dead letter: enough to see what it was.
TRUNCATED_VALUE_BYTES = 64 * 1024
TRUNCATED_HEADER_BYTES = 1024


class DeadLetters:
    def __init__(self, producer: AIOKafkaProducer) -> None:
        self._producer = producer

    async def send(
        self,
        message: KafkaMessage,
        *,
        partition: int,
        offset: int,
        consumer: str,
        error: str,
        reason: str,
        attempts: int,
    ) -> None:
        headers = [(k, v) for k, v in message.headers if not k.startswith("dlq_")]
        headers += [
            ("dlq_error", error.encode()),
            ("dlq_reason", reason[:2000].encode()),
            ("dlq_original_topic", message.topic.encode()),
            ("dlq_original_partition", str(partition).encode()),
            ("dlq_original_offset", str(offset).encode()),
            ("dlq_consumer", consumer.encode()),
            ("dlq_failed_at", datetime.now(UTC).isoformat().encode()),
            ("dlq_attempts", str(attempts).encode()),
        ]
        topic = dead_letter_topic(message.topic)
        try:
            await self._producer.send_and_wait(
                topic, value=message.value, key=message.key, headers=headers
            )
        except MessageSizeTooLargeError:
            # The original plus the dlq_* headers is more than the broker takes: retrying cannot
            # help, and the partition must move on. Keep a truncated copy that still says what it was.
            await self._producer.send_and_wait(
                topic,
                value=(message.value or b"")[:TRUNCATED_VALUE_BYTES],
                key=(message.key or b"")[:TRUNCATED_HEADER_BYTES] or None,
                headers=[(k, (v or b"")[:TRUNCATED_HEADER_BYTES]) for k, v in headers]
                + [("dlq_truncated_from", str(len(message.value or b"")).encode())],
            )
