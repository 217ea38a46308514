"""The whole-book evaluator (``segrules.network``): the index changes speed, never answers.

The law: for books whose segments share equality, ``one of`` and threshold conditions (with
references, exclude blocks, explicit lists, stores, windows and disabled segments mixed in) and
for ordinary and hostile profiles, ``segments_for``, ``groups_for`` and ``membership`` give
exactly the per-segment ``matches`` answers and the oracle's. Then the index's own edge cases:
the keys it compares (1, 1.0, True, Decimal, NaN, text forms, case) and the values it does not key.
"""

from __future__ import annotations

import datetime as dt
import linecache
import math
from decimal import Decimal
from types import MappingProxyType, SimpleNamespace
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from oracle import DictMembers, Oracle
from segrules import Attributes
from segrules import nodes as n
from segrules.book import Book
from segrules.loader import loads

NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)
LAW = settings(max_examples=150, deadline=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

PATHS = [("country",), ("tier",), ("n",), ("addr", "zip")]
TEXTS = ["US", "us", "Us", "DE", "Zürich", "Zu\u0308rich", "ZÜRICH", "ß", "SS", "ı", "I", ""]
NUMBERS: list[int | Decimal] = [0, 1, -1, 7, 2**53, 2**53 + 1, 10**23, Decimal("1"),
                                Decimal("1.0"), Decimal("0.1"), Decimal("1e22"),
                                Decimal("1152921504606847000"), Decimal("NaN")]


# --- books that share conditions ---------------------------------------------------------------


def _literal(value: object) -> n.Value:
    if isinstance(value, bool):
        return n.Boolean(value)
    if isinstance(value, str):
        return n.String(value)
    return n.Number(value)  # type: ignore[arg-type]


@st.composite
def _equality(draw: st.DrawFn) -> n.Compare:
    pool = draw(st.sampled_from([TEXTS, NUMBERS, TEXTS + NUMBERS + [True]]))
    values = tuple(_literal(v) for v in draw(st.lists(st.sampled_from(pool), min_size=1,
                                                      max_size=3)))
    op = "eq" if len(values) == 1 and draw(st.booleans()) else "in"
    return n.Compare(n.Attr(draw(st.sampled_from(PATHS))), op, values,
                     negated=draw(st.integers(0, 5)) == 0, ignore_case=draw(st.booleans()))


@st.composite
def _threshold(draw: st.DrawFn) -> n.Compare:
    bound = st.sampled_from([0, 1, 7, 100, 2**53, 2**53 + 1, -(2**53) - 1, Decimal("0.5")])
    path = n.Attr(draw(st.sampled_from([("n",), ("addr", "zip")])))
    op = draw(st.sampled_from(["ge", "gt", "le", "lt", "between"]))
    if op == "between":
        low, high = sorted([draw(bound), draw(bound)])
        return n.Compare(path, op, (n.Number(low), n.Number(high)))
    return n.Compare(path, op, (n.Number(draw(bound)),))


def _condition(names: list[str]) -> st.SearchStrategy[n.Expr]:
    simple = st.one_of(
        _equality(), _equality(), _threshold(),
        st.builds(n.Compare, st.sampled_from([n.Attr(p) for p in PATHS]), st.just("exists"),
                  st.just(()), negated=st.booleans()),
        st.builds(n.Compare, st.just(n.Attr(("country",), root="session")), st.just("eq"),
                  st.just((n.String("US"),))),
    )
    if names:
        simple = st.one_of(simple, st.sampled_from(names).map(n.InSegment),
                           st.sampled_from(names).map(lambda x: n.Not(n.InSegment(x))))
    return st.one_of(simple, simple, simple, st.lists(simple, min_size=2, max_size=3).map(
        lambda items: n.AnyOf(tuple(items))), simple.map(n.Not))


def _block(names: list[str]) -> st.SearchStrategy[n.Expr]:
    condition = _condition(names)
    return st.one_of(
        st.lists(condition, min_size=1, max_size=4).map(lambda items: n.AllOf(tuple(items))),
        condition, st.just(n.Everyone()))


def _plain(draw: st.DrawFn, name: str) -> n.Segment:
    """A segment the index alone decides: one block of indexed conditions, maybe stores."""
    conditions = draw(st.lists(st.one_of(_equality(), _threshold()), min_size=1, max_size=3))
    return n.Segment(
        name, groups=tuple(draw(st.lists(st.sampled_from(["g1", "g2"]), max_size=1))),
        stores=tuple(draw(st.lists(st.sampled_from(["main", "outlet"]), max_size=1))),
        includes=(n.AllOf(tuple(c for c in conditions if not c.negated)) if any(
            not c.negated for c in conditions) else n.Everyone(),))


@st.composite
def books(draw: st.DrawFn) -> Book:
    segments: list[n.Segment] = []
    for i in range(draw(st.integers(1, 10))):
        names = [s.name for s in segments]
        if draw(st.booleans()):
            segments.append(_plain(draw, f"s{i}"))
            continue
        window = draw(st.sampled_from([(None, None), (None, None), (dt.date(2026, 1, 1), None),
                                       (None, dt.date(2026, 6, 1)),
                                       (dt.date(2026, 6, 1), dt.date(2026, 7, 1))]))
        segments.append(n.Segment(
            f"s{i}",
            groups=tuple(draw(st.lists(st.sampled_from(["g1", "g2", "g3"]), max_size=2))),
            active_from=window[0], active_until=window[1],
            disabled=draw(st.integers(0, 6)) == 0,
            stores=tuple(draw(st.lists(st.sampled_from(["main", "outlet"]), max_size=2,
                                       unique=True))),
            includes=tuple(draw(st.lists(_block(names), min_size=draw(st.integers(0, 3)) // 2,
                                         max_size=2))),
            excludes=tuple(draw(st.lists(_block(names), max_size=1))),
            include_customers=tuple(draw(st.lists(st.sampled_from(["c-1", "c-2"]), max_size=1))),
            exclude_customers=tuple(draw(st.lists(st.sampled_from(["c-2"]), max_size=1))),
        ))
    return Book(n.Document(tuple(segments)))


# --- profiles: the literals themselves, their look-alikes, and values the index does not key ----

_SCALARS: list[object] = [
    *TEXTS, "us ", "ZURICH", "zürich", *NUMBERS, 1.0, 0.1, 7.0, -0.0, float(2**53),
    float(2**53 + 2), 1e23, 1e22, 2.0**60, 0.5, math.nan, math.inf, -math.inf, True, False,
    Decimal("7"), Decimal("sNaN"), np.int64(7), np.float64(1.0), np.bool_(True), np.str_("US"),
]
_ODD: list[object] = [None, len, {}, {"a": 1}, b"US", dt.date(2026, 1, 1), object()]


def _values() -> st.SearchStrategy[object]:
    scalar = st.sampled_from(_SCALARS)
    return st.one_of(
        scalar, scalar, scalar, st.sampled_from(_ODD),
        st.lists(scalar, max_size=3), st.lists(scalar, max_size=2).map(tuple),
        st.lists(scalar, max_size=2).map(lambda xs: iter(xs)),
        st.lists(st.sampled_from(TEXTS), max_size=2).map(frozenset),
        st.lists(scalar, max_size=2).map(lambda xs: [xs]),
    )


@st.composite
def calls(draw: st.DrawFn) -> dict[str, Any]:
    fields: dict[str, object] = {}
    for path in PATHS:
        if draw(st.booleans()):
            value = draw(_values())
            if len(path) == 1:
                fields[path[0]] = value
            else:
                fields[path[0]] = {path[1]: value} if draw(st.integers(0, 4)) else value
    if draw(st.booleans()):
        fields["id"] = draw(st.sampled_from(["c-1", "c-2", "c-3", 1]))
    shape = draw(st.sampled_from(["dict", "dict", "mapping", "object", "none"]))
    profile: object = {"dict": fields, "mapping": MappingProxyType(fields),
                       "object": SimpleNamespace(**fields), "none": None}[shape]
    members = None
    if draw(st.integers(0, 3)) == 0:
        members = DictMembers({(f"s{i}", "c-1"): (draw(st.booleans()), draw(st.booleans()))
                               for i in range(3)})
    return {
        "profile": profile,
        "session": draw(st.sampled_from([None, {"country": "US"}])),
        "customer_id": draw(st.sampled_from([None, None, "c-1", "c-3"])),
        "store": draw(st.sampled_from([None, "main", "outlet"])),
        "now": draw(st.sampled_from([NOW, dt.datetime(2026, 5, 31, tzinfo=dt.UTC)])),
        "members": members,
    }


def _one_by_one(book: Book, call: dict[str, Any]) -> set[str]:
    profile, kwargs = call["profile"], {k: v for k, v in call.items() if k != "profile"}
    return {name for name in book.names if book.matches(name, profile, **kwargs)}


@LAW
@given(books(), st.data())
def test_whole_book_evaluation_agrees_with_each_segment_and_the_oracle(
        book: Book, data: st.DataObject) -> None:
    for segment in book.document.segments:
        note(repr(segment))
    for _ in range(4):
        call = data.draw(calls())
        profile, kwargs = call["profile"], {k: v for k, v in call.items() if k != "profile"}
        # Iterators are consumed by nobody, so one profile serves every evaluator.
        expected = _one_by_one(book, call)
        within = book.segments_for(profile, **kwargs)
        assert within == expected, call
        member = book.membership(profile, **kwargs)
        assert {name for name in reversed(book.names) if member(name)} == expected
        groups = book.groups_for(profile, assigned=("g3",), **kwargs)
        given_by = {g: tuple(name for name in book.names if name in expected
                             and g in book[name].groups)
                    for s in book.document.segments for g in s.groups}
        assert {g: p.segments for g, p in groups.items()} == {
            g: names for g, names in {**given_by, "g3": given_by.get("g3", ())}.items()
            if names or g == "g3"}
        assert groups["g3"].assigned
        oracle = Oracle(book.document, profile, **kwargs)
        assert {name for name in book.names if oracle.member(name)} == expected, call


# --- the keys the index compares ---------------------------------------------------------------

KEYS = loads("""
segment one      { include where x is 1 }
segment one_dec  { include where x is 1.0 }
segment tenth    { include where x is 0.1 }
segment truth    { include where x is true }
segment text     { include where x is "1" }
segment us       { include where x is one of "US", "CA" }
segment us_case  { include where x is "us" ignoring case }
segment zurich   { include where x is "Zürich" }
segment big      { include where x is 1152921504606847000 }
segment atleast  { include where x >= 7 }
segment above    { include where x > 7 }
segment below    { include where x < 9007199254740993 }
segment odd      { include where x is 9007199254740993 }
""")


@pytest.mark.parametrize(("value", "expected"), [
    (1, {"one", "one_dec", "below"}),
    (1.0, {"one", "one_dec", "below"}),
    (Decimal("1.00"), {"one", "one_dec", "below"}),
    (np.int64(1), {"one", "one_dec", "below"}),
    (np.float64(1.0), {"one", "one_dec", "below"}),
    (True, {"truth"}),  # a bool is not a number, and 1 is not true
    (np.bool_(True), {"truth"}),
    ("1", {"text"}),
    (0.1, {"tenth", "below"}),  # a float is the decimal it prints as
    (Decimal("0.1"), {"tenth", "below"}),
    (math.nan, set()),  # NaN equals nothing and is ordered with nothing
    (Decimal("NaN"), set()),
    (7, {"atleast", "below"}),
    (7.0, {"atleast", "below"}),
    (7.5, {"atleast", "above", "below"}),
    (math.inf, {"atleast", "above"}),
    (2**53 + 1, {"atleast", "above", "odd"}),
    (2**53 + 2, {"atleast", "above"}),
    (float(2**53), {"atleast", "above", "below"}),  # prints as 2**53, not as 2**53 + 1
    # 2**60 as a float prints as 1152921504606847000, so it equals that literal; the int
    # 2**60 (1152921504606846976) does not.
    (2.0**60, {"big", "atleast", "above"}),
    (2**60, {"atleast", "above"}),
    ("US", {"us", "us_case"}),
    ("us", {"us_case"}),
    ("uS", {"us_case"}),
    ("Zu\u0308rich", {"zurich"}),  # NFD text equals its NFC literal
    ("ZÜRICH", set()),
    (["DE", "CA"], {"us"}),  # a list matches when an element does
    (("x", 1.0), {"one", "one_dec", "below"}),
    (frozenset({"us"}), {"us_case"}),
    ([[1]], set()),
    ({"a": 1}, set()),  # a mapping: a present value that equals nothing (and is unhashable)
    ({}, set()),
    (None, set()),
    (len, set()),  # a callable is missing
    (b"US", set()),
])
def test_index_keys_use_the_runtime_equality(value: object, expected: set[str]) -> None:
    for profile in ({"x": value}, MappingProxyType({"x": value}), SimpleNamespace(x=value)):
        assert KEYS.segments_for(profile, now=NOW) == expected
        assert _one_by_one(KEYS, {"profile": profile, "now": NOW}) == expected
    assert KEYS.segments_for({}, now=NOW) == set()
    assert KEYS.evaluation_errors == 0


def test_a_customer_touches_only_the_segments_that_can_match() -> None:
    calls: list[str] = []

    def score(profile: object, now: dt.datetime) -> int:
        calls.append("score")
        return 10

    attributes = Attributes()
    attributes.register("score", score)
    book = loads("""
        segment us_fans { include all { country is "US"  score > 5 } }
        segment de_fans { include all { country is one of "DE", "AT"  score > 5 } }
        segment us      { include where country is "US" }
    """, attributes=attributes)
    assert book.segments_for({"country": "FR"}, now=NOW) == set()
    assert calls == []  # neither `score` condition was reached
    assert book.segments_for({"country": "DE"}, now=NOW) == {"de_fans"}
    assert calls == ["score"]
    assert book.segments_for({"country": ["US", "DE"]}, now=NOW) == {"us", "us_fans", "de_fans"}
    member = book.membership({"country": "AT"}, now=NOW)
    assert not member("us_fans") and not member("us")
    assert calls == ["score", "score"]  # `us_fans` was ruled out by the index, not evaluated
    assert member("de_fans") and member("de_fans")
    assert calls == ["score", "score", "score"]


def test_explicit_lists_stores_windows_and_references_are_left_to_each_segment() -> None:
    book = loads("""
        segment vip      { include where tier is "gold"  include customers "c-9" }
        segment gone     { include where tier is "gold"  exclude customers "c-1" }
        segment main     { include where tier is "gold"  stores "main" }
        segment later    { include where tier is "gold"  active from 2027-01-01 }
        segment off      { include where tier is "gold"  disabled }
        segment nested   { include all { in segment vip  tier is "gold" } }
        segment not_vip  { include where tier exists and not in segment vip }
        segment not_us   { include where tier is "gold"  exclude where country is "US" }
    """)
    gold = {"id": "c-1", "tier": "gold", "country": "US"}
    assert book.segments_for(gold, now=NOW) == {"vip", "nested"}
    assert book.segments_for(gold, now=NOW, store="main") == {"vip", "nested", "main"}
    assert book.segments_for({**gold, "country": "DE"}, now=NOW) == {"vip", "nested", "not_us"}
    assert book.segments_for({"id": "c-9", "tier": "bronze"}, now=NOW) == {"vip"}
    assert book.segments_for({"tier": "bronze"}, now=NOW) == {"not_vip"}
    assert book.segments_for(gold, now=dt.datetime(2027, 1, 1, tzinfo=dt.UTC)) == {
        "vip", "nested", "later"}


def test_a_membership_store_is_asked_about_every_segment_the_gates_let_through() -> None:
    book = loads("""
        segment gold     { include where tier is "gold" }
        segment empty    { }
        segment later    { include where tier is "gold"  active from 2027-01-01 }
        segment main     { include where tier is "gold"  stores "main" }
        segment off      { include where tier is "gold"  disabled }
        segment via      { include segment empty }
    """)
    members = DictMembers({(name, "c-1"): (True, False) for name in book.names})
    members.flags["gold", "c-2"] = (False, True)
    expected = {"gold", "empty", "via"}
    assert book.segments_for({"id": "c-1"}, now=NOW, members=members) == expected
    assert book.segments_for({"id": "c-2", "tier": "gold"}, now=NOW, members=members) == set()
    assert book.segments_for({"id": "c-1"}, now=NOW, members=members, store="main") == {
        *expected, "main"}
    later = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    assert book.segments_for({"id": "c-1"}, now=later, members=members) == {*expected, "later"}


def test_a_profile_whose_lookups_raise_falls_back_and_counts() -> None:
    class Key(str):
        __hash__ = str.__hash__

        def __eq__(self, other: object) -> bool:
            raise RuntimeError("hostile key")

    book = loads('segment s { include where country is "US" }  segment e { include everyone }')
    profile = {Key("country"): "US"}  # same hash as "country": the lookup compares and raises
    assert book.segments_for(profile, now=NOW) == {"e"}
    assert book.evaluation_errors >= 1


def test_the_generated_evaluator_is_released_with_its_book() -> None:
    book = loads('segment a { include where country is "US" }')
    assert book.segments_for({"country": "US"}, now=NOW) == {"a"}
    assert book._network is not None
    filename = book._network.filename
    assert filename in linecache.cache
    del book
    assert filename not in linecache.cache
