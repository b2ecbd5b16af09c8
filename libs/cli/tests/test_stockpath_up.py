"""`stockpath up` on the embedded default: its own Tansu and embedded PostgreSQL, every service
healthy, one line per service and one for the broker, and Ctrl-C leaves no process behind."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import httpx
import psutil
import pytest

from stockpath_cli.localstack import free_port, port_open

pytestmark = [pytest.mark.integration, pytest.mark.system]


def free_port_base() -> int:
    for _ in range(50):
        # Below the kernel's ephemeral range (32768+), so no outgoing connection of a parallel
        # process can take one of these ports between the check and the bind.
        base = random.randrange(20000, 31000, 100)
        ports = [base + i for i in range(1, 6)] + [base + 1100 + i for i in range(1, 6)]
        if not any(port_open("127.0.0.1", p) for p in ports):
            return base
    raise RuntimeError("no free port range")


def test_up_runs_the_whole_platform_and_ctrl_c_stops_everything(tmp_path):
    env = {**os.environ, "STOCKPATH_HOME": str(tmp_path / "home")}
    env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
    env.pop("STOCKPATH_DATABASE_SERVER", None)
    base = free_port_base()
    started = time.monotonic()
    up = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "stockpath_cli.main",
            "up",
            "--broker-port",
            str(free_port()),
            "--port-base",
            str(base),
            "--log-dir",
            str(tmp_path / "logs"),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: dict[str, str] = {}
    output = []
    try:
        while "broker" not in lines:
            line = up.stdout.readline()
            if not line:
                pytest.fail("stockpath up exited early:\n" + "".join(output))
            output.append(line)
            parts = line.split()
            if len(parts) == 2 and (parts[1].startswith("http://") or parts[0] == "broker"):
                lines[parts[0]] = parts[1]
            # A guard against a hang, not a speed target (that is measured and reported, not asserted).
            assert time.monotonic() - started < 240, "".join(output)
        elapsed = time.monotonic() - started
        services = ["catalog", "registration", "listing", "inventory", "order-router"]
        assert set(lines) == {*services, "broker"}
        for name in services:
            assert httpx.get(f"{lines[name]}/readyz", timeout=5).status_code == 200, name
        print(f"stockpath up: every service ready after {elapsed:.1f}s")
        children = psutil.Process(up.pid).children(recursive=True)
        assert len(children) >= 11  # Tansu, PostgreSQL and an API and a worker per service
    finally:
        up.send_signal(signal.SIGINT)
        up.wait(60)
    gone, alive = psutil.wait_procs(children, timeout=20)
    assert not alive, f"left behind: {[p.pid for p in alive]}"
    # The embedded PostgreSQL daemonises (not our child): it must be stopped too.
    leftovers = [
        p.pid
        for p in psutil.process_iter(["cmdline"])
        if str(tmp_path) in " ".join(p.info["cmdline"] or [])
    ]
    assert not leftovers, f"processes still using {tmp_path}: {leftovers}"
    assert up.returncode == 0, "".join(output) + up.stdout.read()
