"""Blue/green switch of one service between databases, requested from another process.

`stockpath up` owns the service processes, so `stockpath replay` (another process) asks it:
it writes ``<STOCKPATH_HOME>/control/<service>.request.json`` — ``{"id", "action": "stop"}`` or
``{"id", "action": "start", "database_url", "consumer_group"}`` — and `up`, which looks for
requests twice a second, does it and answers in ``<service>.done.json`` with the same id (and
``error`` when it failed). After a start, `up` rewrites the stack's state file, so `status`,
`lag` and the next replay see the service's new database and consumer group.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

from stockpath_cli import stack as stack_module


def control_dir() -> Path:
    return stack_module.STATE_DIR / "control"


class StackSwitch:
    """The `Switch` of a running `stockpath up`."""

    def __init__(self, timeout_s: float = 120) -> None:
        self.timeout_s = timeout_s

    def _request(self, service: str, action: str, **details) -> None:
        directory = control_dir()
        directory.mkdir(parents=True, exist_ok=True)
        request_id = uuid.uuid4().hex
        done = directory / f"{service}.done.json"
        done.unlink(missing_ok=True)
        pending = directory / f"{service}.request.json.tmp"
        pending.write_text(json.dumps({"id": request_id, "action": action, **details}))
        pending.rename(directory / f"{service}.request.json")
        deadline = time.monotonic() + self.timeout_s
        while time.monotonic() < deadline:
            if done.exists():
                answer = json.loads(done.read_text())
                if answer.get("id") == request_id:
                    if answer.get("error"):
                        raise RuntimeError(f"the stack could not {action} {service}: {answer['error']}")
                    return
            time.sleep(0.1)
        raise TimeoutError(f"the running stack did not {action} {service} within {self.timeout_s:.0f}s (is `stockpath up` running?)")

    def stop(self, service: str) -> None:
        self._request(service, "stop")

    def start(self, service: str, *, database_url: str, consumer_group: str) -> None:
        self._request(service, "start", database_url=database_url, consumer_group=consumer_group)


class AlreadyStopped:
    """The `Switch` when the operator stopped the service (e.g. scaled it to 0 in Kubernetes): the
    replay does the drain, catch-up, suppression and offsets, and the operator starts the service
    on the database and group it prints."""

    def stop(self, service: str) -> None:
        pass

    def start(self, service: str, *, database_url: str, consumer_group: str) -> None:
        pass


class PlatformSwitch:
    """The `Switch` of a `Platform` this process owns (the test fixtures')."""

    def __init__(self, platform) -> None:
        self.platform = platform

    def stop(self, service: str) -> None:
        self.platform.stop_service(service)

    def start(self, service: str, *, database_url: str, consumer_group: str) -> None:
        self.platform.start_service(service, database_url=database_url, consumer_group=consumer_group)


def serve_switch_requests(stack, say) -> None:
    """Called by `stockpath up`'s wait loop: carry out pending switch requests."""
    directory = control_dir()
    if not directory.is_dir():
        return
    for request_file in directory.glob("*.request.json"):
        service = request_file.name.removesuffix(".request.json")
        try:
            request = json.loads(request_file.read_text())
        except ValueError:
            continue
        request_file.unlink(missing_ok=True)
        answer = {"id": request.get("id")}
        try:
            if service not in stack.platform.names:
                raise ValueError(f"unknown service {service!r}")
            if request.get("action") == "stop":
                say(f"switch: stopping {service}")
                stack.platform.stop_service(service)
            elif request.get("action") == "start":
                say(f"switch: starting {service} on a new database (group {request['consumer_group']})")
                stack.platform.start_service(
                    service, database_url=request["database_url"], consumer_group=request["consumer_group"]
                )
                stack.write_state()
            else:
                raise ValueError(f"unknown action {request.get('action')!r}")
        except Exception as e:
            answer["error"] = str(e)
        (directory / f"{service}.done.json").write_text(json.dumps(answer))
