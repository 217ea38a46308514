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
from typing import Any

from hypothesis import strategies as st

from ..book import Book
from ._strategies import Visit, generator

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
    return generator(book, inside, outside, now, store, schema,
                     with_session=False).customers()


def visits(book: Book, *, inside: Names = (), outside: Names = (),
           now: dt.date | None = None, store: str | None = None, schema: Any = None
           ) -> st.SearchStrategy[Visit]:
    """Visits (``.profile``, ``.session``, ``.customer_id``, ``.store``, ``.now``) that
    ``book.matches`` with those arguments places as asked. With ``store=None`` a visit may be
    for any store the segments inside list."""
    return generator(book, inside, outside, now, store, schema, with_session=True).visits()
