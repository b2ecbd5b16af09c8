"""The generated files kept in the repository, and how they compare with the code.

``libs/events/schemas/<ce_type>.json`` and ``libs/events/asyncapi.json`` are committed so
that reviewers see contract changes in diffs and outside teams can read them without
Python. The committed schemas double as the baseline for the compatibility check: the
generator refuses to overwrite one with a breaking change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from stockpath_events.asyncapi import asyncapi_document, dumps
from stockpath_events.compat import breaking_changes
from stockpath_events.schema import all_schemas

SCHEMAS_DIR = "schemas"
ASYNCAPI_FILE = "asyncapi.json"


def default_root() -> Path:
    """``libs/events`` of the source checkout, found from this file, not from the CWD.

    The package is installed editable from ``libs/events/src``, so it sits two levels
    below the directory that holds ``pyproject.toml`` and the generated files.
    """
    return Path(__file__).resolve().parents[2]


@dataclass
class Plan:
    """What generating into `root` would change, and whether that is allowed."""

    root: Path
    expected: dict[Path, str]
    outdated: list[Path] = field(default_factory=list)  # missing or different on disk
    stale: list[Path] = field(
        default_factory=list
    )  # committed schemas of types no longer registered
    breaking: list[str] = field(default_factory=list)

    @property
    def current(self) -> bool:
        return not (self.outdated or self.stale or self.breaking)


def expected_files(root: Path) -> dict[Path, str]:
    """Every generated file under `root` with the exact text it must have."""
    files = {
        root / SCHEMAS_DIR / f"{ce_type}.json": dumps(schema)
        for ce_type, schema in all_schemas().items()
    }
    files[root / ASYNCAPI_FILE] = dumps(asyncapi_document())
    return files


def plan(root: Path) -> Plan:
    result = Plan(root=root, expected=expected_files(root))
    for path, text in result.expected.items():
        committed = path.read_text(encoding="utf-8") if path.exists() else None
        if committed == text:
            continue
        result.outdated.append(path)
        if committed is not None and path.parent.name == SCHEMAS_DIR:
            result.breaking += _breaking(path, committed, json.loads(text))
    schemas_dir = root / SCHEMAS_DIR
    if schemas_dir.is_dir():
        for path in sorted(schemas_dir.glob("*.json")):
            if path not in result.expected:
                result.stale.append(path)
                result.breaking.append(
                    f"{path.stem}: event type is no longer registered (schema {path.name} is committed)"
                )
    return result


def _breaking(path: Path, committed: str, new: dict) -> list[str]:
    try:
        old = json.loads(committed)
    except json.JSONDecodeError as e:
        return [f"{path.name}: committed schema is not valid JSON ({e})"]
    return breaking_changes(old, new)


def write(result: Plan) -> list[Path]:
    """Write the outdated files; returns what was written. Call only when nothing breaks."""
    if result.breaking:
        raise ValueError("refusing to write breaking changes")
    for path in result.outdated:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(result.expected[path], encoding="utf-8", newline="\n")
    return list(result.outdated)
