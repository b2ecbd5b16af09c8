"""Where the operator commands find the platform: the broker and each service's database and group.

Order of precedence: a command-line option, then the environment (``KAFKA_BOOTSTRAP_SERVERS``,
``<SERVICE>_DATABASE_URL``, ``<SERVICE>_CONSUMER_GROUP``), then the running `stockpath up`
stack's state file, then the defaults every service uses.
"""

from __future__ import annotations

import os

from stockpath_cli import stack as stack_module


def bootstrap_servers(option: str | None = None) -> str:
    if option:
        return option
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        return os.environ["KAFKA_BOOTSTRAP_SERVERS"]
    state = stack_module.read_state()
    if state:
        return state["broker"]
    return "127.0.0.1:9092"


def operator_token() -> str | None:
    """The operator's credential: ``STOCKPATH_OPERATOR_TOKEN``, else the one the running stack made."""
    import json

    if os.environ.get("STOCKPATH_OPERATOR_TOKEN"):
        return os.environ["STOCKPATH_OPERATOR_TOKEN"]
    kept = stack_module.CREDENTIALS_FILE
    if kept.exists():
        try:
            return json.loads(kept.read_text()).get("operator")
        except ValueError:
            return None
    return None


def stack_logs() -> str | None:
    """Where the running stack writes its logs, if one runs."""
    return (stack_module.read_state() or {}).get("logs")


def service_state(service: str) -> dict:
    state = stack_module.read_state() or {}
    return state.get("services", {}).get(service, {})


def database_url(service: str, option: str | None = None) -> str:
    from stockpath_runtime.service import get_service

    if option:
        return option
    from_stack = service_state(service).get("database_url")
    settings = get_service(service).load_settings()
    prefix = service.upper().replace("-", "_")
    if os.environ.get(f"{prefix}_DATABASE_URL") or not from_stack:
        return settings.database_url
    return from_stack


def consumer_group(service: str, option: str | None = None) -> str:
    from stockpath_runtime.service import get_service

    if option:
        return option
    from_stack = service_state(service).get("consumer_group")
    prefix = service.upper().replace("-", "_")
    if os.environ.get(f"{prefix}_CONSUMER_GROUP") or not from_stack:
        return get_service(service).load_settings().consumer_group
    return from_stack


def consumed_topics(service: str) -> list[str]:
    """The topics a service's worker consumes (subscriptions are built without a database)."""
    from stockpath_runtime.service import get_service

    definition = get_service(service)
    return [s.topic for s in definition.consumed(definition.load_settings())]
