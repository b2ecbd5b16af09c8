"""Test support shared by every Stockpath package: a real broker, fresh databases, polling, Kafka
helpers, a service's consumer without the broker, and in-memory fakes for handler unit tests."""

from stockpath_testing.consumers import ServiceConsumer
from stockpath_testing.fakes import FakeUnitOfWork, NoDeadLetters
from stockpath_testing.kafka import consume, produce_raw, publish
from stockpath_testing.polling import eventually

__all__ = [
    "FakeUnitOfWork",
    "NoDeadLetters",
    "ServiceConsumer",
    "consume",
    "eventually",
    "produce_raw",
    "publish",
]
