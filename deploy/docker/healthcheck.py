"""The image's HEALTHCHECK: GET /healthz of the API or worker this container runs.

``python /app/healthcheck.py`` reads the role and service from the container's command line
(``python -m stockpath_runtime.run <api|worker|migrate> <service>``, PID 1, or behind an init);
``python /app/healthcheck.py <role> <service>`` names them. The port is the service's
``<SERVICE>_HTTP_PORT`` (API) or ``<SERVICE>_WORKER_PORT`` (worker), from the environment, else from
the service's settings. Exit 0: healthy, or nothing to check (a migration, a worker with no health
port); 1: unhealthy. Standard library only, except for the settings fallback.
"""

from __future__ import annotations

import os
import sys
import urllib.request
from pathlib import Path

ENTRY_POINT = "stockpath_runtime.run"
PORT_SETTING = {"api": "HTTP_PORT", "worker": "WORKER_PORT"}


def container_command(cmdline: Path = Path("/proc/1/cmdline")) -> list[str]:
    """The role and service of the entry point in `cmdline` (NUL-separated arguments)."""
    args = cmdline.read_bytes().decode().split("\0")
    if ENTRY_POINT not in args:
        raise SystemExit(f"healthcheck: {cmdline} does not run {ENTRY_POINT}: {args}")
    start = args.index(ENTRY_POINT) + 1
    return args[start : start + 2]


def port(role: str, service: str) -> int:
    variable = service.upper().replace("-", "_") + "_" + PORT_SETTING[role]
    if variable in os.environ:
        return int(os.environ[variable])
    from stockpath_runtime.service import get_service

    return getattr(get_service(service).load_settings(), PORT_SETTING[role].lower())


def main(argv: list[str]) -> int:
    role, service = argv if argv else container_command()
    if role not in PORT_SETTING:
        return 0  # a migration exits when done: nothing to check
    number = port(role, service)
    if not number:
        print(f"healthcheck: {service} {role} serves no health endpoint ({PORT_SETTING[role]} 0)")
        return 0
    url = f"http://127.0.0.1:{number}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=4) as response:
            print(f"healthcheck: {url} {response.status}")
            return 0 if response.status == 200 else 1
    except OSError as error:
        print(f"healthcheck: {url} {error}")
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
