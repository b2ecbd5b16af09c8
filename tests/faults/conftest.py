"""Fault-injection suite: helpers next to the tests (invariants, workload) and the matrix in the summary."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import invariants  # noqa: E402


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """The faults × invariants table of this run, whatever `-s` says."""
    if invariants.MATRIX:
        terminalreporter.section("fault matrix")
        for line in invariants.MATRIX:
            terminalreporter.write_line(line)
