"""The guarantees of docs/architecture.md ("Guarantees") the checker proves (N, D, S, A, P, O), what the platform under test
is (its services, who consumes which event type) and how a check states its verdict (`Result`)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

INVARIANTS = ("N", "D", "S", "A", "P", "O")
SERVICES = ("catalog", "registration", "listing", "inventory", "order-router")


def handled_types() -> dict[str, dict[str, set[str]]]:
    """Per consumed topic, per consuming service, the event types its worker handles (read from
    the services' own subscriptions, so the expectation follows the code)."""
    from stockpath_events import REGISTRY
    from stockpath_runtime.service import installed_services
    from stockpath_runtime.settings import env_prefix

    out: dict[str, dict[str, set[str]]] = {}
    for name, service in installed_services().items():
        if name not in SERVICES:
            continue
        key = f"{env_prefix(name)}DATABASE_URL"
        saved = os.environ.get(key)
        os.environ[key] = (
            saved or "postgresql+psycopg://unused@127.0.0.1/unused"
        )  # settings insist; no I/O
        try:
            settings = service.load_settings()
        finally:
            if saved is None:
                del os.environ[key]
        for subscription in service.subscriptions(settings):
            out.setdefault(subscription.topic, {})[name] = {
                REGISTRY.for_model(m).type for m in subscription.handlers
            }
    return out


#: Which services consume each topic, and the types each handles. A poison message must reach its
#: topic's DLQ (named in `dlq_consumer`) from every consumer that handles its ce_type — from every
#: consumer when it has none; a consumer that does not handle the type may skip it unread.
HANDLED = handled_types()
CONSUMERS = {topic: set(per) for topic, per in HANDLED.items()}
OUTCOMES = ("OrderRouted", "OrderRejected", "OrderBackordered")


@dataclass
class Result:
    ok: bool
    detail: str
    problems: list[str] = field(default_factory=list)

    def cell(self) -> str:
        return ("pass" if self.ok else "FAIL") + f" ({self.detail})"


def result(problems: list[str], detail: str) -> Result:
    return Result(
        not problems, detail + (f"; {len(problems)} problem(s)" if problems else ""), problems[:20]
    )
