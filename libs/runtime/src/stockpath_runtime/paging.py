"""Paging, the same everywhere: a repository returns a `Page` (the items and how many there are in
all), a route answers a `PageOut` (the same plus where the page is) and takes `Limit`/`Offset`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of what a repository found, and how many there are in all."""

    items: list[T]
    total: int


class PageOut(BaseModel, Generic[T]):
    """One page of a list over HTTP: the items, how many there are in all, and where the page is."""

    items: list[T]
    total: int
    limit: int
    offset: int


def limit(most: int = 100) -> Any:
    """A page's size parameter, at most `most` items."""
    return Annotated[int, Query(ge=1, le=most, description=f"Items per page (at most {most})")]


def offset(most: int = 1_000_000) -> Any:
    """Where a page starts, at most `most` items in."""
    return Annotated[int, Query(ge=0, le=most, description="Items to skip")]


#: How many items a page may ask for, and where it starts (the usual bounds).
Limit = limit()
Offset = offset()
