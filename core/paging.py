"""Paged, sorted and searched lists for the product's own pages (the approval queue, the seller's
deals, the manager's flags, the what-if): one helper here, one template include
(`templates/_pagination.html`) for the page links and one (`templates/_sort.html`) for a sortable
column's heading.

The query string carries everything: `page`, `sort` (a key, `-key` for descending) and `q`;
every link keeps the other parameters (filters included). A `page` that is not a page of the
list (not a number, or past its end) shows the first page, never an error; an unknown `sort` is
the default one; control characters are dropped from `q` (PostgreSQL refuses a NUL byte). Each
sort ends on the primary key, so pages never overlap or skip rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import InvalidPage, Page, Paginator
from django.db.models import QuerySet

from core.inputs import CONTROL_CHARACTERS

PAGE_SIZE = 50
PAGE, SORT, SEARCH = "page", "sort", "q"


def page_size() -> int:
    """Rows per page of the product's lists (`LIST_PAGE_SIZE`, 50 unless set)."""
    return getattr(settings, "LIST_PAGE_SIZE", PAGE_SIZE)


@dataclass(frozen=True)
class SortLink:
    url: str
    direction: str  # "asc" or "desc" while the list is sorted by it, else ""


class Listing:
    """One page of `rows` (a queryset, or rows already in order), sorted by the `sort` parameter
    among `sorts` (key -> the fields of its ascending order; `default` unless another is asked
    for) and searched with `search(rows, text)` when `q` is given."""

    def __init__(
        self,
        request,
        rows: QuerySet | Sequence,
        *,
        sorts: Mapping[str, Sequence[str]] | None = None,
        default: str = "",
        search: Callable[[QuerySet, str], QuerySet] | None = None,
        per_page: int | None = None,
        count: int | None = None,
    ):
        """`count`, when the caller has counted the rows already (with other figures, in one
        query), saves the paginator its own count; it is the count before any search."""
        self.params = request.GET.copy()
        self.params.pop(PAGE, None)
        self.search = CONTROL_CHARACTERS.sub("", request.GET.get(SEARCH, "")).strip() if search else ""
        if search and self.search:
            rows = search(rows, self.search)
        sorts = sorts or {}
        requested = request.GET.get(SORT, "")
        self.sort = requested if requested.removeprefix("-") in sorts else default
        if self.sort:
            key, descending = self.sort.removeprefix("-"), self.sort.startswith("-")
            order = [*sorts[key], "pk"]
            rows = rows.order_by(*(flip(field) if descending else field for field in order))
        paginator = Paginator(rows, per_page or page_size())
        if count is not None and not self.search:
            paginator.count = count  # a cached property: the paginator takes it as counted
        try:
            self.page: Page = paginator.page(request.GET.get(PAGE) or 1)
        except InvalidPage:  # not a number, or not a page of this list (any more)
            self.page = paginator.page(1)
        self.sorts = {name: self._sort_link(name) for name in sorts}

    @property
    def rows(self) -> list:
        return list(self.page.object_list)

    def url(self, **changes) -> str:
        params = self.params.copy()
        for name, value in changes.items():
            params[name] = value
        return f"?{params.urlencode()}"

    def page_url(self, number: int) -> str:
        return self.url(page=number)

    @property
    def page_links(self) -> list[tuple[object, str]]:
        """(number, link) for each page shown; the current page and the gaps (…) have no link."""
        paginator, current = self.page.paginator, self.page.number
        return [
            (number, "" if number in (current, paginator.ELLIPSIS) else self.page_url(number))
            for number in paginator.get_elided_page_range(current, on_each_side=2, on_ends=1)
        ]

    @property
    def previous_url(self) -> str:
        return self.page_url(self.page.previous_page_number()) if self.page.has_previous() else ""

    @property
    def next_url(self) -> str:
        return self.page_url(self.page.next_page_number()) if self.page.has_next() else ""

    @property
    def clear_search_url(self) -> str:
        params = self.params.copy()
        params.pop(SEARCH, None)
        return f"?{params.urlencode()}"

    @property
    def hidden_params(self) -> list[tuple[str, str]]:
        """The parameters a search form carries along (sort and filters; not the page or q)."""
        return [(name, value) for name, values in self.params.lists() if name != SEARCH for value in values]

    def _sort_link(self, name: str) -> SortLink:
        """Sorting by a column starts ascending; sorting by it again turns it round; either way
        the list starts again from its first page."""
        if self.sort == name:
            return SortLink(self.url(sort=f"-{name}"), "asc")
        if self.sort == f"-{name}":
            return SortLink(self.url(sort=name), "desc")
        return SortLink(self.url(sort=name), "")


def flip(field: str) -> str:
    return field.removeprefix("-") if field.startswith("-") else f"-{field}"
