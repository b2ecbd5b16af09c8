"""Puts this folder on ``sys.path`` for the inventory's test helpers (`inventory_testkit`: the
events it consumes; `inventory_fakes`: the in-memory unit of work), which pytest's importlib mode
would not find otherwise."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
