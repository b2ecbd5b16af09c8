"""The stack's home and its control files: how another process asks a running `stockpath up` to act.

``<STOCKPATH_HOME>`` (default ``.stockpath``) is where `stockpath up` keeps its state file, its
embedded database and its logs. `stockpath up` owns the service processes, so another process
(`stockpath replay`) asks it to stop or start one: it writes
``<STOCKPATH_HOME>/control/<service>.request.json`` — ``{"id", "action": "stop"}`` or
``{"id", "action": "start", "database_url", "consumer_group"}`` — and `up`, which looks for
requests twice a second, does it and answers in ``<service>.done.json`` with the same id (and
``error`` when it failed). After a start, `up` rewrites the stack's state file, so `status`,
`lag` and the next replay see the service's new database and consumer group.

Both ends live here, so the stack (which serves requests) and the switch (which sends them) share
the protocol without importing each other.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path

STATE_DIR = Path(os.environ.get("STOCKPATH_HOME", ".stockpath"))


def control_dir() -> Path:
    return STATE_DIR / "control"


def request(service: str, action: str, *, timeout_s: float, **details) -> None:
    """Ask the running stack to ``action`` the service and wait for its answer."""
    directory = control_dir()
    directory.mkdir(parents=True, exist_ok=True)
    request_id = uuid.uuid4().hex
    done = directory / f"{service}.done.json"
    done.unlink(missing_ok=True)
    # Written aside and renamed, so `up` never reads half a request.
    pending = directory / f"{service}.request.json.tmp"
    pending.write_text(json.dumps({"id": request_id, "action": action, **details}))
    pending.rename(directory / f"{service}.request.json")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if done.exists():
            answer = json.loads(done.read_text())
            if answer.get("id") == request_id:
                if answer.get("error"):
                    raise RuntimeError(f"the stack could not {action} {service}: {answer['error']}")
                return
        time.sleep(0.1)
    raise TimeoutError(
        f"the running stack did not {action} {service} within {timeout_s:.0f}s (is `stockpath up` running?)"
    )


def serve_switch_requests(stack, say) -> None:
    """Called by `stockpath up`'s wait loop: carry out pending switch requests on its ``stack``."""
    directory = control_dir()
    if not directory.is_dir():
        return
    for request_file in directory.glob("*.request.json"):
        service = request_file.name.removesuffix(".request.json")
        try:
            pending = json.loads(request_file.read_text())
        except ValueError:
            continue
        request_file.unlink(missing_ok=True)
        answer = {"id": pending.get("id")}
        try:
            if service not in stack.platform.names:
                raise ValueError(f"unknown service {service!r}")
            if pending.get("action") == "stop":
                say(f"switch: stopping {service}")
                stack.platform.stop_service(service)
            elif pending.get("action") == "start":
                say(
                    f"switch: starting {service} on a new database (group {pending['consumer_group']})"
                )
                stack.platform.start_service(
                    service,
                    database_url=pending["database_url"],
                    consumer_group=pending["consumer_group"],
                )
                stack.write_state()
            else:
                raise ValueError(f"unknown action {pending.get('action')!r}")
        except Exception as e:
            answer["error"] = str(e)
        (directory / f"{service}.done.json").write_text(json.dumps(answer))
