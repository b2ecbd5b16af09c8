"""structlog JSON logs, one line per event, with the context bound per message or request.

Faust, uvicorn and aiokafka log through the standard library; their records go through the
same renderer so every line of a process has the same shape and carries the bound context
(event id, event type, correlation id).
"""

from __future__ import annotations

import logging
import logging.config
import sys

import structlog
from structlog.typing import Processor

_shared: list[Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.processors.StackInfoRenderer(),
]


def logging_config(service: str, role: str, *, fmt: str = "json", level: str = "INFO") -> dict:
    renderer = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structlog": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info,
                    renderer,
                ],
                "foreign_pre_chain": [*_shared, structlog.stdlib.ExtraAdder()],
            }
        },
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "structlog",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["stderr"], "level": level.upper()},
        "loggers": {
            "aiokafka": {"level": "WARNING"},
            "kafka": {"level": "WARNING"},
            "uvicorn.access": {"level": "WARNING"},
            "faust": {"level": "WARNING" if level.upper() == "INFO" else level.upper()},
            "mode": {"level": "WARNING" if level.upper() == "INFO" else level.upper()},
            "sqlalchemy": {"level": "WARNING"},
        },
    }


def configure_logging(service: str, role: str, *, fmt: str = "json", level: str = "INFO") -> dict:
    """Configure structlog and the standard library; returns the dictConfig (faust wants it too)."""
    config = logging_config(service, role, fmt=fmt, level=level)
    logging.config.dictConfig(config)
    structlog.configure(
        processors=[*_shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(service=service, role=role)
    return config


def bind_event(envelope) -> None:
    """Bind one consumed event's identity to every log line written while it is handled."""
    structlog.contextvars.bind_contextvars(
        event_id=envelope.id, event_type=envelope.type, correlation_id=envelope.correlation_id
    )


def unbind_event() -> None:
    structlog.contextvars.unbind_contextvars("event_id", "event_type", "correlation_id")
