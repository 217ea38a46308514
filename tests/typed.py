"""Random typed customer tables and random segments over them, for the SQL differential law.

A table holds what its column types hold, so the segments here read a fixed catalogue of typed
attributes (numbers, text, booleans, dates, timestamps, lists, a nested record, a list of
order records) and the customers fill it with awkward values: NULLs, empty lists, NULL list
elements, records with every field missing, 64-bit boundaries, decimals as floats and as
``Decimal``, timestamps in several offsets, and text with quotes, backslashes, ``--``, ``;``
and non-ASCII letters. Conditions mostly use the literal kind the column holds and sometimes
another kind, which must be false in SQL as in Python.

``batches`` draws several independent cases (a document and its customers) at once and
``merge`` folds them into one book and one table, so an engine answers all of them in a single
query: Spark spends seconds per query, not per row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from attrs import evolve, frozen
from hypothesis import strategies as st

from segrules import nodes as n
from segrules.book import Book
from segrules.runtime import aware
from segrules.sql import tables
from strategies import _AWKWARD_STRINGS, _durations, _windows, regexes

__all__ = ["CATALOGUE", "ROW", "Case", "batches", "merge"]

_C = tables.Column
_ORDER = _C("record", fields=(("total", _C("decimal", scale=4)), ("status", _C("string")),
                              ("placed_at", _C("timestamp")), ("qty", _C("integer"))))
ROW = _C("record", fields=(
    ("id", _C("string")),
    ("age", _C("integer")),
    ("income", _C("decimal", scale=4)),
    ("name", _C("string")),
    ("vip", _C("boolean")),
    ("tags", _C("list", item=_C("string"))),
    ("scores", _C("list", item=_C("integer"))),
    ("birth_date", _C("date")),
    ("signup_at", _C("timestamp")),
    ("address", _C("record", fields=(("city", _C("string")), ("zip", _C("string"))))),
    ("orders", _C("list", item=_ORDER)),
))
# Every attribute path a condition reads, with its type.
CATALOGUE: dict[tuple[str, ...], tables.Column] = {
    (name,): column for name, column in ROW.fields if name not in ("id", "address")
} | {("address", "city"): _C("string"), ("address", "zip"): _C("string"),
     ("address",): ROW.field("address")}  # type: ignore[dict-item]
ORDER_FIELDS = dict(_ORDER.fields)
# The JSON Schema of ROW, for engines that want the column types spelled out.
JSON_SCHEMA: dict[str, Any] = {}

_UTC = dt.UTC
_OFFSETS = (_UTC, dt.timezone(dt.timedelta(hours=5, minutes=30)),
            dt.timezone(dt.timedelta(hours=-8)))
NOW = dt.datetime(2026, 11, 1, 12, 30, tzinfo=_UTC)

# --- values in the data ------------------------------------------------------------------------

_HOSTILE = (*(s for s in _AWKWARD_STRINGS if "\x00" not in s),
            "it's", "'; DROP TABLE customers; --", "\\'", "\\\\", "100%", "%s", "$1", "?",
            "a--b", "x;y", "paid", "PAID", "gold", "")


def _texts(nul: bool) -> st.SearchStrategy[str]:
    plain = st.text(st.characters(codec="utf-8", exclude_characters="" if nul else "\x00"),
                    max_size=6)
    return st.one_of(st.sampled_from(_HOSTILE + (("a\x00b",) if nul else ())), plain)


_ints = st.one_of(st.integers(-1000, 1000),
                  st.sampled_from((0, -1, 17, 18, 65, 2**63 - 1, -(2**63), 10**12)))
_decimals = st.one_of(
    st.decimals(min_value=-(10**9), max_value=10**9, places=4, allow_nan=False),
    st.sampled_from((Decimal("0.1"), Decimal("13.01"), Decimal("500"), Decimal("-0.0001"))),
)
# A money value as a storefront hands it over: a Decimal, or the float it prints as.
_money = st.one_of(_decimals, _decimals.map(lambda d: float(d) if abs(d) < 10**6 else d))
_dates = st.one_of(st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)),
                   st.sampled_from((dt.date(2008, 11, 1), dt.date(2026, 11, 1),
                                    dt.date(2008, 11, 2), dt.date(2024, 2, 29))))
_moments = st.one_of(
    st.datetimes(dt.datetime(1970, 1, 2), dt.datetime(2100, 1, 1), timezones=st.sampled_from(
        _OFFSETS)),
    st.sampled_from((NOW, NOW - dt.timedelta(days=30), NOW - dt.timedelta(days=30, seconds=1),
                     NOW.replace(tzinfo=None), dt.datetime(2026, 10, 1, 12, 30))),
)


def _maybe(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), values, values)


@st.composite
def _profile(draw: st.DrawFn, nul: bool) -> dict[str, Any]:
    texts = _texts(nul)
    orders = st.lists(st.fixed_dictionaries({}, optional={
        "total": _maybe(_money), "status": _maybe(st.one_of(
            st.sampled_from(("paid", "refunded", "Paid")), texts)),
        "placed_at": _maybe(_moments), "qty": _maybe(_ints)}), max_size=4)
    fields = {
        "age": _ints, "income": _money, "name": texts, "vip": st.booleans(),
        "tags": st.lists(_maybe(st.one_of(st.sampled_from(("vip", "golf", "VIP")), texts)),
                         max_size=3),
        "scores": st.lists(_maybe(_ints), max_size=3),
        "birth_date": _dates, "signup_at": _moments,
        # Never {}: a table cannot tell it from a record whose fields are all missing, which
        # Python does (`is empty` is true of {} only).
        "address": st.fixed_dictionaries({"city": _maybe(texts)}, optional={
            "zip": _maybe(texts)}),
        "orders": orders,
    }
    return {name: value for name, value in ((name, draw(_maybe(kind)))
                                             for name, kind in fields.items())
            if value is not None or draw(st.booleans())}


# --- conditions over the catalogue -------------------------------------------------------------

_TEXT_OPS = ("eq", "in", "gt", "ge", "lt", "le", "between", "contains_any", "contains_all",
             "starts_with", "ends_with", "matches", "exists", "empty")
_NUMBER_OPS = ("eq", "in", "gt", "ge", "lt", "le", "between", "exists")
_MOMENT_OPS = ("eq", "gt", "lt", "ge", "le", "between", "within_last", "more_than_ago", "exists")
_LIST_OPS = ("eq", "in", "contains_any", "contains_all", "exists", "empty", "gt", "starts_with")


def _literals(kind: str) -> st.SearchStrategy[n.Value]:
    if kind == "string":
        return _texts(True).map(n.String)
    if kind in ("integer", "decimal"):
        return st.one_of(_ints.map(n.Number), _decimals.map(n.Number))
    if kind == "boolean":
        return st.booleans().map(n.Boolean)
    if kind == "date":
        return st.one_of(_dates.map(n.Date), _moments.map(n.DateTime))
    return st.one_of(_moments.map(n.DateTime), _dates.map(n.Date))


def _literal(draw: st.DrawFn, kind: str) -> n.Value:
    # Mostly the column's own kind; one in eight another kind, which never matches.
    if draw(st.integers(0, 7)) == 0:
        kind = draw(st.sampled_from(("string", "integer", "boolean", "date")))
    return draw(_literals(kind))


def _sort_key(value: n.Value) -> Any:
    if isinstance(value, n.Date | n.DateTime):
        return aware(value.value)  # naive is UTC, as the language reads it
    return value.value  # type: ignore[union-attr]


@st.composite
def _compare(draw: st.DrawFn, left: n.Operand, column: tables.Column) -> n.Compare:
    kind = column.item.kind if column.kind == "list" and column.item else column.kind
    if column.kind == "list":
        ops = _LIST_OPS
    elif kind == "string":
        ops = _TEXT_OPS
    elif kind in ("date", "timestamp"):
        ops = _MOMENT_OPS
    elif kind == "boolean":
        ops = ("eq", "exists")
    else:
        ops = _NUMBER_OPS
    op = draw(st.sampled_from(ops))
    values: tuple[n.Value, ...]
    if op in ("exists", "empty"):
        values = ()
    elif op == "matches":
        values = (draw(regexes()),)
    elif op in ("within_last", "more_than_ago"):
        values = (draw(_durations),)
    elif op in ("in", "contains_any", "contains_all"):
        first = _literal(draw, kind)
        same = _literals(type(first).__name__.lower() if not isinstance(first, n.Number)
                         else "integer")
        if isinstance(first, n.String):
            same = _literals("string")
        values = (first, *draw(st.lists(same, max_size=2)))
    elif op == "between":
        first = _literal(draw, kind)
        second = draw(_literals({n.String: "string", n.Number: "integer", n.Boolean: "boolean",
                                 n.Date: "date", n.DateTime: "timestamp"}[type(first)]))
        if type(second) is not type(first):
            second = first
        values = tuple(sorted((first, second), key=_sort_key))
    else:
        values = (_literal(draw, kind),)
    texts = bool(values) and all(isinstance(v, n.String) for v in values)
    ignore_case = (texts or op == "matches") and draw(st.integers(0, 3)) == 0
    if op == "between" and ignore_case:
        values = tuple(sorted(values, key=lambda v: v.value.casefold()))  # type: ignore[union-attr]
    negated = op not in ("gt", "ge", "lt", "le", "within_last", "more_than_ago") and draw(
        st.booleans())
    return n.Compare(left, op, values, negated, ignore_case)


def _order_condition() -> st.SearchStrategy[n.Expr]:
    fields = st.sampled_from(sorted(ORDER_FIELDS))
    return fields.flatmap(lambda f: _compare(n.Attr((f,)), ORDER_FIELDS[f]))


@st.composite
def _aggregate_compare(draw: st.DrawFn) -> n.Compare:
    where = draw(st.one_of(st.none(), _order_condition(),
                           st.lists(_order_condition(), min_size=2, max_size=2).map(n.AnyOf)))
    func = draw(st.sampled_from(("count", "sum", "avg", "min", "max")))
    field = "" if func == "count" else draw(st.sampled_from(
        ("total", "qty", "placed_at") if func in ("min", "max") else ("total", "qty")))
    aggregate = n.Aggregate(func, n.Attr(("orders",)), (field,) if field else (), where)
    if field == "placed_at":
        return draw(_compare(aggregate, _C("timestamp")))
    op = draw(st.sampled_from(("eq", "gt", "ge", "lt", "le", "between")))
    values = tuple(sorted(draw(st.lists(_decimals.map(n.Number), min_size=2, max_size=2)),
                          key=_sort_key))
    return n.Compare(aggregate, op, values if op == "between" else values[:1])


@st.composite
def _time_since(draw: st.DrawFn) -> n.Compare:
    unit, path = draw(st.sampled_from((("years", "birth_date"), ("days", "signup_at"),
                                       ("days", "birth_date"))))
    op = draw(st.sampled_from(("eq", "gt", "ge", "lt", "le")))
    return n.Compare(n.TimeSince(unit, n.Attr((path,))), op,
                     (n.Number(draw(st.sampled_from((0, 1, 17, 18, 30, 365, -1)))),))


def _leaf() -> st.SearchStrategy[n.Expr]:
    paths = st.sampled_from(sorted(p for p in CATALOGUE if p != ("address",)))
    attribute = paths.flatmap(lambda p: _compare(n.Attr(p), CATALOGUE[p]))
    record = st.sampled_from(("exists", "empty")).map(
        lambda op: n.Compare(n.Attr(("address",)), op, (), op == "empty"))
    return st.one_of(attribute, attribute, attribute, _aggregate_compare(), _time_since(),
                     record)


def _expressions(depth: int) -> st.SearchStrategy[n.Expr]:
    if depth == 0:
        return _leaf()
    sub = _expressions(depth - 1)
    items = st.lists(sub, min_size=1, max_size=3)
    return st.one_of(_leaf(), _leaf(), items.map(n.AllOf), items.map(n.AnyOf), sub.map(n.Not))


# --- segments, cases and batches ---------------------------------------------------------------


@frozen
class Case:
    """Segments and the customers they are evaluated on; ``store`` is the one store asked for."""

    document: n.Document
    profiles: tuple[dict[str, Any], ...]


@st.composite
def _segment(draw: st.DrawFn, name: str, refs: Sequence[str], ids: Sequence[str]) -> n.Segment:
    blocks = st.one_of(_expressions(2), st.just(n.Everyone()),
                       *([st.sampled_from(refs).map(n.InSegment)] if refs else []))
    known = st.one_of(st.sampled_from(ids), _texts(False)) if ids else _texts(False)
    window = draw(st.one_of(st.just((None, None)), st.just((None, None)), _windows()))
    return n.Segment(
        name=name,
        groups=("g",),
        active_from=window[0], active_until=window[1],
        disabled=draw(st.integers(0, 9)) == 0,
        stores=draw(st.one_of(st.just(()), st.just(()), st.just(("main",)),
                              st.just(("outlet", "it's")))),
        includes=draw(st.lists(blocks, max_size=2)),
        excludes=draw(st.lists(blocks, max_size=2)),
        include_customers=draw(st.lists(known, max_size=2, unique=True)),
        exclude_customers=draw(st.lists(known, max_size=1, unique=True)),
    )


_NAMES = ("vip", "it's", 'say "hi"', "back\\slash", "--x", "a;b", "café", "Ünïcödé 中",
          "DROP TABLE", "x'); --")


@st.composite
def cases(draw: st.DrawFn, nul: bool = True, rows: int = 8, segments: int = 4) -> Case:
    """One document of up to ``segments`` segments and up to ``rows`` customers."""
    profiles = draw(st.lists(_profile(nul), min_size=1, max_size=rows))
    ids = draw(st.lists(_texts(nul), min_size=len(profiles), max_size=len(profiles)))
    for index, (profile, text) in enumerate(zip(profiles, ids, strict=True)):
        profile["id"] = f"{text}#{index}"  # unique within the case, and still hostile
    names = draw(st.lists(st.sampled_from(_NAMES), min_size=1, max_size=segments, unique=True))
    ids = [p["id"] for p in profiles]
    made: list[n.Segment] = []
    for name in names:
        made.append(draw(_segment(name, [s.name for s in made], ids)))
    return Case(n.Document(tuple(made)), tuple(profiles))


def merge(batch: Sequence[Case]) -> tuple[Book, list[dict[str, Any]], list[list[str]]]:
    """One book and one customer list holding every case; each case's segment names.

    Names get a ``#k`` suffix, ids a ``/k`` one, so cases stay apart in one table and one
    query; references and explicit lists are renamed with them.
    """
    segments: list[n.Segment] = []
    profiles: list[dict[str, Any]] = []
    names: list[list[str]] = []
    for k, case in enumerate(batch):
        def rename(name: str, k: int = k) -> str:
            return f"{name} #{k}"

        def bind(expr: n.Expr, k: int = k) -> n.Expr:
            if isinstance(expr, n.InSegment):
                return n.InSegment(rename(expr.name, k))
            if isinstance(expr, n.Not):
                return n.Not(bind(expr.item, k))
            if isinstance(expr, n.AllOf | n.AnyOf):
                return type(expr)(tuple(bind(item, k) for item in expr.items))
            return expr

        for segment in case.document.segments:
            segments.append(evolve(
                segment, name=rename(segment.name),
                includes=[bind(b) for b in segment.includes],
                excludes=[bind(b) for b in segment.excludes],
                include_customers=[f"{i}/{k}" for i in segment.include_customers],
                exclude_customers=[f"{i}/{k}" for i in segment.exclude_customers]))
        names.append([rename(s.name) for s in case.document.segments])
        profiles.extend({**p, "id": f"{p['id']}/{k}"} for p in case.profiles)
    return Book(n.Document(tuple(segments))), profiles, names


def batches(size: int, nul: bool = True) -> st.SearchStrategy[list[Case]]:
    """``size`` independent cases, to be answered by one query per engine."""
    return st.lists(cases(nul), min_size=size, max_size=size)
