"""Dead-letter topics: a message a consumer cannot process, unchanged, plus headers naming why.

The original key, value and headers are kept byte for byte, so an operator can re-drive the
message after a fix and the consumers' inboxes still recognise its event id. The dlq_* headers
are documented once, in `stockpath_events.asyncapi.DLQ_HEADERS`; the delivery tests check that
this writer sets exactly those.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer

from stockpath_events import KafkaMessage, dead_letter_topic


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
        await self._producer.send_and_wait(
            dead_letter_topic(message.topic), value=message.value, key=message.key, headers=headers
        )
