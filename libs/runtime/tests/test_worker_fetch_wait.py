"""The worker's consumer asks the broker to hold a fetch only briefly: Tansu holds it for the whole
wait even when records arrive (faust's fixed 1500 ms made every hop wait up to 1.5 s)."""

from __future__ import annotations

import asyncio

from probe.service import SERVICE

from stockpath_runtime.worker import build_app


async def test_the_worker_consumer_uses_the_configured_fetch_wait(monkeypatch):
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9")
    monkeypatch.setenv("KAFKA_CONSUMER_FETCH_MAX_WAIT_MS", "30")
    app = build_app(SERVICE, SERVICE.load_settings())
    consumer = app.consumer._thread._create_consumer(
        loop=asyncio.get_running_loop()
    )  # created, not started
    assert consumer._fetch_max_wait_ms == 30
