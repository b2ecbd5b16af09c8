"""The root of every refusal the inventory answers with a message for the person who asked.

Each aggregate's module defines its own errors under `InventoryError`; the HTTP edge maps each
to a status and a code (``entrypoints/http.py``: ``ERRORS``)."""

from __future__ import annotations


class InventoryError(Exception):
    """A request the inventory cannot apply, with a message for the person who made it."""
