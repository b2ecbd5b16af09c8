"""The AsyncAPI document as the official AsyncAPI parser (npm ``@asyncapi/parser``) reads it.

`test_asyncapi.py` checks the document's shape as we mean it; this reads it as every AsyncAPI
tool does: the specification's JSON Schema and the parser's rules (references resolve, each
operation's messages belong to its channel, ...). Any error diagnostic fails the test; warnings
and hints are printed.

The parser runs on the machine's Node.js from ``asyncapi/`` (``package.json``,
``package-lock.json``, ``validate.mjs``), installed there with ``npm ci`` when ``node_modules``
is missing. Without ``node`` or ``npm`` on PATH the tests are skipped, saying so.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from stockpath_events.asyncapi import asyncapi_document, dumps

HERE = Path(__file__).parent / "asyncapi"
DOCUMENT = Path(__file__).parents[1] / "asyncapi.json"

Validate = Callable[..., subprocess.CompletedProcess]


@pytest.fixture(scope="module")
def validate() -> Validate:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip(
            "the official AsyncAPI parser runs on Node.js: `node` and `npm` are not both on PATH"
        )
    if not (HERE / "node_modules" / "@asyncapi" / "parser").is_dir():
        # --ignore-scripts: nothing of the dependency tree runs at install (one has a telemetry hook).
        installed = subprocess.run(
            [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
            cwd=HERE,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if installed.returncode != 0:
            pytest.fail(f"npm ci in {HERE} failed:\n{installed.stdout}\n{installed.stderr}")

    def run(*documents: Path) -> subprocess.CompletedProcess:
        return subprocess.run(
            [node, "validate.mjs", *map(str, documents)],
            cwd=HERE,
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run


def _report(result: subprocess.CompletedProcess) -> str:
    return f"exit {result.returncode}\n{result.stdout}{result.stderr}"


def test_the_committed_and_the_generated_document_parse_without_an_error(validate, tmp_path):
    generated = tmp_path / "generated.json"
    generated.write_text(dumps(asyncapi_document()))

    result = validate(DOCUMENT, generated)

    assert result.returncode == 0, _report(result)
    doc = asyncapi_document()
    for path in (DOCUMENT, generated):
        assert (
            f"{path}: parsed AsyncAPI {doc['asyncapi']}: {len(doc['channels'])} channels, "
            f"{len(doc['operations'])} operations" in result.stdout
        ), _report(result)


def _broken(tmp_path: Path, name: str, change: Callable[[dict], None]) -> Path:
    doc = json.loads(DOCUMENT.read_text())
    change(doc)
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(doc))
    return path


def _operation_on_a_missing_channel(doc: dict) -> None:
    operation = next(iter(doc["operations"].values()))
    operation["channel"] = {"$ref": "#/channels/no-such-channel"}


def _header_of_an_unknown_json_type(doc: dict) -> None:
    message = next(iter(doc["components"]["messages"].values()))
    message["headers"] = {"type": "object", "properties": {"ce_id": {"type": "strnig"}}}


@pytest.mark.parametrize(
    "change, problem",
    [
        (lambda doc: doc.pop("info"), 'required property "info"'),
        (_operation_on_a_missing_channel, "'#/channels/no-such-channel' does not exist"),
        (_header_of_an_unknown_json_type, "headers.properties.ce_id.type"),
    ],
    ids=["no info", "operation on a missing channel", "header of an unknown JSON type"],
)
def test_an_error_diagnostic_fails_the_check(validate, tmp_path, change, problem):
    broken = _broken(tmp_path, "broken", change)

    result = validate(broken)

    assert result.returncode == 1, _report(result)
    errors = [line for line in result.stdout.splitlines() if line.startswith(f"{broken}: error ")]
    assert any(problem in line for line in errors), _report(result)
