"""One page of a longer list: what every paged list of the console shows
(registrations, PBX calls, conversations, callback requests)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select

T = TypeVar("T")
S = TypeVar("S", bound=Select[Any])


def page_number(requested: int) -> int:
    """Pages count from 1; anything lower asks for the first."""
    return max(1, requested)


def page_of(stmt: S, page: int, per_page: int) -> S:
    """`stmt` cut to the rows of `page` (ordered by the caller)."""
    return stmt.limit(per_page).offset((page_number(page) - 1) * per_page)


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[T]
    total: int  # rows of the whole list
    page: int  # this page's number, from 1
    per_page: int

    @property
    def pages(self) -> int:
        """How many pages the list has (an empty list still has one, empty)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages
