"""Loops that run beside a service's API — the delivery queues of listing's webhook channel and of
registration's seller notifications: started with the app, cancelled when it stops.

They run beside the API rather than in the worker because the runtime's worker runs only
consumers and the outbox relay; their queues are tables claimed with ``SKIP LOCKED``, so every API
replica may run one, and a restart loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from fastapi import FastAPI
from structlog.typing import FilteringBoundLogger


def beside_the_api(
    loop: Callable[[FastAPI], Coroutine[Any, Any, None]],
) -> tuple[Callable[[FastAPI], None], Callable[[FastAPI], Awaitable[None]]]:
    """`create_service_app`'s on_startup and on_shutdown hooks running `loop(app)` as a task
    (made when the app starts, so it may use the app's engine) and cancelling it."""
    running: list[asyncio.Task] = []

    def start(app: FastAPI) -> None:
        running.append(asyncio.create_task(loop(app)))

    async def stop(app: FastAPI) -> None:
        # Only the loops this event loop started: one app may be started several times at once
        # (a test's clients each run its lifespan on a loop of their own).
        mine = [t for t in running if t.get_loop() is asyncio.get_running_loop()]
        for task in mine:
            running.remove(task)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return start, stop


async def drain_forever(
    step: Callable[[], Awaitable[int]],
    *,
    poll_interval_s: float,
    log: FilteringBoundLogger,
    what: str,
) -> None:
    """Run `step` (which returns how much it did) until cancelled, waiting `poll_interval_s` after
    a step that did nothing. A failing step (the database away) is logged and tried again: the
    loop outlives outages, and what it drains stays queued."""
    while True:
        try:
            done = await step()
        except Exception as e:  # noqa: BLE001 — the loop must outlive outages; rows stay queued
            log.warning(f"{what} failed; retrying", error=repr(e))
            done = 0
        if not done:
            await asyncio.sleep(poll_interval_s)
