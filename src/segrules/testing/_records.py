"""Lists of records that aggregates read: how many, what they hold, and the noise around them.

The aggregate atoms of one list are grouped by their ``where``. Each group gets a number of
records drawn from the interval its ``count`` atoms leave, each record built to satisfy the
``where`` (a nested walk, ``_plan``), and the aggregated field filled so ``sum``/``avg`` reach
their bound: a total is drawn from the sum's interval (or the average's times the count) and
split over the records, ``min``/``max`` bound every record or place one record on the bound.
Noise records that the ``where`` rejects are added with a value in the same field, so code that
forgets the ``where`` is caught. Money is drawn in whole cents (or finer, when the literals have
more places) and handed out as floats whose shortest text is exact, so totals meet the bound
exactly under the language's exact-decimal rule.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from hypothesis import strategies as st

from .. import nodes as n
from ._domains import (
    ABSENT,
    FIRST,
    LAST,
    MISSING,
    Conflict,
    bounded,
    instant_seconds,
    integers,
    interval,
    places_of,
)
from ._plan import Atom, NoPath, Slot
from ._usage import Usage, record_slot

__all__ = ["draw_records"]

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
#: Draws one record meeting each ``where`` with its polarity; ``NoPath`` when none can.
RecordDraw = Callable[[st.DrawFn, list[tuple[n.Expr, bool]]], dict[str, Any]]


def draw_records(draw: st.DrawFn, slot: Slot, atoms: tuple[Atom, ...],
                 usage: dict[Slot, Usage], now: dt.datetime | None, record: RecordDraw) -> Any:
    """The list at ``slot`` meeting its list atoms and aggregate atoms."""
    plain = [a for a in atoms if a.aggregate is None]
    if any(a.op == "exists" and not a.want for a in plain):
        return draw(ABSENT)
    if any(a.op == "empty" and a.want for a in plain):
        return []
    groups: dict[n.Expr | None, list[Atom]] = {}
    for a in atoms:
        if a.aggregate is not None:
            groups.setdefault(a.aggregate.where, []).append(a)
    records: list[Any] = []
    everything = groups.pop(None, None)
    for where, group in groups.items():
        others = [w for w in groups if w is not where and w is not None]
        records += _group(draw, slot, where, group, usage, now, record, others)
    if everything is not None:
        low, high = _count_bounds(everything)
        wheres = [w for w in groups if w is not None]
        chosen = _group(draw, slot, None, everything, usage, now, record, wheres,
                        low=max(0, low - len(records)), high=None if high is None
                        else high - len(records))
        records += chosen
    if not records and any(a.op == "empty" and not a.want for a in plain):
        records.append({})
    return draw(st.permutations(records)) if len(records) > 1 else records


def _count_bounds(atoms: list[Atom]) -> tuple[int, int | None]:
    counts = [a for a in atoms if a.aggregate is not None and a.aggregate.func == "count"
              and a.op != "exists"]
    low, high = interval(counts, None)
    lo = 0 if low is None else (math.floor(low[0]) + 1 if low[1] and low[0].denominator == 1
                                else math.ceil(low[0]))
    hi = None if high is None else (math.ceil(high[0]) - 1 if high[1]
                                    and high[0].denominator == 1 else math.floor(high[0]))
    return max(lo, 0), hi


def _group(draw: st.DrawFn, slot: Slot, where: n.Expr | None, atoms: list[Atom],
           usage: dict[Slot, Usage], now: dt.datetime | None, record: RecordDraw,
           others: list[n.Expr], low: int | None = None, high: int | None = None
           ) -> list[Any]:
    """The records of one ``where`` group, kept out of the other groups' ``where`` (so one
    group's records do not change another's aggregates) when that is possible."""
    count_low, count_high = _count_bounds(atoms)
    valued = [a for a in atoms if a.aggregate is not None and a.aggregate.func != "count"]
    absent = any(a.op == "exists" and not a.want for a in valued)
    if any(a.op != "exists" or a.want for a in valued):
        count_low = max(count_low, 1)
    if absent:
        count_high = 0
    if low is not None:
        count_low = max(count_low, low)
    if high is not None:
        count_high = high if count_high is None else min(count_high, high)
    top = count_low + 3 if count_high is None else count_high
    if top < count_low:
        raise Conflict
    size = draw(bounded(count_low, min(top, count_low + 6)))
    apart = [(other, False) for other in others]
    mine = [(where, True)] if where is not None else []
    chosen = [_record(draw, record, mine, apart) for _ in range(size)]
    fields = {a.aggregate.value_path for a in valued if a.aggregate is not None}
    for path in fields:
        field_atoms = [a for a in valued
                       if a.aggregate is not None and a.aggregate.value_path == path]
        field_usage = usage.get(record_slot(slot, path))
        values = _values(draw, field_atoms, size, field_usage, now)
        chosen = [_with(item, path, value) for item, value in zip(chosen, values, strict=True)]
    noise: list[Any] = []
    if where is not None:
        for _ in range(draw(integers(0, 2))):
            try:
                item = record(draw, [(where, False), *apart])
            except NoPath:
                break
            for path in fields:
                field_usage = usage.get(record_slot(slot, path))
                item = _with(item, path, _values(draw, [], 1, field_usage, now)[0])
            noise.append(item)
    return chosen + noise


def _record(draw: st.DrawFn, record: RecordDraw, mine: list[tuple[n.Expr, bool]],
            apart: list[tuple[n.Expr, bool]]) -> dict[str, Any]:
    if not mine and not apart:
        return {}
    try:
        return record(draw, mine + apart)
    except NoPath:
        if not mine:
            return {}
        return record(draw, mine)


def _with(item: Any, path: tuple[str, ...], value: Any) -> Any:
    """``item`` with ``value`` at ``path``; with no path the element is the value itself."""
    if not path:
        return item if value is MISSING else value
    inner = item if isinstance(item, dict) else {}
    top = inner
    for name in path[:-1]:
        nested = inner.get(name)
        if not isinstance(nested, dict):
            nested = inner[name] = {}
        inner = nested
    if value is not MISSING:
        inner[path[-1]] = value
    return top


def _values(draw: st.DrawFn, atoms: list[Atom], size: int, usage: Usage | None,
            now: dt.datetime | None) -> list[Any]:
    """``size`` values of one field meeting the sum/avg/min/max atoms over them."""
    if size == 0:
        return []
    dated = (usage is not None and usage.kind() == "date") or any(
        a.op in ("within_last", "more_than_ago")
        or any(isinstance(v, n.Date | n.DateTime) for v in a.values) for a in atoms)
    if dated:
        return _dates(draw, atoms, size, now)
    places = max([2, usage.decimals if usage else 0, *(places_of(a) for a in atoms)])
    scale = 10 ** min(places, 6)
    by = {f: [a for a in atoms if a.aggregate is not None and a.aggregate.func == f
              and a.op != "exists"] for f in ("sum", "avg", "min", "max")}
    every_low, _ = interval(by["min"], None)
    _, every_high = interval(by["max"], None)
    if by["sum"] or by["avg"]:
        s_low, s_high = interval(by["sum"], None)
        a_low, a_high = interval(by["avg"], None)
        t_low = _max_bound(s_low, _times(a_low, size))
        t_high = _min_bound(s_high, _times(a_high, size))
        t_lo, t_hi, toward_high = _units_of(t_low, t_high, scale,
                                            default=(size * scale, size * 500 * scale))
        # Without min/max atoms a record may hold anything from zero to the whole total.
        lo = _up(every_low, scale) if every_low else min(0, t_lo)
        hi = _down(every_high, scale) if every_high else max(t_hi, 0)
        t_lo, t_hi = max(t_lo, size * lo), min(t_hi, size * hi)
        if t_lo > t_hi or lo > hi:
            raise Conflict
        total = draw(bounded(t_lo, t_hi, toward_high=toward_high))
        units = _split(draw, total, size, lo, hi)
    else:
        lo, hi, _ = _units_of(every_low, every_high, scale, default=(scale, 500 * scale))
        if lo > hi:
            raise Conflict
        units = [draw(bounded(lo, hi)) for _ in range(size)]
        some_low, some_high = interval(by["max"], None)[0], interval(by["min"], None)[1]
        if some_low is not None or some_high is not None:
            f_lo, f_hi, toward = _units_of(some_low, some_high, scale,
                                           default=(lo, hi))
            units[0] = draw(bounded(max(f_lo, lo), min(f_hi, hi), toward_high=toward))
    return [u / scale for u in units]


def _times(bound: tuple[Fraction, bool] | None, size: int) -> tuple[Fraction, bool] | None:
    return None if bound is None else (bound[0] * size, bound[1])


def _max_bound(a: tuple[Fraction, bool] | None, b: tuple[Fraction, bool] | None
               ) -> tuple[Fraction, bool] | None:
    if a is None or b is None:
        return a or b
    return max(a, b)


def _min_bound(a: tuple[Fraction, bool] | None, b: tuple[Fraction, bool] | None
               ) -> tuple[Fraction, bool] | None:
    if a is None or b is None:
        return a or b
    return a if (a[0], not a[1]) < (b[0], not b[1]) else b


def _units_of(low: tuple[Fraction, bool] | None, high: tuple[Fraction, bool] | None,
              scale: int, default: tuple[int, int]) -> tuple[int, int, bool]:
    lo = default[0] if low is None else _up(low, scale)
    hi = default[1] if high is None else _down(high, scale)
    if low is None and high is not None:
        lo = min(lo, hi)
    if high is None and low is not None:
        hi = max(hi, lo + 500 * scale)
    return lo, hi, low is None and high is not None


def _up(bound: tuple[Fraction, bool], scale: int) -> int:
    x = bound[0] * scale
    k = math.ceil(x)
    return k + 1 if bound[1] and k == x else k


def _down(bound: tuple[Fraction, bool], scale: int) -> int:
    x = bound[0] * scale
    k = math.floor(x)
    return k - 1 if bound[1] and k == x else k


def _split(draw: st.DrawFn, total: int, size: int, lo: int, hi: int) -> list[int]:
    """``size`` integers in ``[lo, hi]`` adding up to ``total`` (within reach)."""
    parts = [lo] * size
    rest = total - lo * size
    for i in range(size - 1):
        room = min(rest, hi - lo)
        give = draw(integers(0, room)) if room > 0 else 0
        parts[i] += give
        rest -= give
    parts[-1] += rest
    # The last part may exceed its cap: hand the excess back to the others.
    for i in range(size - 1):
        if parts[-1] <= hi:
            break
        move = min(parts[-1] - hi, hi - parts[i])
        parts[i] += move
        parts[-1] -= move
    return parts


def _dates(draw: st.DrawFn, atoms: list[Atom], size: int, now: dt.datetime | None
           ) -> list[Any]:
    moment = now or dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    mins = [a for a in atoms if a.aggregate is not None and a.aggregate.func == "min"
            and a.op != "exists"]
    maxes = [a for a in atoms if a.aggregate is not None and a.aggregate.func == "max"
             and a.op != "exists"]
    now_s = int((moment - _EPOCH).total_seconds())
    span = 3 * 365 * 86_400
    every_low, _ = interval(mins, moment, instant_seconds)
    _, every_high = interval(maxes, moment, instant_seconds)
    lo = _up(every_low, 1) if every_low else now_s - span
    hi = _down(every_high, 1) if every_high else now_s
    if every_high and not every_low:
        lo = min(lo, hi - span)
    lo, hi = max(lo, FIRST), min(hi, LAST)
    if lo > hi:
        raise Conflict
    seconds = [draw(bounded(lo, hi, toward_high=every_high is not None)) for _ in range(size)]
    for index, group in ((0, maxes), (size - 1, mins)):
        low, high = interval(group, moment, instant_seconds)
        if group and (low is not None or high is not None):
            f_lo = max(lo, _up(low, 1)) if low else lo
            f_hi = min(hi, _down(high, 1)) if high else hi
            if f_lo > f_hi:
                raise Conflict
            seconds[index] = draw(bounded(f_lo, f_hi, toward_high=low is None))
    return [_EPOCH + dt.timedelta(seconds=s) for s in seconds]
