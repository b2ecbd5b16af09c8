"""The invariant checker of the fault suite: reads every topic from the beginning and every
service's database, and says per guarantee of docs/architecture.md whether it holds (N, D, S, A, P, O).

`topic_log` reads the topics; `guarantees` names the guarantees and the platform under test; the
checks live by guarantee in `orders` (N, O), `effects` (D, S) and `messages` (A, P); `checker`
reads the stores and runs them all.
"""

from __future__ import annotations

from .checker import Checker
from .guarantees import CONSUMERS, HANDLED, INVARIANTS, OUTCOMES, SERVICES, Result
from .topic_log import POISON_HEADER, Record, TopicLog

__all__ = [
    "CONSUMERS",
    "HANDLED",
    "INVARIANTS",
    "MATRIX",
    "OUTCOMES",
    "POISON_HEADER",
    "SERVICES",
    "Checker",
    "Record",
    "Result",
    "TopicLog",
]

#: The table of the last run (markdown lines), printed by conftest's terminal summary.
MATRIX: list[str] = []
