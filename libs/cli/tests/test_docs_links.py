"""Every relative link in the repository's Markdown resolves: to a file or folder of the repository,
and a `#anchor` to a heading of the file it names (GitHub's heading ids). The README and docs/ link
to each other a lot and sections move; a broken link is found here, not by a reader."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

# [text](target) and ![alt](target); the target stops at whitespace or ")" (no titles used here).
LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
FENCE = re.compile(r"^\s*(```|~~~)")
INLINE_CODE = re.compile(r"`+[^`]*`+")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def markdown_files() -> list[Path]:
    """The Markdown files git tracks or would track (not ignored): what a reader of the repository sees."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.md"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    return sorted(ROOT / name for name in listed if name and (ROOT / name).is_file())


def prose_lines(text: str, *, keep_code: bool = False) -> list[tuple[int, str]]:
    """Lines outside fenced code blocks, with inline code removed unless `keep_code` (a link shown as
    code is not one; a heading's id keeps its code's text)."""
    lines, fenced = [], False
    for number, line in enumerate(text.splitlines(), start=1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            lines.append((number, line if keep_code else INLINE_CODE.sub("", line)))
    return lines


def slug(heading: str) -> str:
    """GitHub's id for a heading: markup dropped, lower case, punctuation removed, spaces to hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
    text = text.replace("`", "").strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """The ids of every heading of a Markdown file; a repeated heading gets -1, -2, ... as on GitHub."""
    seen: dict[str, int] = {}
    ids = set()
    for _, line in prose_lines(path.read_text(encoding="utf-8"), keep_code=True):
        match = HEADING.match(line)
        if not match:
            continue
        base = slug(match.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        ids.add(base if count == 0 else f"{base}-{count}")
    return ids


def broken_links(path: Path) -> list[str]:
    """Each relative link of `path` that names no file, or an anchor its file does not have."""
    broken = []
    for number, line in prose_lines(path.read_text(encoding="utf-8")):
        for target in LINK.findall(line):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):
                continue  # http:, https:, mailto: — not the repository's to check
            file_part, _, anchor = target.partition("#")
            destination = (path.parent / file_part).resolve() if file_part else path
            where = f"{path.relative_to(ROOT)}:{number}: {target}"
            if not destination.is_relative_to(ROOT):
                broken.append(f"{where} (leaves the repository)")
            elif not destination.exists():
                broken.append(f"{where} (no such file)")
            elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
                broken.append(f"{where} (no heading #{anchor} in {destination.relative_to(ROOT)})")
    return broken


def test_every_relative_link_in_the_markdown_resolves() -> None:
    files = markdown_files()
    assert ROOT / "README.md" in files and any(p.parent.name == "docs" for p in files)
    broken = [problem for path in files for problem in broken_links(path)]
    assert broken == [], "broken links:\n" + "\n".join(broken)


def test_the_readme_and_docs_need_nothing_outside_the_repository() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "../shared" not in readme and "DESIGN.md" not in readme
    for page in (ROOT / "docs").glob("*.md"):
        assert "DESIGN.md" not in page.read_text(encoding="utf-8"), page.name


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        (
            "Replay: rebuild a store, then switch over (blue/green)",
            "replay-rebuild-a-store-then-switch-over-bluegreen",
        ),
        ("How `./dev` gets uv", "how-dev-gets-uv"),
        ("The storefront (`/shop`)", "the-storefront-shop"),
        ("Every service's operations endpoints", "every-services-operations-endpoints"),
        ("N — no lost order", "n--no-lost-order"),
        ("Set_up [docs](docs/x.md)", "set_up-docs"),
    ],
)
def test_heading_ids_are_githubs(heading: str, expected: str) -> None:
    assert slug(heading) == expected


def test_a_broken_link_and_a_missing_anchor_are_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# A\n\n## Lag and offsets\n")
    page = tmp_path / "README.md"
    page.write_text(
        "[ok](docs/a.md#lag-and-offsets) [web](https://example.com/x) `[code](nowhere.md)`\n"
        "[gone](docs/b.md) [bad anchor](docs/a.md#replay) [out](../shared/DESIGN.md)\n"
        "```\n[fenced](nowhere.md)\n```\n[self](#a-heading)\n"
    )
    assert broken_links(page) == [
        "README.md:2: docs/b.md (no such file)",
        "README.md:2: docs/a.md#replay (no heading #replay in docs/a.md)",
        "README.md:2: ../shared/DESIGN.md (leaves the repository)",
        "README.md:6: #a-heading (no heading #a-heading in README.md)",
    ]
