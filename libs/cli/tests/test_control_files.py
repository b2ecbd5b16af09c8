"""The control-file protocol between `stockpath replay`'s switch and `stockpath up`: both ends in one
process, with a stand-in for the stack (no broker, database or service processes)."""

from __future__ import annotations

import threading

import pytest

from stockpath_cli import control
from stockpath_cli.ops.switch import StackSwitch


class RecordingPlatform:
    names = ["listing"]

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def stop_service(self, service: str) -> None:
        self.calls.append(("stop", service))

    def start_service(self, service: str, *, database_url: str, consumer_group: str) -> None:
        self.calls.append(("start", service, database_url, consumer_group))


class RecordingStack:
    def __init__(self) -> None:
        self.platform = RecordingPlatform()
        self.states_written = 0

    def write_state(self) -> None:
        self.states_written += 1


@pytest.fixture
def served_stack(tmp_path, monkeypatch):
    """A stack whose requests are served as `up`'s wait loop serves them, until the test ends."""
    monkeypatch.setattr(control, "STATE_DIR", tmp_path)
    stack, said, stop = RecordingStack(), [], threading.Event()

    def serve() -> None:
        while not stop.is_set():
            control.serve_switch_requests(stack, said.append)
            stop.wait(0.02)

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    yield stack, said
    stop.set()
    server.join()


def test_a_switch_stops_and_starts_the_service_of_the_running_stack(served_stack):
    stack, said = served_stack
    switch = StackSwitch(timeout_s=10)

    switch.stop("listing")
    switch.start("listing", database_url="postgresql://db/listing_2", consumer_group="listing-2")

    assert stack.platform.calls == [
        ("stop", "listing"),
        ("start", "listing", "postgresql://db/listing_2", "listing-2"),
    ]
    assert stack.states_written == 1, (
        "after a start the state file names the new database and group"
    )
    assert said == [
        "switch: stopping listing",
        "switch: starting listing on a new database (group listing-2)",
    ]


def test_a_request_for_a_service_the_stack_does_not_run_fails_with_the_stacks_answer(served_stack):
    stack, _ = served_stack

    with pytest.raises(RuntimeError, match="could not stop catalog: unknown service 'catalog'"):
        StackSwitch(timeout_s=10).stop("catalog")
    assert stack.platform.calls == []


def test_a_request_nobody_serves_times_out_naming_stockpath_up(tmp_path, monkeypatch):
    monkeypatch.setattr(control, "STATE_DIR", tmp_path)

    with pytest.raises(TimeoutError, match="is `stockpath up` running"):
        StackSwitch(timeout_s=0.3).stop("listing")
