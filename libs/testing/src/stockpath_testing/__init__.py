"""Test support shared by every Stockpath package: a real broker, fresh databases, polling, Kafka helpers."""

from stockpath_testing.kafka import consume, produce_raw, publish
from stockpath_testing.polling import eventually

__all__ = ["consume", "eventually", "produce_raw", "publish"]
