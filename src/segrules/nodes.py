"""The segment language's abstract syntax tree: frozen, slotted attrs classes.

Nodes are data only. Checking, evaluation, printing and SQL generation are passes over them
(``checker``, ``codegen``, ``printer``, ``sql``), so a new backend is one more pass, not a new
tree. Every node carries a ``span`` that equality ignores: two segments written differently but
meaning the same tree compare equal, which is what the round-trip laws rely on.

Spellings are normalised by the parser: ``is not``, ``!=`` and ``is not equal to`` all become
``Compare(op="eq", negated=True)``; ``is before D`` becomes ``op="lt"`` with a date value;
``none { … }`` becomes ``Not(AnyOf(…))``; ``not in segment X`` becomes ``Not(InSegment(X))``.
The operator names are the keys of ``operators.OPERATORS``.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from attrs import field, frozen

from .source import Span


def _tuple(items: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(items)


_INTERNED_LENGTH = 100  # far longer than attribute and segment names are


def interned_name(text: Any) -> Any:
    """``text``, interned where it is a name-like ``str``, as Python interns the names and
    name-like literals of its code: a dict whose keys were written in Python code (a profile's
    attributes, a caller's segment name) then finds it by identity, without comparing text
    (3-5 ns a look-up). A long text is left alone: on some Python versions an interned string
    is never freed."""
    if type(text) is str and len(text) <= _INTERNED_LENGTH and text.isidentifier():
        return sys.intern(text)
    return text


@frozen
class Node:
    """Base of every node: only the source span, which equality and hashing ignore."""

    span: Span | None = field(default=None, eq=False, repr=False, kw_only=True)


# --- values -------------------------------------------------------------------------------


@frozen
class String(Node):
    """A string literal, escapes already decoded."""

    value: str


@frozen
class Number(Node):
    """An integer or decimal literal; decimals are kept as ``Decimal`` so text round-trips."""

    value: int | Decimal


@frozen
class Boolean(Node):
    """``true`` or ``false``; never equal to a number."""

    value: bool


@frozen
class Date(Node):
    """A calendar date literal such as ``2026-01-31``; compares as that day's midnight UTC."""

    value: dt.date


@frozen
class DateTime(Node):
    """An ISO-8601 datetime literal, always timezone-aware (naive text is read as UTC)."""

    value: dt.datetime


@frozen
class Regex(Node):
    """A regular expression (RE2 syntax), from ``/…/`` or a string after ``matches``."""

    pattern: str


@frozen
class Duration(Node):
    """``N UNIT`` in ``within last`` and ``more than … ago``; ``unit`` is the plural name."""

    amount: int
    unit: str  # minutes | hours | days | weeks | months | years


Value = String | Number | Boolean | Date | DateTime | Regex | Duration


# --- operands: what a condition reads -------------------------------------------------------


@frozen
class Attr(Node):
    """An attribute path ``a.b.c``: read from the profile, or from the session data.

    Inside an aggregate's ``where`` a profile-rooted path reads the list element instead.
    """

    names: tuple[str, ...] = field(converter=_tuple)
    root: str = "profile"  # "profile" | "session"


@frozen
class Aggregate(Node):
    """``count(P)``, ``sum(P.f)``, ``avg``, ``min``, ``max`` over the records of list ``items``.

    ``value_path`` is the path read from each record (empty for ``count`` and for a list of
    plain values); ``where`` is evaluated per record, its profile-rooted paths reading the record.
    """

    func: str  # count | sum | avg | min | max
    items: Attr
    value_path: tuple[str, ...] = field(converter=_tuple, default=())
    where: Expr | None = None


@frozen
class TimeSince(Node):
    """``years_since(P)`` / ``days_since(P)``: whole units from the date ``P`` to now."""

    unit: str  # years | days
    operand: Operand


Operand = Attr | Aggregate | TimeSince


# --- conditions -------------------------------------------------------------------------------


@frozen
class Compare(Node):
    """``LEFT OP VALUE…``: one operator of the table in ``operators``.

    ``negated`` is the operator's negative form (``is not``, ``does not contain``, …), which
    holds only when the attribute exists and the positive form is false; ``exists`` negated is
    ``does not exist``, the one condition that is true on a missing attribute.
    """

    left: Operand
    op: str
    values: tuple[Value, ...] = field(converter=_tuple, default=())
    negated: bool = False
    ignore_case: bool = False


@frozen
class InSegment(Node):
    """``in segment NAME``: the customer is in that segment by its full membership rule."""

    name: str


@frozen
class AllOf(Node):
    """``all { … }`` or ``a and b``: every item holds. Never empty."""

    items: tuple[Expr, ...] = field(converter=_tuple)


@frozen
class AnyOf(Node):
    """``any { … }`` or ``a or b``: some item holds. Never empty."""

    items: tuple[Expr, ...] = field(converter=_tuple)


@frozen
class Not(Node):
    """``not …``, ``none { … }`` (``Not(AnyOf)``) and ``not in segment`` (``Not(InSegment)``)."""

    item: Expr


@frozen
class Everyone(Node):
    """``include everyone``: a block that always holds."""


Expr = Compare | InSegment | AllOf | AnyOf | Not | Everyone


# --- segments -----------------------------------------------------------------------------------


@frozen
class Segment(Node):
    """One segment: header metadata, include and exclude blocks, and explicit id lists.

    Membership (docs/membership.md): enabled, inside ``[active_from, active_until)``, the store
    listed (when stores are), not explicitly excluded, and explicitly included or (some include
    block holds and no exclude block holds). ``includes``/``excludes`` hold one expression per
    block.
    """

    name: str = field(converter=interned_name)  # the key of every look-up by segment name
    title: str | None = None
    description: str | None = None
    groups: tuple[str, ...] = field(converter=_tuple, default=())
    active_from: dt.date | dt.datetime | None = None
    active_until: dt.date | dt.datetime | None = None
    disabled: bool = False
    stores: tuple[str, ...] = field(converter=_tuple, default=())
    includes: tuple[Expr, ...] = field(converter=_tuple, default=())
    excludes: tuple[Expr, ...] = field(converter=_tuple, default=())
    include_customers: tuple[str, ...] = field(converter=_tuple, default=())
    exclude_customers: tuple[str, ...] = field(converter=_tuple, default=())
    name_span: Span | None = field(default=None, eq=False, repr=False, kw_only=True)
    #: Where each header clause was written (``("title", span)``…), for tools that keep comments.
    header_spans: tuple[tuple[str, Span], ...] = field(
        default=(), eq=False, repr=False, kw_only=True, converter=_tuple
    )

    @property
    def enabled(self) -> bool:
        return not self.disabled


@frozen
class Document(Node):
    """The segments of one or more files, in file order."""

    segments: tuple[Segment, ...] = field(converter=_tuple, default=())
