"""A deliberately plain tree-walking evaluator of SPEC §2–§3: the reference the compiled code
must agree with, plus Hypothesis strategies for customers that exercise a given document.

It shares no code with ``segrules.runtime`` or ``segrules.codegen`` beyond the AST and
``segrules.regex``, the RE2 engine the SPEC names with the translation of a pattern's literal
text into the form strings compare in (tested on its own in ``test_text``), and favours reading
like the SPEC over speed.
"""

from __future__ import annotations

import datetime as dt
import operator
import unicodedata
from collections import UserString
from collections.abc import Collection, Iterator, Mapping
from decimal import Context, Decimal
from fractions import Fraction
from numbers import Integral, Number, Rational, Real
from typing import Any, TypeGuard

import numpy as np
from dateutil.parser import isoparse
from dateutil.relativedelta import relativedelta
from hypothesis import strategies as st

from segrules import nodes as n
from segrules.regex import compile_pattern

UTC = dt.UTC
WHOLE = {"contains_any", "contains_all", "exists", "empty"}


# --- reading --------------------------------------------------------------------------------


def present(value: object) -> bool:
    # A one-shot iterator is missing: reading it would consume the customer's data.
    return value is not None and not callable(value) and not isinstance(value, Iterator)


def is_list(value: object) -> TypeGuard[Collection[Any]]:
    """Any Collection but text, bytes and mappings."""
    return isinstance(value, Collection) and not isinstance(
        value, str | bytes | bytearray | memoryview | UserString | Mapping)


def read(root: object, names: tuple[str, ...]) -> object:
    value = root
    for name in names:
        if isinstance(value, Mapping):
            value = value.get(name)
        elif (not present(value) or name.startswith("_") or is_list(value)
              or isinstance(value, (str, bytes, bytearray, Number, dt.date))):
            return None
        else:
            value = getattr(value, name, None)
        if not present(value):
            return None
    return value


def moment(value: object) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str) and len(value) >= 10 and value[4] == "-" and value[7] == "-":
        try:
            return moment(isoparse(value))
        except (ValueError, OverflowError):
            return None
    return None


def exact(value: object) -> Decimal | Fraction | None:
    """A number as the decimal it is written as (a float as its shortest repr); None for
    anything that is not a number."""
    if isinstance(value, bool) or not isinstance(value, Real | Decimal):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, Integral):
        return Decimal(int(value))
    if isinstance(value, float):
        return Decimal(float.__repr__(value))
    if isinstance(value, Rational):
        return Fraction(value.numerator, value.denominator)
    text = str(value)  # NumPy float32 and friends print their shortest digits
    return Decimal(text) if type(value)(text) == value else Decimal(repr(float(value)))


def is_number(value: object) -> bool:
    return exact(value) is not None


def nan(value: Decimal | Fraction) -> bool:
    return isinstance(value, Decimal) and value.is_nan()


def same_number(x: object, literal: n.Number) -> Decimal | Fraction | None:
    """``x`` as an exact number to set against ``literal``; None when it never compares."""
    found = exact(x)
    if found is None or nan(found) or nan(Decimal(literal.value)):
        return None
    return found


# --- conditions -----------------------------------------------------------------------------


def fold(text: str, ignore_case: bool) -> str:
    """Strings compare in NFC; ignoring case, by Unicode's canonical caseless match (full
    folding of the decomposed text) with dotless ı as i, since its capital is I."""
    if not ignore_case:
        return unicodedata.normalize("NFC", text)
    folded = unicodedata.normalize("NFD", text).casefold().replace("\u0131", "i")
    return unicodedata.normalize("NFC", folded)


def equal(x: object, literal: n.Value, ignore_case: bool) -> bool:
    if isinstance(literal, n.String):
        return isinstance(x, str) and fold(x, ignore_case) == fold(literal.value, ignore_case)
    if isinstance(literal, n.Boolean):
        numpy_bool = type(x).__module__ == "numpy" and type(x).__name__ in ("bool", "bool_")
        return (isinstance(x, bool) or numpy_bool) and bool(x) == literal.value
    if isinstance(literal, n.Number):
        found = same_number(x, literal)
        return found is not None and found == literal.value
    if isinstance(literal, n.Date | n.DateTime):
        found = moment(x)
        return found is not None and found == moment(literal.value)
    return False


def ordered(compare: Any, x: object, literal: n.Value, ignore_case: bool) -> bool:
    if isinstance(literal, n.Number):
        found = same_number(x, literal)
        return found is not None and bool(compare(found, literal.value))
    if isinstance(literal, n.String):
        return isinstance(x, str) and bool(
            compare(fold(x, ignore_case), fold(literal.value, ignore_case)))
    if isinstance(literal, n.Date | n.DateTime):
        found = moment(x)
        return found is not None and bool(compare(found, moment(literal.value)))
    return False


def shifted(now: dt.datetime, duration: n.Duration) -> dt.datetime:
    if duration.unit in ("months", "years"):
        return now - relativedelta(**{duration.unit: duration.amount})
    return now - dt.timedelta(**{duration.unit: duration.amount})


def element_holds(node: n.Compare, x: object, now: dt.datetime) -> bool:
    op, values, ic = node.op, node.values, node.ignore_case
    if op in ("eq", "in"):
        return any(equal(x, v, ic) for v in values)
    if op in ("gt", "ge", "lt", "le"):
        return ordered(getattr(operator, op), x, values[0], ic)
    if op == "between":
        return ordered(operator.ge, x, values[0], ic) and ordered(operator.le, x, values[1], ic)
    if op in ("starts_with", "ends_with"):
        literal = values[0]
        if not (isinstance(x, str) and isinstance(literal, n.String)):
            return False
        method = str.startswith if op == "starts_with" else str.endswith
        return method(fold(x, ic), fold(literal.value, ic))
    if op == "matches":
        pattern = values[0]
        assert isinstance(pattern, n.Regex)
        search = compile_pattern(pattern.pattern, ic).search
        return isinstance(x, str) and search(fold(x, ic)) is not None
    if op in ("within_last", "more_than_ago"):
        found = moment(x)
        duration = values[0]
        assert isinstance(duration, n.Duration)
        if found is None:
            return False
        start = shifted(now, duration)
        return start <= found <= now if op == "within_last" else found < start
    raise AssertionError(op)


def whole_holds(node: n.Compare, v: object) -> bool:
    ic = node.ignore_case
    if node.op == "exists":
        return True
    if node.op == "empty":
        return (isinstance(v, str | Mapping) or is_list(v)) and len(v) == 0
    combine = all if node.op == "contains_all" else any
    if isinstance(v, str):
        return combine(isinstance(lit, n.String) and fold(lit.value, ic) in fold(v, ic)
                       for lit in node.values)
    if is_list(v):
        return combine(any(equal(x, lit, ic) for x in v) for lit in node.values)
    return False


def compare_holds(node: n.Compare, v: object, now: dt.datetime) -> bool:
    if node.op == "exists" and node.negated:
        return not present(v)
    if not present(v):
        return False
    if node.op in WHOLE:
        positive = whole_holds(node, v)
    elif is_list(v):
        positive = any(element_holds(node, x, now) for x in v)
    else:
        positive = element_holds(node, v, now)
    return positive != node.negated


def exact_sum(numbers: list[Decimal | Fraction]) -> Decimal | Fraction:
    """The exact sum; NaN when a NaN or both infinities are among them, else an infinity."""
    specials = [x for x in numbers if isinstance(x, Decimal) and not x.is_finite()]
    if any(x.is_nan() for x in specials) or len({x.is_signed() for x in specials}) == 2:
        return Decimal("NaN")
    if specials:
        return specials[0]
    return sum((Fraction(x) for x in numbers), Fraction(0))


# --- evaluation -----------------------------------------------------------------------------


class Oracle:
    """Evaluates one document for one customer, as the SPEC reads."""

    def __init__(self, document: n.Document, profile: object, *, session: object = None,
                 customer_id: object = None, store: str | None = None,
                 now: dt.datetime, members: Any = None) -> None:
        self.segments = {s.name: s for s in document.segments}
        self.profile, self.session, self.store, self.members = profile, session, store, members
        self.now = now if now.tzinfo else now.replace(tzinfo=UTC)
        found = customer_id if customer_id is not None else read(profile, ("id",))
        self.customer_id = None if found is None else str(found)

    def member(self, name: str) -> bool:
        seg = self.segments[name]
        if seg.disabled or not self.in_window(seg):
            return False
        if seg.stores and self.store not in seg.stores:
            return False
        included = self.customer_id is not None and self.customer_id in seg.include_customers
        excluded = self.customer_id is not None and self.customer_id in seg.exclude_customers
        if self.members is not None and self.customer_id is not None:
            inc, exc = self.members.explicit(name, self.customer_id)
            included, excluded = included or inc, excluded or exc
        if excluded:
            return False
        if included:
            return True
        return (any(self.holds(b, self.profile) for b in seg.includes)
                and not any(self.holds(b, self.profile) for b in seg.excludes))

    def in_window(self, seg: n.Segment) -> bool:
        low = moment(seg.active_from) if seg.active_from is not None else None
        high = moment(seg.active_until) if seg.active_until is not None else None
        return (low is None or low <= self.now) and (high is None or self.now < high)

    def holds(self, node: n.Expr, row: object) -> bool:
        if isinstance(node, n.Compare):
            return compare_holds(node, self.value(node.left, row), self.now)
        if isinstance(node, n.AllOf):
            return all(self.holds(item, row) for item in node.items)
        if isinstance(node, n.AnyOf):
            return any(self.holds(item, row) for item in node.items)
        if isinstance(node, n.Not):
            return not self.holds(node.item, row)
        if isinstance(node, n.InSegment):
            return self.member(node.name)
        return isinstance(node, n.Everyone)

    def value(self, node: n.Operand, row: object) -> object:
        if isinstance(node, n.Attr):
            return read(self.session if node.root == "session" else row, node.names)
        if isinstance(node, n.TimeSince):
            start = moment(self.value(node.operand, row))
            if start is None:
                return None
            if node.unit == "days":
                return int((self.now - start) / dt.timedelta(days=1))
            return relativedelta(self.now.astimezone(UTC), start.astimezone(UTC)).years
        items = self.value(node.items, row)
        elements = [e for e in (items if is_list(items) else ())
                    if node.where is None or self.holds(node.where, e)]
        if node.func == "count":
            return len(elements)
        fields = [read(e, node.value_path) if node.value_path else e for e in elements]
        if node.func in ("sum", "avg"):
            numbers = [found for x in fields if (found := exact(x)) is not None]
            if node.func == "sum":
                return exact_sum(numbers)
            if not numbers:
                return None
            # The average is rounded to 28 significant digits, half-even.
            total = Fraction(exact_sum(numbers)) if all(
                not isinstance(x, Decimal) or x.is_finite() for x in numbers) else None
            if total is None:
                return exact_sum(numbers)
            return Context(prec=28).divide(Decimal(total.numerator),
                                           Decimal(total.denominator * len(numbers)))
        usable: list[Any] = []
        for x in fields:
            kind = "number" if is_number(x) else "date" if moment(x) is not None else None
            first = usable and ("number" if isinstance(usable[0], Decimal | Fraction) else "date")
            if kind is not None and (not usable or kind == first):
                usable.append(exact(x) if kind == "number" else moment(x))
        if any(isinstance(x, Decimal) and x.is_nan() for x in usable):
            return Decimal("NaN")  # NaN is not ordered: the extreme of a list with one is NaN
        pick = min if node.func == "min" else max
        return pick(usable) if usable else None


# --- customers for a document ---------------------------------------------------------------


def _paths(node: object) -> Iterator[tuple[str, ...]]:
    if isinstance(node, n.Attr):
        yield node.names
    elif isinstance(node, n.Aggregate):
        yield node.items.names
        if node.value_path:
            yield node.value_path
        if node.where is not None:
            yield from _paths(node.where)
    elif isinstance(node, n.TimeSince):
        yield from _paths(node.operand)
    elif isinstance(node, n.Compare):
        yield from _paths(node.left)
    elif isinstance(node, n.AllOf | n.AnyOf):
        for item in node.items:
            yield from _paths(item)
    elif isinstance(node, n.Not):
        yield from _paths(node.item)


def _literals(node: object) -> Iterator[object]:
    if isinstance(node, n.Compare):
        for value in node.values:
            if isinstance(value, n.String | n.Number | n.Boolean | n.Date | n.DateTime):
                yield value.value
            if isinstance(value, n.Date | n.DateTime):
                yield value.value.isoformat()
            if isinstance(value, n.Number):
                # The same number as data of other types: a float that prints as the literal,
                # a NumPy scalar, a Fraction.
                yield float(value.value)
                yield np.float64(value.value)
                yield Fraction(value.value)
        yield from _literals(node.left)
    elif isinstance(node, n.Aggregate) and node.where is not None:
        yield from _literals(node.where)
    elif isinstance(node, n.AllOf | n.AnyOf):
        for item in node.items:
            yield from _literals(item)
    elif isinstance(node, n.Not):
        yield from _literals(node.item)


_hostile_numbers = st.one_of(
    # Decimals within the 1,000 digits an exact sum may span.
    st.floats(), st.decimals(-10**20, 10**20, places=6),
    st.sampled_from([10**400, -(10**400), Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"),
                     Decimal("-Infinity"), Decimal("-0"), -0.0, Fraction(1, 3), 2**63,
                     Decimal("1E+300"), Decimal("-1E-300"), np.float32("nan"), np.bool_(True)]),
    st.integers(-10**6, 10**6).map(np.int64), st.floats(width=32).map(np.float32),
)
_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), _hostile_numbers,
    st.floats(allow_nan=False, width=32), st.decimals(-10**4, 10**4, places=2, allow_nan=False),
    st.text(max_size=6), st.sampled_from(["2026-01-31", "2026-01-31T09:00:00Z", "2020-02-29"]),
    st.dates(dt.date(1990, 1, 1), dt.date(2030, 1, 1)),
    st.datetimes(dt.datetime(1990, 1, 1), dt.datetime(2030, 1, 1),
                 timezones=st.sampled_from([UTC, dt.timezone(dt.timedelta(hours=-5))])),
    st.datetimes(dt.datetime(1990, 1, 1), dt.datetime(2030, 1, 1)),
)


@st.composite
def customers(draw: st.DrawFn, document: n.Document,
              extra: st.SearchStrategy[object] | None = None) -> dict[str, Any]:
    """``profile``, ``session``, ``customer_id``, ``store``, ``now``, ``members`` for a call,
    with values drawn from the document's own literals and paths so conditions do match, and
    from ``extra`` values when given."""
    blocks = [b for s in document.segments for b in (*s.includes, *s.excludes)]
    paths = sorted({p for b in blocks for p in _paths(b)})
    literals = [x for b in blocks for x in _literals(b)]
    scalars = _scalars if extra is None else st.one_of(_scalars, extra)
    leaf = st.one_of(scalars, st.sampled_from(literals)) if literals else scalars
    values = st.one_of(leaf, leaf, st.lists(leaf, max_size=3))

    def record(depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for path in paths:
            if not draw(st.booleans()):
                continue
            if depth == 0 and draw(st.integers(0, 3)) == 0:
                value: object = [record(1) for _ in range(draw(st.integers(0, 3)))]
            else:
                value = draw(values)
            target = out
            for name in path[:-1]:
                nxt = target.get(name)
                if not isinstance(nxt, dict):
                    nxt = target[name] = {}
                target = nxt
            target[path[-1]] = value
        return out

    ids = sorted({i for s in document.segments
                  for i in (*s.include_customers, *s.exclude_customers)})
    stores = sorted({x for s in document.segments for x in s.stores})
    profile = record(0)
    if ids and draw(st.booleans()):
        profile["id"] = draw(st.sampled_from(ids))
    flags = {(s.name, profile.get("id")): (draw(st.booleans()), draw(st.booleans()))
             for s in document.segments if draw(st.integers(0, 4)) == 0}
    return {
        "profile": None if draw(st.integers(0, 20)) == 0 else profile,
        "session": record(1),
        "store": draw(st.sampled_from([None, *stores])),
        "now": draw(st.datetimes(dt.datetime(1995, 1, 1), dt.datetime(2100, 1, 1),
                                 timezones=st.just(UTC))),
        "members": DictMembers(flags) if flags else None,
    }


class DictMembers:
    """The smallest membership store: ``{(segment, customer_id): (included, excluded)}``."""

    def __init__(self, flags: dict[tuple[str, object], tuple[bool, bool]] | None = None) -> None:
        self.flags = dict(flags or {})

    def explicit(self, segment: str, customer_id: str) -> tuple[bool, bool]:
        return self.flags.get((segment, customer_id), (False, False))
