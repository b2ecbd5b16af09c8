"""``stockpath-events``: generate and check the committed event schemas and AsyncAPI document.

    stockpath-events generate   # write libs/events/schemas/*.json and libs/events/asyncapi.json
    stockpath-events check      # exit 1 if they are not current or a change is breaking (for CI)

``generate`` refuses (exit 1, nothing written) when a committed schema would change
incompatibly: within a version a contract only grows by optional fields, so the fix is a
new ``.v2`` type next to the old one, not an edit of the old one.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from stockpath_events import artifacts


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    root = Path(args.dir).resolve() if args.dir else artifacts.default_root()
    if not args.dir and not (root / "pyproject.toml").is_file():
        print(
            f"error: {root} is not the libs/events source directory (not an editable install?); pass --dir",
            file=sys.stderr,
        )
        return 2
    result = artifacts.plan(root)
    if result.breaking:
        _print_breaking(result.breaking)
        return 1
    if args.command == "generate":
        written = artifacts.write(result)
        for path in written:
            print(f"wrote {_show(path)}")
        print(
            f"{len(result.expected) - len(written)} file(s) already current, {len(written)} written"
        )
        return 0
    if result.outdated:
        for path in result.outdated:
            print(f"out of date: {_show(path)}", file=sys.stderr)
        print("run `uv run stockpath-events generate` and commit the result", file=sys.stderr)
        return 1
    print(f"{len(result.expected)} generated file(s) current and compatible")
    return 0


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--dir",
        help="directory holding schemas/ and asyncapi.json (default: libs/events of this checkout)",
    )
    parser = argparse.ArgumentParser(
        prog="stockpath-events",
        description="Generate and check the committed event JSON Schemas and AsyncAPI document.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "generate",
        parents=[common],
        help="write the JSON Schemas and asyncapi.json; refuses breaking changes",
    )
    commands.add_parser(
        "check",
        parents=[common],
        help="exit 1 if the generated files are out of date or a change is breaking",
    )
    return parser


def _print_breaking(problems: list[str]) -> None:
    print("breaking change(s) to committed event schemas:", file=sys.stderr)
    for problem in problems:
        print(f"  - {problem}", file=sys.stderr)
    print(
        "A v1 contract may only gain optional fields. Publish a new .v2 type side by side instead; "
        "delete a committed schema only if that event type was never released.",
        file=sys.stderr,
    )


def _show(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
