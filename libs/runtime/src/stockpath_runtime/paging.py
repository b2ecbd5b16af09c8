"""Paging, the same everywhere: a repository returns a `Page` (the items and how many there are in
all), a route answers a `PageOut` (the same plus where the page is) and takes `Limit`/`Offset`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

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


#: How many items a page may ask for, and where it starts.
Limit = Annotated[int, Query(ge=1, le=100, description="Items per page")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="Items to skip")]
