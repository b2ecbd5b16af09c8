"""Is a new schema of an event type still compatible with the committed one?

docs/event-contract.md ("Changing a contract"): within a version a contract only grows by
optional fields; anything else is a new ``.v2`` type published side by side. Events stay in
topics and are replayed, and producers and consumers deploy independently, so a change must be
safe in both directions:
old messages read by new code, and new messages read by old code. That is why this module
also reports changes some tools call "widening" (a field becoming nullable or no longer
required): an old consumer that relied on the value would break.

Both schemas are flattened into facts per property path (``ship_to.city``,
``lines[].quantity``, ``attributes{}`` for map values), with ``$ref``s resolved and
``anyOf`` branches merged, and the facts are compared path by path. Titles, descriptions and
defaults are documentation and never count.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

__all__ = ["breaking_changes"]

# Constraint keywords whose value growing (resp. shrinking, or appearing) rejects values
# that were valid before.
_LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
_EXACT = ("pattern", "multipleOf")


@dataclass
class _Facts:
    """What one property path allows, merged over every branch that reaches it."""

    types: set[str] = field(default_factory=set)
    values: set[str] = field(default_factory=set)  # JSON texts of enum/const values
    unrestricted: bool = False  # some non-null branch accepts any value of its type
    properties: set[str] = field(default_factory=set)
    required: set[str] = field(default_factory=set)
    constraints: dict[str, Any] = field(default_factory=dict)

    @property
    def enum(self) -> set[str] | None:
        """The allowed values, or None when the path is not an enumeration."""
        return self.values if self.values and not self.unrestricted else None


def breaking_changes(old_schema: dict, new_schema: dict) -> list[str]:
    """Human-readable reasons why `new_schema` breaks users of `old_schema`; empty if it doesn't.

    Both must be schemas of the same event type, as made by `stockpath_events.schema`.
    """
    old_type, new_type = _meta(old_schema).get("type"), _meta(new_schema).get("type")
    if old_type and new_type and old_type != new_type:
        raise ValueError(f"not the same event type: {old_type} vs {new_type}")
    name = (
        _meta(new_schema).get("event")
        or _meta(old_schema).get("event")
        or new_schema.get("title", "event")
    )
    old, new = _flatten(old_schema), _flatten(new_schema)
    problems = _metadata_changes(_meta(old_schema), _meta(new_schema))
    for path, before in old.items():
        after = new.get(path)
        if after is not None:  # a vanished path is reported at its parent (removed or retyped)
            problems += _compare(path, before, after, old, new)
    return [f"{name}: {p}" for p in problems]


def _meta(schema: dict) -> dict:
    return schema.get("x-stockpath") or {}


def _metadata_changes(old: dict, new: dict) -> list[str]:
    problems = []
    for key, what in (("topic", "topic"), ("key", "Kafka key field")):
        if key in old and old.get(key) != new.get(key):
            problems.append(f"{what} changed from {old.get(key)!r} to {new.get(key)!r}")
    for header, source in (old.get("extensions") or {}).items():
        now = (new.get("extensions") or {}).get(header)
        if now is None:
            problems.append(f"extension header {header!r} removed")
        elif now != source:
            problems.append(
                f"extension header {header!r} now taken from {now!r} instead of {source!r}"
            )
    return problems


# --- flattening ------------------------------------------------------------------------------


def _child(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _flatten(schema: dict) -> dict[str, _Facts]:
    defs = schema.get("$defs") or {}
    out: dict[str, _Facts] = {}

    def visit(node: Any, path: str, stack: frozenset[str]) -> None:
        if not isinstance(node, dict):  # `true`/`false` schemas: nothing to compare
            return
        facts = out.setdefault(path, _Facts())
        ref = node.get("$ref")
        if ref is not None:
            target = ref.removeprefix("#/$defs/")
            if target in stack:  # recursive model: the first visit covers it
                facts.types.add("object")
                facts.unrestricted = True
            elif target in defs:
                visit(defs[target], path, stack | {target})
            return
        branches = [*node.get("anyOf", ()), *node.get("oneOf", ()), *node.get("allOf", ())]
        for branch in branches:
            visit(branch, path, stack)
        if branches and not _has_own_type(node):
            return
        _record(node, facts)
        for name, sub in (node.get("properties") or {}).items():
            visit(sub, _child(path, name), stack)
        if isinstance(node.get("items"), dict):
            visit(node["items"], f"{path}[]", stack)
        for i, sub in enumerate(node.get("prefixItems") or ()):
            visit(sub, f"{path}[{i}]", stack)
        if isinstance(node.get("additionalProperties"), dict):
            visit(node["additionalProperties"], f"{path}{{}}", stack)

    visit(schema, "", frozenset())
    return out


def _has_own_type(node: dict) -> bool:
    return any(k in node for k in ("type", "enum", "const", "properties", "items"))


def _record(node: dict, facts: _Facts) -> None:
    """Add one (non-combinator) schema node's type, values and constraints to `facts`."""
    values = node["enum"] if "enum" in node else [node["const"]] if "const" in node else None
    types = node.get("type")
    if types is None:
        if values is not None:
            types = sorted({_json_type(v) for v in values})
        elif "properties" in node:
            types = "object"
        elif "items" in node:
            types = "array"
        else:
            types = "any"
    for t in [types] if isinstance(types, str) else types:
        fmt = node.get("format")
        facts.types.add(f"{t}({fmt})" if fmt and t == "string" else t)
    if values is not None:
        facts.values.update(json.dumps(v, sort_keys=True) for v in values)
    elif types != "null":
        facts.unrestricted = True
    facts.properties.update(node.get("properties") or ())
    facts.required.update(node.get("required") or ())
    for key in (*_LOWER_BOUNDS, *_UPPER_BOUNDS, *_EXACT):
        if key in node:
            facts.constraints[key] = node[key]
    if node.get("uniqueItems"):
        facts.constraints["uniqueItems"] = True


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    names: dict[type, str] = {str: "string", list: "array", dict: "object"}
    return names.get(type(value), "any")


# --- comparing --------------------------------------------------------------------------------


def _compare(path: str, old: _Facts, new: _Facts, old_all: dict, new_all: dict) -> list[str]:
    where = f"property '{path}'" if path else "the payload"
    problems: list[str] = []
    if old.types != new.types:  # says it all: what is inside a retyped value is not comparable
        return [f"{where} type changed from {_types(old.types)} to {_types(new.types)}"]
    problems += _enum_changes(where, old, new)
    problems += _constraint_changes(where, old.constraints, new.constraints)
    problems += _property_changes(path, old, new, old_all, new_all)
    return problems


def _types(types: set[str]) -> str:
    return " | ".join(sorted(types, key=lambda t: (t == "null", t)))


def _enum_changes(where: str, old: _Facts, new: _Facts) -> list[str]:
    # Adding enum values is allowed (consumers must tolerate unknown values); losing one is not.
    before, after = old.enum, new.enum
    if before is not None and after is not None and before - after:
        return [f"{where} no longer allows {', '.join(sorted(before - after))}"]
    if before is None and after is not None and old.unrestricted:
        return [f"{where} is now restricted to {', '.join(sorted(after))}"]
    return []


def _constraint_changes(where: str, old: dict, new: dict) -> list[str]:
    problems = []
    for key, value in new.items():
        before = old.get(key)
        if before == value:
            continue
        tighter = (
            before is None
            or (key in _LOWER_BOUNDS and value > before)
            or (key in _UPPER_BOUNDS and value < before)
            or key in _EXACT
        )
        if tighter:
            change = (
                f"added ({value!r})"
                if before is None
                else f"tightened from {before!r} to {value!r}"
            )
            problems.append(f"{where} constraint {key} {change}")
    return problems


def _property_changes(
    path: str, old: _Facts, new: _Facts, old_all: dict, new_all: dict
) -> list[str]:
    problems = []
    removed = sorted(old.properties - new.properties)
    added = sorted(new.properties - old.properties)
    renamed: dict[str, str] = {}
    for name in removed:
        # A removed and an added property of the same type look like a rename; say so, since
        # "removed" alone would puzzle the author who only renamed it.
        same = [
            a
            for a in added
            if a not in renamed.values()
            and new_all[_child(path, a)].types == old_all[_child(path, name)].types
        ]
        if len(same) == 1:
            renamed[name] = same[0]
            problems.append(
                f"property '{_child(path, name)}' removed (renamed to '{_child(path, same[0])}'?)"
            )
        else:
            problems.append(f"property '{_child(path, name)}' removed")
    for name in sorted(new.required - old.required):
        if name in old.properties:
            problems.append(f"property '{_child(path, name)}' changed from optional to required")
        elif name not in renamed.values():
            problems.append(f"new required property '{_child(path, name)}'")
    for name in sorted((old.required - new.required) & new.properties):
        problems.append(
            f"property '{_child(path, name)}' is no longer required (old consumers rely on it)"
        )
    return problems
