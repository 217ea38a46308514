"""How the book reads each attribute: the shape generated values take when no schema says.

One pass over every segment collects, per attribute path, the operators and literals that read
it. That decides what a value of the path looks like when only its presence is asked for, or
only what it must not be: a path compared with numbers is a number, one that a ``contains`` or an
aggregate reads is a list (and a list of records when an aggregate reads it), one that a time
function or a duration reads is a date. The string literals are the path's vocabulary, so
"anything but gold" is drawn first from the other tiers the book names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from attrs import define, field

from .. import nodes as n
from ._plan import Slot

__all__ = ["Usage", "usage_of"]

_STRING_ONLY = frozenset({"starts_with", "ends_with", "matches"})
_LIST_OPS = frozenset({"contains_any", "contains_all"})


@define
class Usage:
    """What the book does with one path."""

    ops: set[str] = field(factory=set)
    kinds: set[str] = field(factory=set)  # number | string | date | bool
    strings: list[str] = field(factory=list)
    numbers: list[int | Decimal] = field(factory=list)
    records: bool = False  # an aggregate reads it
    timed: bool = False  # a datetime literal, a duration or a clock function reads it
    listed: bool | None = None  # a list or not, when a schema says

    @property
    def decimals(self) -> int:
        return max([0, *(decimal_places(x) for x in self.numbers)])

    @property
    def is_list(self) -> bool:
        """A list: read by an aggregate, or by ``contains`` and never as a string."""
        if self.listed is not None:
            return self.listed
        if self.records:
            return True
        return bool(self.ops & _LIST_OPS) and not (self.ops & _STRING_ONLY)

    def kind(self) -> str:
        for kind in ("date", "number", "bool", "string"):
            if kind in self.kinds:
                return kind
        return "string"


def decimal_places(x: int | Decimal) -> int:
    """How many decimal places a literal is written with (0 for an int)."""
    exponent = x.as_tuple().exponent if isinstance(x, Decimal) and x.is_finite() else 0
    return max(0, -exponent) if isinstance(exponent, int) else 0


def record_slot(list_slot: Slot, names: tuple[str, ...]) -> Slot:
    """Where the usage of field ``names`` of the records of ``list_slot`` is kept."""
    return list_slot[0], (*list_slot[1], "[]", *names)


def usage_of(segments: Iterable[n.Segment]) -> dict[Slot, Usage]:
    found: dict[Slot, Usage] = {}

    def at(slot: Slot) -> Usage:
        return found.setdefault(slot, Usage())

    def walk(expr: n.Expr, base: Slot | None) -> None:
        if isinstance(expr, n.AllOf | n.AnyOf):
            for item in expr.items:
                walk(item, base)
        elif isinstance(expr, n.Not):
            walk(expr.item, base)
        elif isinstance(expr, n.Compare):
            compare(expr, base)

    def path(attr: n.Attr, base: Slot | None) -> Slot:
        if base is not None and attr.root == "profile":
            return record_slot(base, attr.names)
        return attr.root, attr.names

    def compare(c: n.Compare, base: Slot | None) -> None:
        left = c.left
        if isinstance(left, n.Aggregate):
            items = path(left.items, base)
            at(items).records = True
            at(items).ops.add("aggregate")
            if left.where is not None:
                walk(left.where, items)
            if left.value_path:
                target = at(record_slot(items, left.value_path))
                literals(target, c)
                if left.func in ("sum", "avg"):
                    target.kinds.add("number")
            return
        if isinstance(left, n.TimeSince):
            if isinstance(left.operand, n.Attr):
                target = at(path(left.operand, base))
                target.kinds.add("date")
                target.ops.add("since")
            return
        target = at(path(left, base))
        target.ops.add(c.op)
        if c.op in ("within_last", "more_than_ago"):
            target.kinds.add("date")
            target.timed = True
        literals(target, c)

    def literals(target: Usage, c: n.Compare) -> None:
        for value in c.values:
            if isinstance(value, n.String):
                target.kinds.add("string")
                if value.value not in target.strings:
                    target.strings.append(value.value)
            elif isinstance(value, n.Number):
                target.kinds.add("number")
                target.numbers.append(value.value)
            elif isinstance(value, n.Boolean):
                target.kinds.add("bool")
            elif isinstance(value, n.Date | n.DateTime):
                target.kinds.add("date")
                if isinstance(value, n.DateTime) or (
                        isinstance(value.value, dt.datetime)):
                    target.timed = True
            elif isinstance(value, n.Regex):
                target.kinds.add("string")

    for segment in segments:
        for block in (*segment.includes, *segment.excludes):
            walk(block, None)
        if segment.include_customers or segment.exclude_customers:
            ids = at(("profile", ("id",)))
            ids.kinds.add("string")
    return found
