"""JSON Schemas of the registered event types.

These schemas are the contract for systems that do not use this package: a consumer in any
language reads them to learn what each topic carries, and the committed copies under
``libs/events/schemas/`` are what `breaking_changes` compares a new model against, so a
change that would break a consumer fails a test instead of a production consumer.
"""

from __future__ import annotations

from typing import Any, Final, Literal

from stockpath_events.compat import breaking_changes
from stockpath_events.registry import REGISTRY, EventSpec

__all__ = ["DIALECT", "ID_PREFIX", "all_schemas", "breaking_changes", "event_schema"]

DIALECT = "https://json-schema.org/draft/2020-12/schema"
#: A URN rather than an http URL: no host serves these files, and a URN cannot be mistaken for one.
ID_PREFIX = "urn:stockpath:event:"

#: Serialization mode, not validation mode: the schema describes the bytes on the wire, i.e.
#: what `codec.encode` writes and what every consumer can rely on. The two modes differ where
#: the model accepts more than it emits: Money validates from a number *or* a string but is
#: always written as a string ("19.99") so that no consumer rounds it through a float; a
#: validation-mode schema would advertise floats to outside producers and consumers alike.
#: Our decoder stays lenient (it also accepts numbers), which is the safe direction.
SCHEMA_MODE: Final[Literal["serialization"]] = "serialization"


def event_schema(spec: EventSpec) -> dict[str, Any]:
    """The standalone JSON Schema (2020-12) of one event type's payload.

    ``$id`` and ``title`` name the CloudEvents type; ``x-stockpath`` carries what a schema
    alone cannot say: the topic, the field used as Kafka key and the extension headers.
    Takes an `EventSpec` rather than a type name so a test can build the schema of a
    model that is not registered (e.g. a deliberately broken variant).
    """
    body = spec.model.model_json_schema(mode=SCHEMA_MODE)
    body.pop("title", None)
    return {
        "$schema": DIALECT,
        "$id": f"{ID_PREFIX}{spec.type}",
        "title": spec.type,
        **body,
        "x-stockpath": {
            "event": spec.name,
            "type": spec.type,
            "domain": spec.domain,
            "version": spec.version,
            "topic": spec.topic,
            "key": spec.key_field,
            "extensions": {f"ce_{attr}": field for attr, field in spec.extensions.items()},
        },
    }


def all_schemas() -> dict[str, dict[str, Any]]:
    """Every registered event type's schema, by CloudEvents type."""
    return {spec.type: event_schema(spec) for spec in REGISTRY}
