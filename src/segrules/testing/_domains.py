"""Values for one attribute from the atoms it must meet: intervals, finite sets, text, lists.

Every strategy here is constructive first — numbers and dates from the interval the atoms leave,
strings built from the required prefix, substrings, suffix or regex, lists from the elements that
must be there — and then filtered by the atoms' own compiled tests (``runtime.predicate``), so a
value is never wrong and the filter rarely rejects. Numbers and dates are drawn as integer
offsets from the interval's bound (a boundary value is drawn outright a quarter of the time), so
Hypothesis shrinks a failure to the boundary: the ``>=`` that code wrote as ``>`` ends on 500.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

from dateutil.relativedelta import relativedelta
from hypothesis import strategies as st

from .. import nodes as n
from ..runtime import ErrorCounter, aware, predicate, time_since
from ._plan import Atom
from ._regex import python_pattern
from ._usage import Usage, decimal_places

__all__ = ["ABSENT", "MISSING", "Conflict", "bounded", "consistent", "instant_seconds",
           "integers", "interval", "places_of", "value_strategy", "value_test"]

UTC = dt.UTC
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
_DAY = 86_400
# The instants a datetime can hold, a day inside each end (seconds since the epoch).
FIRST = int((dt.datetime(1, 1, 2, tzinfo=UTC) - _EPOCH).total_seconds())
LAST = int((dt.datetime(9999, 12, 30, tzinfo=UTC) - _EPOCH).total_seconds())
_FILLER = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=6)


class _Missing:
    """An attribute left out of the profile altogether."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
#: A missing attribute: left out, or ``None`` (the language treats both alike).
ABSENT: st.SearchStrategy[Any] = st.sampled_from([MISSING, None])


class Conflict(Exception):
    """The atoms of one slot contradict each other."""


# --- the atoms' own tests ----------------------------------------------------------------------


def value_test(atom: Atom, now: dt.datetime | None, errors: ErrorCounter
               ) -> Callable[[Any], bool]:
    """Whether a generated value (``MISSING`` for absent) meets ``atom`` (not aggregates)."""
    if atom.op == "exists":
        if atom.want:
            return lambda v: v is not MISSING and v is not None
        return lambda v: v is MISSING or v is None
    moment = now or dt.datetime(2026, 1, 1, tzinfo=UTC)
    test = predicate(atom.op, atom.values, negated=not atom.want,
                     ignore_case=atom.ignore_case, errors=errors)
    if atom.since is not None:
        since = time_since(atom.since, errors)
        return lambda v: v is not MISSING and test(since(v, moment))
    if atom.op in ("within_last", "more_than_ago"):
        return lambda v: v is not MISSING and test(v, moment)
    return lambda v: v is not MISSING and test(v)


# --- consistency, cheap: what the walk checks before going deeper ------------------------------


def consistent(atoms: tuple[Atom, ...], now: dt.datetime | None) -> bool:
    """Whether one slot's atoms may hold together (False only when they surely cannot)."""
    plain = [a for a in atoms if a.aggregate is None]
    present = [a for a in plain if not (a.op == "exists" and not a.want)]
    if len(present) < len(plain) and present:
        return False
    try:
        direct = [a for a in plain if a.since is None]
        interval(direct, None)
        _allowed(direct)
        if now is not None:
            low, high = interval(direct, now, instant_seconds)
            for a in plain:
                if a.since is not None and a.want:
                    low, high = _since_bounds(a, now, low, high)
            _nonempty(low, high)
        _aggregate_counts([a for a in atoms if a.aggregate is not None])
    except Conflict:
        return False
    return True


def _nonempty(low: Bound, high: Bound) -> None:
    if low is not None and high is not None and (
            low[0] > high[0] or (low[0] == high[0] and (low[1] or high[1]))):
        raise Conflict


def _aggregate_counts(atoms: list[Atom]) -> None:
    """Each aggregate (same function, field and ``where``) within one interval, and never
    both missing and compared."""
    groups: dict[Any, list[Atom]] = {}
    for a in atoms:
        assert a.aggregate is not None
        key = (a.aggregate.func, a.aggregate.value_path, a.aggregate.where)
        groups.setdefault(key, []).append(a)
    for group in groups.values():
        compared = [a for a in group if a.op != "exists"]
        if compared and len(compared) < len(group):
            raise Conflict
        interval(compared, None)


# --- intervals ---------------------------------------------------------------------------------

Bound = tuple[Fraction, bool] | None  # (value, open)


def _number(value: n.Value) -> Fraction | None:
    if isinstance(value, n.Number) and not (isinstance(value.value, Decimal)
                                             and not value.value.is_finite()):
        return Fraction(value.value)
    return None


def instant_seconds(value: n.Value) -> Fraction | None:
    if isinstance(value, n.Date | n.DateTime):
        return Fraction(int((aware(value.value) - _EPOCH).total_seconds()))
    return None


def interval(atoms: Sequence[Atom], now: dt.datetime | None,
              read: Callable[[n.Value], Fraction | None] = _number) -> tuple[Bound, Bound]:
    """The interval the ordering atoms leave (after ``_plan`` turned failures into holdings)."""
    low: Bound = None
    high: Bound = None

    def raise_low(value: Fraction, is_open: bool) -> None:
        nonlocal low
        if low is None or value > low[0] or (value == low[0] and is_open):
            low = (value, is_open)

    def cut_high(value: Fraction, is_open: bool) -> None:
        nonlocal high
        if high is None or value < high[0] or (value == high[0] and is_open):
            high = (value, is_open)

    for a in atoms:
        if not a.want:
            continue
        if a.op in ("gt", "ge", "lt", "le", "eq") and a.values:
            x = read(a.values[0])
            if x is None:
                continue
            if a.op in ("gt", "ge", "eq"):
                raise_low(x, a.op == "gt")
            if a.op in ("lt", "le", "eq"):
                cut_high(x, a.op == "lt")
        elif a.op == "between":
            lo, hi = read(a.values[0]), read(a.values[1])
            if lo is not None and hi is not None:
                raise_low(lo, False)
                cut_high(hi, False)
        elif a.op in ("within_last", "more_than_ago") and now is not None:
            duration = a.values[0]
            assert isinstance(duration, n.Duration)
            start = Fraction(back(now, shift(duration)))
            end = Fraction(int((now - _EPOCH).total_seconds()))
            if a.op == "within_last":
                raise_low(start, False)
                cut_high(end, False)
            else:
                cut_high(start, True)
    _nonempty(low, high)
    return low, high


def back(now: dt.datetime, gone: dt.timedelta | relativedelta) -> int:
    """Seconds since the epoch of ``now - gone``, clamped to what a datetime can hold."""
    try:
        return max(FIRST, min(LAST, int((now - gone - _EPOCH).total_seconds())))
    except (OverflowError, ValueError):
        positive = (gone > dt.timedelta(0) if isinstance(gone, dt.timedelta)
                    else (gone.years, gone.months) > (0, 0))
        return FIRST if positive else LAST


def shift(duration: n.Duration) -> dt.timedelta | relativedelta:
    if duration.unit == "months":
        return relativedelta(months=duration.amount)
    if duration.unit == "years":
        return relativedelta(years=duration.amount)
    return dt.timedelta(**{duration.unit: duration.amount})


def _allowed(atoms: Sequence[Atom]) -> tuple[set[Any] | None, set[Any]]:
    """The literal values an ``is``/``is one of`` leaves, and those excluded (as written)."""
    allowed: set[Any] | None = None
    excluded: set[Any] = set()
    for a in atoms:
        if a.op not in ("eq", "in"):
            continue
        values = {_key(v, a.ignore_case) for v in a.values}
        if a.want:
            allowed = values if allowed is None else allowed & values
        else:
            excluded |= values
    if allowed is not None and not (allowed - excluded):
        raise Conflict
    return allowed, excluded


def _key(value: n.Value, ignore_case: bool) -> Any:
    if isinstance(value, n.String):
        from ..text import folding
        return ("s", folding(ignore_case)(value.value))
    if isinstance(value, n.Number):
        return ("n", Fraction(value.value) if not isinstance(value.value, Decimal)
                or value.value.is_finite() else str(value.value))
    if isinstance(value, n.Date | n.DateTime):
        return ("d", aware(value.value))
    return (type(value).__name__, getattr(value, "value", None))


@functools.lru_cache(maxsize=4096)
def integers(low: int, high: int) -> st.SearchStrategy[int]:
    """``st.integers(low, high)``, built once: building a strategy costs more than a draw."""
    return st.integers(low, high)


@functools.lru_cache(maxsize=4096)
def bounded(low: int, high: int, *, toward_high: bool = False) -> st.SearchStrategy[int]:
    """An integer in ``[low, high]`` that shrinks to the bound that matters: each bound is
    drawn outright a quarter of the time, and otherwise an offset from the first."""
    anchor, other = (high, low) if toward_high else (low, high)
    step = -1 if toward_high else 1
    span = abs(high - low)

    @st.composite
    def draw(draw: st.DrawFn) -> int:
        mode = draw(integers(0, 3))
        if mode == 0 or span == 0:
            return anchor
        if mode == 1:
            return other
        return anchor + step * draw(integers(0, span))
    return draw()


def _units(low: Bound, high: Bound, scale: int, width: Fraction) -> tuple[int, int, bool]:
    """The interval as whole units of ``1/scale``; unbounded sides get ``width``."""
    def up(bound: tuple[Fraction, bool]) -> int:
        x = bound[0] * scale
        k = math.ceil(x)
        return k + 1 if bound[1] and k == x else k

    def down(bound: tuple[Fraction, bool]) -> int:
        x = bound[0] * scale
        k = math.floor(x)
        return k - 1 if bound[1] and k == x else k

    w = math.ceil(width * scale)
    if low is not None and high is not None:
        lo, hi = up(low), down(high)
        toward_high = False
    elif low is not None:
        lo = up(low)
        hi, toward_high = lo + w, False
    elif high is not None:
        hi = down(high)
        lo, toward_high = hi - w, True
    else:
        lo, hi, toward_high = 0, w, False
    if lo > hi:
        raise Conflict
    return lo, hi, toward_high


# --- one strategy per kind ---------------------------------------------------------------------


def value_strategy(atoms: tuple[Atom, ...], usage: Usage, now: dt.datetime | None,
                   errors: ErrorCounter) -> st.SearchStrategy[Any]:
    """Values meeting every (non-aggregate) atom of one slot, of the kind the book reads."""
    if any(a.op == "exists" and not a.want for a in atoms):
        return ABSENT
    kind = _kind(atoms, usage)
    core: st.SearchStrategy[Any]
    if kind == "list":
        core = _list(atoms, usage)
    elif kind == "date":
        core = _date(atoms, usage, now)
    elif kind == "number":
        core = _numbers(atoms, usage)
    elif kind == "bool":
        core = _bools(atoms)
    else:
        core = _text(atoms, usage)
    tests = [value_test(a, now, errors) for a in atoms]
    return core.filter(lambda v: all(t(v) for t in tests))


def _kind(atoms: Sequence[Atom], usage: Usage) -> str:
    if usage.is_list and not usage.records:
        return "list"
    if any(a.since or a.op in ("within_last", "more_than_ago") for a in atoms):
        return "date"
    for a in atoms:
        if a.want and a.op in ("starts_with", "ends_with", "matches"):
            return "string"
        for v in a.values:
            if isinstance(v, n.Date | n.DateTime):
                return "date"
            if isinstance(v, n.Number):
                return "number"
            if isinstance(v, n.Boolean):
                return "bool"
            if isinstance(v, n.String | n.Regex):
                return "string"
    return usage.kind()


def _numbers(atoms: Sequence[Atom], usage: Usage) -> st.SearchStrategy[Any]:
    low, high = interval(atoms, None)
    allowed, excluded = _allowed(atoms)
    if allowed is not None:
        choices = sorted((v for k, v in allowed - excluded if k == "n"), key=float)
        return st.sampled_from([_plain(x) for x in choices]) if choices else st.nothing()
    places = max([usage.decimals, *(places_of(a) for a in atoms)])
    scale = 10 ** min(places, 6)
    reach = max([Fraction(100), *(abs(Fraction(x)) for x in usage.numbers
                                  if not isinstance(x, Decimal) or x.is_finite())])
    lo, hi, toward_high = _units(low, high, scale, reach)
    return bounded(lo, hi, toward_high=toward_high).map(
        (lambda u: u) if scale == 1 else (lambda u: u / scale))


def places_of(atom: Atom) -> int:
    """The most decimal places among the atom's number literals."""
    return max([0, *(decimal_places(v.value) for v in atom.values if isinstance(v, n.Number))])


def _plain(x: Fraction) -> int | float:
    return int(x) if x.denominator == 1 else float(x)


def _date(atoms: Sequence[Atom], usage: Usage, now: dt.datetime | None
          ) -> st.SearchStrategy[Any]:
    moment = now or dt.datetime(2026, 1, 1, tzinfo=UTC)
    plain = [a for a in atoms if a.since is None]
    low, high = interval(plain, moment, instant_seconds)
    for a in atoms:
        if a.since is not None and a.want:
            low, high = _since_bounds(a, moment, low, high)
    day = not usage.timed
    scale = Fraction(1, _DAY) if day else Fraction(1)
    width = Fraction(40 * 365 * _DAY if day else 3 * 365 * _DAY)
    if low is None and high is None:
        high = (Fraction(int((moment - _EPOCH).total_seconds())), False)
    lo, hi, toward_high = _units(_scaled(low, scale), _scaled(high, scale), 1, width * scale)
    lo, hi = max(lo, math.ceil(FIRST * scale)), min(hi, math.floor(LAST * scale))
    if lo > hi:
        raise Conflict
    if day:
        return bounded(lo, hi, toward_high=toward_high).map(
            lambda d: dt.date(1970, 1, 1) + dt.timedelta(days=d))
    return bounded(lo, hi, toward_high=toward_high).map(
        lambda s: _EPOCH + dt.timedelta(seconds=s))


def _scaled(bound: Bound, scale: Fraction) -> Bound:
    return None if bound is None else (bound[0] * scale, bound[1])


def _since_bounds(a: Atom, now: dt.datetime, low: Bound, high: Bound) -> tuple[Bound, Bound]:
    """``years_since(x) OP v`` as an interval of ``x``: whole units back from now."""
    numbers = [x for x in map(_number, a.values) if x is not None]
    if not numbers:
        return low, high
    least: int | None = None
    most: int | None = None
    if a.op in ("gt", "ge", "eq", "between", "in"):
        first = min(numbers)
        least = math.floor(first) + 1 if a.op == "gt" else math.ceil(first)
    if a.op in ("lt", "le", "eq", "between", "in"):
        last = max(numbers)
        most = math.ceil(last) - 1 if a.op == "lt" else math.floor(last)

    def back_by(k: int) -> Fraction:
        try:
            gone = relativedelta(years=k) if a.since == "years" else dt.timedelta(days=k)
        except (OverflowError, ValueError):
            return Fraction(FIRST if k > 0 else LAST)
        return Fraction(back(now, gone))

    if least is not None and least >= 0:
        cut = back_by(least)
        if high is None or cut < high[0]:
            high = (cut, False)
    if most is not None:
        floor = back_by(most + 1)
        if low is None or floor >= low[0]:
            low = (floor, True)
    return low, high


def _bools(atoms: Sequence[Atom]) -> st.SearchStrategy[Any]:
    allowed, excluded = _allowed(atoms)
    values = [b for b in (False, True)
              if (allowed is None or ("Boolean", b) in allowed) and ("Boolean", b) not in excluded]
    return st.sampled_from(values) if values else st.nothing()


def _cased(text: str, ignore_case: bool) -> st.SearchStrategy[str]:
    """The literal as written, or in another case when the condition ignores case."""
    if not ignore_case:
        return st.just(text)
    return st.sampled_from([text, text.upper(), text.lower(), text.swapcase()])


def _text(atoms: Sequence[Atom], usage: Usage) -> st.SearchStrategy[Any]:
    if any(a.op == "empty" and a.want for a in atoms):
        return st.just("")
    equal = [a for a in atoms if a.op in ("eq", "in") and a.want]
    if equal:
        strings = [(v.value, a.ignore_case) for a in equal for v in a.values
                   if isinstance(v, n.String)]
        return st.sampled_from(strings).flatmap(lambda pair: _cased(*pair))
    regex = next((a for a in atoms if a.op == "matches" and a.want), None)
    if regex is not None:
        value = regex.values[0]
        source = value.pattern if isinstance(value, n.Regex) else getattr(value, "value", "")
        pattern = python_pattern(source)
        if pattern is not None:
            import re
            flags = re.IGNORECASE if regex.ignore_case else 0
            return st.from_regex(re.compile(pattern, flags),
                                 alphabet=st.characters(codec="utf-8",
                                                        exclude_categories=("Cs", "Co")))
    pieces: dict[str, list[st.SearchStrategy[str]]] = {"start": [], "middle": [], "end": []}
    for a in atoms:
        if not a.want or not a.values or not isinstance(a.values[0], n.String):
            continue
        place = {"starts_with": "start", "ends_with": "end",
                 "contains_any": "middle", "contains_all": "middle"}.get(a.op)
        if place is not None:
            pieces[place] += [_cased(v.value, a.ignore_case) for v in a.values
                              if isinstance(v, n.String)]
    if not any(pieces.values()):
        vocabulary = [s for s in usage.strings if s]
        if vocabulary:
            return st.one_of(st.sampled_from(vocabulary), _FILLER)
        return _FILLER
    parts = [*pieces["start"], _FILLER, *pieces["middle"], _FILLER, *pieces["end"]]
    return st.tuples(*parts).map("".join)


def _list(atoms: Sequence[Atom], usage: Usage) -> st.SearchStrategy[Any]:
    if any(a.op == "empty" and a.want for a in atoms):
        return st.just([])
    required: list[st.SearchStrategy[Any]] = []
    forbidden: set[Any] = set()
    for a in atoms:
        if a.op in ("contains_any", "contains_all", "eq", "in") and a.values:
            if a.want:
                chosen = a.values if a.op == "contains_all" else a.values[:1]
                required += [_element(v, a.ignore_case) for v in chosen]
            else:
                forbidden |= {_key(v, a.ignore_case) for v in a.values}
    vocabulary = [s for s in usage.strings if ("s", s) not in forbidden]
    extra = st.one_of(st.sampled_from(vocabulary), _FILLER) if vocabulary else _FILLER
    nonempty = any(a.op == "empty" and not a.want for a in atoms)
    minimum = 1 if nonempty and not required else 0
    return st.tuples(st.tuples(*required), st.lists(extra, min_size=minimum, max_size=3)).map(
        lambda pair: [*pair[1], *pair[0]]).flatmap(st.permutations)


def _element(value: n.Value, ignore_case: bool) -> st.SearchStrategy[Any]:
    if isinstance(value, n.String):
        return _cased(value.value, ignore_case)
    if isinstance(value, n.Number):
        return st.just(_plain(Fraction(value.value)))
    return st.just(getattr(value, "value", None))
