"""Hypothesis strategies for customers inside and outside segments.

``customers(book, inside="vip", now=NOW)`` draws profiles that ``book.matches`` places in
``vip``; ``outside=`` draws profiles it does not, near misses included; ``visits(...)`` draws
whole visits (profile, session, customer id, store, moment) for segments that read the session
or list stores. Values are built to meet the conditions (see docs/testing.md) and then checked
by the compiled book, so a drawn customer is never wrong. Needs the ``testing`` extra
(``pip install segrules[testing]``), which brings Hypothesis.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hypothesis import strategies as st

    from ..book import Book
    from ._strategies import Visit

# Hypothesis is imported when a strategy is first built, not with this package: the
# `segrules test` command and the pytest plugin live here and must start without it.

__all__ = ["Visit", "customers", "visits"]

Names = str | Iterable[str]


def customers(book: Book, *, inside: Names = (), outside: Names = (),
              now: dt.date | None = None, store: str | None = None, schema: Any = None
              ) -> st.SearchStrategy[dict[str, Any]]:
    """Profiles that ``book.matches(name, profile, now=now, store=store)`` puts in every
    segment of ``inside`` and in none of ``outside`` (a name or a list of names).

    Raises ``SegrulesError`` at once for a request that can never be met (a disabled segment
    inside, a name both inside and outside, a window without ``now``, a store the segment does
    not list, a segment that needs session data: use ``visits``).
    """
    from ._strategies import generator

    return generator(book, inside, outside, now, store, schema,
                     with_session=False).customers()


def visits(book: Book, *, inside: Names = (), outside: Names = (),
           now: dt.date | None = None, store: str | None = None, schema: Any = None
           ) -> st.SearchStrategy[Visit]:
    """Visits (``.profile``, ``.session``, ``.customer_id``, ``.store``, ``.now``) that
    ``book.matches`` with those arguments places as asked. With ``store=None`` a visit may be
    for any store the segments inside list."""
    from ._strategies import generator

    return generator(book, inside, outside, now, store, schema, with_session=True).visits()


def __getattr__(name: str) -> Any:
    if name == "Visit":
        from ._strategies import Visit

        return Visit
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
