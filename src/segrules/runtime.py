"""The semantics generated code calls: one predicate builder per operator, all two-valued.

``codegen`` turns each condition into a call of a predicate built here once, at load, from the
operator, its literal values and ``ignoring case``: the literals are converted then (decimals to
exact and float forms, dates to UTC instants, strings to the form they compare in, regexes
compiled), so a call only looks at the data. Every predicate applies the two-valued rule
(docs/language.md) in one place: a missing value (absent, ``None``, a callable or a one-shot
iterator) fails every test but ``does not exist``; a list-valued attribute (``lists.is_list``)
matches when any element does, except for the operators the table marks ``whole_value``; types
never coerce; strings compare in NFC, caseless with ``ignoring case`` (``text``); and nothing
raises — an exception while comparing makes the condition false and is counted on the book's
``ErrorCounter``, so a storefront never fails a page because of one odd profile.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import operator
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

from dateutil.parser import isoparse
from dateutil.relativedelta import relativedelta

from . import nodes as n
from . import numeric
from .lists import DATA_TYPES, LIST_TYPES, is_list, is_missing
from .operators import OPERATORS
from .regex import compile_pattern
from .text import folding, nfc, normal, plain_ascii

UTC = dt.UTC
_DAY = dt.timedelta(days=1)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)

Test = Callable[[Any], bool]
Predicate = Callable[..., bool]


class ErrorCounter:
    """How many conditions an odd profile made fail: the book's ``evaluation_errors``."""

    __slots__ = ("_count", "_lock")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0

    def add(self) -> bool:
        """Count one failure; returns False, the value the failing condition takes."""
        with self._lock:
            self._count += 1
        return False

    @property
    def value(self) -> int:
        return self._count


def utcnow() -> dt.datetime:
    return dt.datetime.now(UTC)


def moment_at(ns: int) -> dt.datetime:
    """The instant ``time.time_ns()`` read as ``ns``, floored to the microsecond: what
    ``datetime.now(UTC)`` gives for the same reading of the same clock."""
    return _EPOCH + dt.timedelta(microseconds=ns // 1000)


# A `within last` condition with no `now` given tests its datum against bounds kept for one
# second of the clock (`recent_bounds`): a clock reading and two comparisons instead of an aware
# `now`, a subtraction and two comparisons. Only a datum within a second of an edge needs the
# exact `now`. The layout, for a fixed length L and the readings [first, until) whose instants
# lie in [start, end]: (first, until, end - L, start, start - L, end).
BOUNDS_SPAN_NS = 1_000_000_000
NO_BOUNDS: tuple[Any, ...] = (0, 0, None, None, None, None)  # no reading is in it


def recent_bounds(cell: list[tuple[Any, ...]], ns: int, length: dt.timedelta) -> dt.datetime:
    """The instant of the reading ``ns``, after keeping in ``cell[0]`` the bounds of
    ``within last length`` for the next second of readings (layout above). One tuple is
    stored at once, so a thread reading ``cell[0]`` never sees half of it.

    A clock that goes back (a time-server correction) only misses the bounds, and a caller
    then comes here again. Near year 1, where ``start - length`` does not exist, nothing is
    kept, and the caller's exact test decides every reading.
    """
    now = moment_at(ns)
    until = ns + BOUNDS_SPAN_NS
    end = moment_at(until)
    with contextlib.suppress(OverflowError):
        cell[0] = (ns, until, end - length, now, now - length, end)
    return now


def aware(moment: dt.date) -> dt.datetime:
    """A date as its midnight UTC, a naive datetime as UTC: the one way instants compare."""
    if isinstance(moment, dt.datetime):
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return dt.datetime(moment.year, moment.month, moment.day, tzinfo=UTC)


def timestamp(moment: dt.date) -> float:
    """Seconds since the epoch, for the window check of a call that gave no ``now``."""
    return (aware(moment) - _EPOCH).total_seconds()


@functools.lru_cache(maxsize=8192)
def _parse(text: str) -> dt.datetime | None:
    # Only a full calendar date (YYYY-MM-DD…) is a date: isoparse would also read "2026" or
    # "1234" as a year, and a marketer comparing dates never means that.
    if len(text) < 10 or text[4] != "-" or text[7] != "-":
        return None
    try:
        return aware(isoparse(text))
    except (ValueError, OverflowError):
        return None


def instant(value: object) -> dt.datetime | None:
    """A date, datetime or ISO-8601 string as an aware datetime; anything else is None."""
    if isinstance(value, dt.date):
        return aware(value)
    if isinstance(value, str):
        return _parse(value)
    return None


# --- element tests: one present, non-list value against the literals -------------------------


class _Equal:
    """Equality to any of the literals, as a set lookup per data type (``eq`` and ``in``).

    Numbers are equal as written (``numeric``): a float datum equals a literal it prints as
    (data 0.1 is literal 0.1), any other number equals it exactly, NaN equals nothing; a bool
    (or a NumPy bool) equals only a bool; a date literal also matches an ISO string datum.
    """

    def __init__(self, values: Sequence[n.Value], ignore_case: bool) -> None:
        self.fold = folding(ignore_case)
        self.strings = frozenset(self.fold(v.value) for v in values if isinstance(v, n.String))
        numbers = [v.value for v in values if isinstance(v, n.Number)]
        self.exact = frozenset(x for x in numbers if not numeric.is_nan(x))
        self.floats = numeric.equal_floats(numbers)
        self.bools = frozenset(v.value for v in values if isinstance(v, n.Boolean))
        self.instants = frozenset(aware(v.value) for v in values
                                  if isinstance(v, n.Date | n.DateTime))

    def __call__(self, x: object) -> bool:
        if isinstance(x, str):
            if self.fold(x) in self.strings:
                return True
            return bool(self.instants) and _parse(x) in self.instants
        if isinstance(x, bool):
            return x in self.bools
        kind = type(x)
        if (flag := numeric.boolean(x)) is not None:
            return flag in self.bools
        if kind is float:
            return x in self.floats
        if kind is int:
            return x in self.exact
        if isinstance(x, dt.date):
            return aware(x) in self.instants
        number = numeric.plain(x)
        if number is None or numeric.is_nan(number):
            return False
        return number in (self.floats if type(number) is float else self.exact)


def _bound(compare: Callable[[Any, Any], bool], value: n.Value, ignore_case: bool) -> Test:
    """``x OP literal`` for one ordering operator, false across types."""
    if isinstance(value, n.Number):
        return numeric.ordering(compare, value.value)
    if isinstance(value, n.String):
        fold = folding(ignore_case)
        literal = fold(value.value)
        return lambda x: isinstance(x, str) and compare(fold(x), literal)
    if isinstance(value, n.Date | n.DateTime):
        moment = aware(value.value)

        def date(x: object) -> bool:
            found = instant(x)
            return found is not None and compare(found, moment)
        return date
    return lambda x: False


def _affix(method: Callable[[str, str], bool], values: Sequence[n.Value], ignore_case: bool
           ) -> Test:
    fold = folding(ignore_case)
    literals = [fold(v.value) for v in values if isinstance(v, n.String)]
    if len(literals) != len(values) or not literals:
        return lambda x: False
    literal = literals[0]
    return lambda x: isinstance(x, str) and method(fold(x), literal)


def _matches(values: Sequence[n.Value], ignore_case: bool) -> Test:
    value = values[0]
    pattern = value.pattern if isinstance(value, n.Regex) else getattr(value, "value", "")
    search = compile_pattern(pattern, ignore_case).search
    fold = folding(ignore_case)
    return lambda x: isinstance(x, str) and search(fold(x)) is not None


def _contains(values: Sequence[n.Value], ignore_case: bool, every: bool) -> Test:
    """``contains any/all of``: substrings of a string, elements of a list (whole value)."""
    fold = folding(ignore_case)
    parts = [fold(v.value) for v in values if isinstance(v, n.String)]
    equals = [_Equal((v,), ignore_case) for v in values]
    combine = all if every else any

    def test(x: Any) -> bool:
        if isinstance(x, str):
            text = fold(x)
            # A number literal is never inside a string: types do not coerce.
            if every and len(parts) != len(values):
                return False
            return combine(part in text for part in parts)
        if type(x) in LIST_TYPES or is_list(x):
            return combine(any(equal(item) for item in x) for equal in equals)
        return False
    return test


def _empty(x: object) -> bool:
    # A mapping with no keys is empty too: `preferences is empty` on {} means what it says.
    return (isinstance(x, str | Mapping) or is_list(x)) and len(x) == 0


_ORDERING = {"gt": operator.gt, "ge": operator.ge, "lt": operator.lt, "le": operator.le}


def element_test(op: str, values: Sequence[n.Value], ignore_case: bool) -> Test:
    """The test of one present value for ``op`` (not the duration operators)."""
    if op in ("eq", "in"):
        return _Equal(values, ignore_case)
    if op in _ORDERING:
        return _bound(_ORDERING[op], values[0], ignore_case)
    if op == "between":
        low = _bound(operator.ge, values[0], ignore_case)
        high = _bound(operator.le, values[1], ignore_case)
        return lambda x: low(x) and high(x)
    if op == "starts_with":
        return _affix(str.startswith, values, ignore_case)
    if op == "ends_with":
        return _affix(str.endswith, values, ignore_case)
    if op == "matches":
        return _matches(values, ignore_case)
    if op in ("contains_any", "contains_all"):
        return _contains(values, ignore_case, every=op == "contains_all")
    if op == "exists":
        return lambda x: True
    if op == "empty":
        return _empty
    raise ValueError(f"no runtime test for operator {op!r}")


# --- predicates: the missing rule, lists, negation and error counting, once -----------------


def predicate(op: str, values: Sequence[n.Value], *, negated: bool, ignore_case: bool,
              errors: ErrorCounter) -> Predicate:
    """The compiled condition ``value OP literals`` (``(value, now)`` for duration operators).

    A negated operator holds when the value is present and the positive one fails; only
    ``does not exist`` holds on a missing value.
    """
    if OPERATORS[op].arity == "duration":
        return _duration(op, values[0], negated, errors)
    test = element_test(op, values, ignore_case)
    whole = OPERATORS[op].whole_value
    if op == "exists" and negated:
        return lambda v: type(v) not in DATA_TYPES and is_missing(v)

    def check(v: Any) -> bool:
        try:
            kind = type(v)
            if kind in DATA_TYPES:
                listed = kind in LIST_TYPES
            elif is_missing(v):
                return False
            else:
                listed = is_list(v)
            if listed and not whole:
                return any(test(x) for x in v) != negated
            return test(v) != negated
        except Exception:
            return errors.add()
    return check


def duration_shift(duration: n.Duration) -> dt.timedelta | relativedelta:
    """How far back ``N UNIT`` reaches from now: a fixed length, or calendar months or years
    (a ``relativedelta``: "within last 1 month" on March 31 reaches Feb 28)."""
    if duration.unit == "months":
        return relativedelta(months=duration.amount)
    if duration.unit == "years":
        return relativedelta(years=duration.amount)
    return dt.timedelta(**{duration.unit: duration.amount})


def _duration(op: str, duration: n.Value, negated: bool, errors: ErrorCounter) -> Predicate:
    assert isinstance(duration, n.Duration)
    shift = duration_shift(duration)
    within = op == "within_last"

    def check(v: Any, now: dt.datetime) -> bool:
        try:
            kind = type(v)
            if kind is dt.datetime and type(v.tzinfo) is dt.timezone:
                # The usual datum, an aware datetime with a fixed offset, is its own instant.
                start = now - shift
                return bool(start <= v <= now if within else v < start) != negated
            if kind in DATA_TYPES:
                listed = kind in LIST_TYPES
            elif is_missing(v):
                return False
            else:
                listed = is_list(v)
            start = now - shift
            items = v if listed else (v,)
            for item in items:
                moment = instant(item)
                if moment is not None and (start <= moment <= now if within else moment < start):
                    return not negated
            return negated
        except Exception:
            return errors.add()
    return check


# --- computed operands ------------------------------------------------------------------------


def time_since(unit: str, errors: ErrorCounter) -> Callable[[object, dt.datetime], int | None]:
    """``years_since`` / ``days_since``: whole elapsed units, missing when not a date."""

    def since(v: object, now: dt.datetime) -> int | None:
        try:
            start = instant(v)
            if start is None:
                return None
            if unit == "days":
                delta = now - start
                return delta.days if delta >= dt.timedelta(0) else -(-delta).days
            return _whole_years(start, now)
        except Exception:
            errors.add()
            return None
    return since


def _whole_years(start: dt.datetime, end: dt.datetime) -> int:
    if end < start:
        return -_whole_years(end, start)
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    years = end.year - start.year
    # A birthday not yet reached this year does not count (Feb 29 counts from March 1).
    if (end.month, end.day, end.time()) < (start.month, start.day, start.time()):
        years -= 1
    return years


def _extreme(pick: Callable[..., Any]) -> Callable[[Iterable[object]], object]:
    def reduce(values: Iterable[object]) -> object:
        # Numbers or dates, of the kind of the first usable element; the other kind is skipped.
        kind: str | None = None
        usable: list[Any] = []
        for x in values:
            if (number := numeric.plain(x)) is not None:
                if kind in (None, "number"):
                    kind = "number"
                    usable.append(number)
            elif (moment := instant(x)) is not None and kind in (None, "date"):
                kind = "date"
                usable.append(moment)
        if kind != "number":
            return pick(usable) if usable else None
        # NaN is not ordered, so the smallest of a list holding one is NaN too.
        nan = next((x for x in usable if numeric.is_nan(x)), None)
        if nan is not None:
            return nan
        # One number type orders as written already (a float's digits order as its value);
        # mixed types are ordered by their written values.
        if len({type(x) for x in usable}) == 1:
            return pick(usable)
        return pick(usable, key=numeric.written)
    return reduce


REDUCERS: dict[str, Callable[[Iterable[object]], object]] = {
    "sum": numeric.total, "avg": numeric.mean, "min": _extreme(min), "max": _extreme(max),
}


def aggregate(func: str, read: Callable[[object], object] | None, errors: ErrorCounter
              ) -> Callable[[object, Test | None], object]:
    """``count``/``sum``/``avg``/``min``/``max`` over a list, ``where`` applied per element.

    ``read`` gets the field of each element (None: the elements themselves). A value that is
    not a list has no elements: count 0, sum 0, the others missing.
    """
    reducer = REDUCERS.get(func)

    def run(items: Any, where: Test | None) -> object:
        try:
            elements = items if type(items) in LIST_TYPES or is_list(items) else ()
            chosen = [x for x in elements if where is None or where(x)]
            if reducer is None:
                return len(chosen)
            return reducer([read(x) for x in chosen] if read is not None else chosen)
        except Exception:
            errors.add()
            return None
    return run


def strings_in_list(op: str, values: Sequence[n.Value], *, negated: bool,
                    fallback: Predicate) -> Predicate:
    """``contains any/all of`` strings for an exact ``list`` datum, one loop and no generator.

    Only a list of exact strings is decided here; at the first element of any other class the
    compiled ``fallback`` predicate (the same condition) decides the whole value, so both paths
    share one meaning. The literals must all be strings.
    """
    assert op in ("contains_any", "contains_all") and values
    wanted = frozenset(normal(v.value) for v in values if isinstance(v, n.String))
    every = op == "contains_all"
    if not every and all(map(plain_ascii, wanted)):
        # Literals no other text normalises to are met only by themselves: no NFC of data.
        def any_plain(items: list[Any]) -> bool:
            for x in items:
                if type(x) is not str:
                    return fallback(items)
                if x in wanted:
                    return not negated
            return negated
        return any_plain

    def test(items: list[Any]) -> bool:
        found: set[str] | None = set() if every else None
        for x in items:
            if type(x) is not str:
                return fallback(items)
            if not x.isascii():
                x = nfc(x)
            if x in wanted:
                if found is None:
                    return not negated
                found.add(x)
        if found is None:
            return negated
        return (len(found) == len(wanted)) != negated
    return test


def explicit(members: Any, segment: str, customer_id: object, errors: ErrorCounter
             ) -> tuple[bool, bool]:
    """A membership store's ``(included, excluded)``; a store that fails lists nobody.

    Only a string is an id to ask about: None (no id) and ``adapters.NO_ID`` list nobody.
    """
    if type(customer_id) is not str:
        return False, False
    try:
        included, excluded = members.explicit(segment, customer_id)
        return bool(included), bool(excluded)
    except Exception:
        errors.add()
        return False, False


class Referenced(Protocol):
    """A compiled segment as ``in segment`` sees it: its name, its generated function, and the
    segments it references directly."""

    @property
    def name(self) -> str: ...

    @property
    def function(self) -> Callable[..., bool]: ...

    @property
    def references(self) -> Sequence[Referenced]: ...


def reference(memo: dict[Any, Any], target: Referenced, errors: ErrorCounter,
              *args: object) -> bool:
    """``in segment NAME`` through the per-evaluation memo: each segment evaluated once."""
    name = target.name
    found: bool | None = memo.get(name)
    if found is not None:
        return found
    if target.references:
        settle(memo, target, args, errors)
        return bool(memo[name])
    # A segment that references none (the usual case) is evaluated right here.
    try:
        found = memo[name] = target.function(*args, memo)
    except Exception:
        found = memo[name] = errors.add()
    return bool(found)


def settle(memo: dict[Any, Any], root: Referenced, args: tuple[object, ...],
           errors: ErrorCounter) -> None:
    """Evaluate ``root`` and every segment below it that ``memo`` lacks, into ``memo``.

    An explicit stack, dependencies first: when a generated function runs, each segment it
    references is already in the memo, so however long a chain of references is, the Python
    stack stays a few frames deep (a caller deep in its own recursion must get the same
    answer). A segment whose evaluation raises is not a member, and the failure is counted.
    """
    stack = [(root, iter(root.references))]
    while stack:
        target, pending = stack[-1]
        for below in pending:
            if below.name not in memo:
                stack.append((below, iter(below.references)))
                break
        else:
            stack.pop()
            if target.name not in memo:
                try:
                    memo[target.name] = target.function(*args, memo)
                except Exception:
                    memo[target.name] = errors.add()
