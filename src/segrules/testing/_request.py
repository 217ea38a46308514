"""Checking a generation request once, when the strategy is built.

A request that can be seen never to be met is a ``SegrulesError`` right away, naming the reason,
instead of a Hypothesis health check failing later with no word about segments: a segment both
inside and outside, a disabled segment inside, a window that does not contain ``now``, a store
the segment does not list, a segment that reads the clock with no ``now`` given, and, for
``customers``, a segment that cannot match without session data (use ``visits``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import NoReturn

from attrs import frozen

from .. import nodes as n
from ..arguments import moment
from ..book import Book
from ..errors import Diagnostic, SegrulesError
from ..schema import Schema
from ._plan import window_holds

__all__ = ["Request", "check_request"]


@frozen
class Request:
    """A checked request: names, the fixed moment, the stores a visit may be evaluated for."""

    inside: tuple[str, ...]
    outside: tuple[str, ...]
    now: dt.datetime | None
    stores: tuple[str | None, ...]
    with_session: bool
    reads_session: frozenset[str]
    schema: Schema | None = None
    related: tuple[n.Segment, ...] = ()  # the named segments and those they reference

    def session_error(self) -> NoReturn:
        names = ", ".join(f"`{name}`" for name in sorted(self.reads_session))
        _fail("SR706", f"this request cannot be met without session data ({names} read it), "
              "and `customers` evaluates with no session",
              "use `segrules.testing.visits(...)`, whose visits carry a session")


def _fail(code: str, message: str, hint: str | None = None) -> NoReturn:
    raise SegrulesError([Diagnostic(code, message, hint=hint)])


def _names(value: object, role: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Iterable):
        names = tuple(value)
        if all(isinstance(name, str) for name in names):
            return names
    _fail("SR707", f"`{role}` must be a segment name or a list of names, "
          f"not {type(value).__name__}")


def _closure(book: Book, names: Iterable[str]) -> list[n.Segment]:
    """The named segments and every segment they reference, directly or not."""
    seen: dict[str, n.Segment] = {}
    stack = list(names)
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        segment = seen[name] = book[name]
        stack += [ref.name for ref in _walk(segment) if isinstance(ref, n.InSegment)]
    return list(seen.values())


def _walk(segment: n.Segment) -> Iterable[n.Node]:
    stack: list[n.Node] = [*segment.includes, *segment.excludes]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, n.AllOf | n.AnyOf):
            stack += node.items
        elif isinstance(node, n.Not):
            stack.append(node.item)
        elif isinstance(node, n.Compare):
            left = node.left
            if isinstance(left, n.TimeSince):
                stack.append(left)
            elif isinstance(left, n.Aggregate):
                stack.append(left)
                if left.where is not None:
                    stack.append(left.where)


def _reads_clock(segment: n.Segment) -> bool:
    if segment.active_from is not None or segment.active_until is not None:
        return True
    return any(isinstance(node, n.TimeSince)
               or (isinstance(node, n.Compare) and node.op in ("within_last", "more_than_ago"))
               for node in _walk(segment))


def _reads_session(segment: n.Segment) -> bool:
    return any(isinstance(node, n.Compare) and _session_operand(node.left)
               for node in _walk(segment))


def _session_operand(left: n.Operand) -> bool:
    if isinstance(left, n.Attr):
        return left.root == "session"
    if isinstance(left, n.Aggregate):
        return left.items.root == "session"
    return isinstance(left.operand, n.Attr) and left.operand.root == "session"


def check_request(book: Book, inside: object, outside: object, now: object, store: object,
                  schema: object, *, with_session: bool) -> Request:
    ins, outs = _names(inside, "inside"), _names(outside, "outside")
    for name in (*ins, *outs):
        book[name]  # an unknown name is UnknownSegmentError, as everywhere
    both = [name for name in ins if name in outs]
    if both:
        _fail("SR701", f"`{both[0]}` is both inside and outside: no customer is both")
    if schema is not None and not isinstance(schema, Schema):
        _fail("SR707", f"`schema` must be a segrules.Schema, not {type(schema).__name__}")
    if store is not None and not isinstance(store, str):
        _fail("SR707", f"`store` must be a store name, not {type(store).__name__}")
    instant = None if now is None else moment(now) if isinstance(now, dt.date) else _fail(
        "SR707", f"`now` must be a datetime or date, not {type(now).__name__}")
    related = _closure(book, (*ins, *outs))
    clocked = [s.name for s in related if _reads_clock(s)]
    if instant is None and clocked:
        _fail("SR703", f"segment `{clocked[0]}` reads the clock or has an active window, "
              "so generated customers depend on the moment",
              "pass `now=` (a datetime) to fix the moment every draw is evaluated at")
    stores: tuple[str | None, ...] = (store,)
    for name in ins:
        segment = book[name]
        if segment.disabled:
            _fail("SR702", f"segment `{name}` is disabled and matches nobody")
        if not segment.includes and not segment.include_customers:
            _fail("SR702", f"segment `{name}` has no include block and no listed customers, "
                  "so its rules match nobody",
                  "its members come only from a membership store, which generation "
                  "does not use")
        if not window_holds(segment, instant):
            _fail("SR704", f"segment `{name}` is not active at {instant}: its window is "
                  f"[{segment.active_from}, {segment.active_until})")
        if segment.stores:
            if store is not None and store not in segment.stores:
                _fail("SR705", f"segment `{name}` only matches in stores "
                      f"{', '.join(segment.stores)}, not in {store!r}")
            if store is None:
                if not with_session:
                    _fail("SR705", f"segment `{name}` only matches when a store is given "
                          f"({', '.join(segment.stores)})",
                          "pass `store=`, or use `visits(...)`, which picks one of them")
                listed = tuple(s for s in segment.stores if s in stores or stores == (None,))
                if not listed:
                    _fail("SR705", f"the segments inside list no store in common "
                          f"(`{name}`: {', '.join(segment.stores)})")
                stores = listed
    if store is None and with_session and stores == (None,):
        # Outside a segment that lists stores, its own stores give the nearer misses.
        named = [s for name in outs for s in book[name].stores]
        stores = (None, *dict.fromkeys(named))
    session = frozenset(s.name for s in related if _reads_session(s))
    return Request(ins, outs, instant, stores, with_session, session, schema, tuple(related))
