"""Explanations always render, and always agree with ``matches``: hostile values in the
profile (cyclic, huge, with failing methods or time zones), hostile ids, stores and moments."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segrules import Attributes, Target
from segrules.book import Book
from segrules.explain import Explanation, show
from segrules.loader import loads
from segrules.membership import MemoryMembership

NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)


class RaisingZone(dt.tzinfo):
    def utcoffset(self, moment: dt.datetime | None) -> dt.timedelta:
        raise RuntimeError("no offset")

    def dst(self, moment: dt.datetime | None) -> dt.timedelta:
        raise RuntimeError("no dst")

    def tzname(self, moment: dt.datetime | None) -> str:
        raise RuntimeError("no name")


class Zone(dt.tzinfo):
    """A zone with a fixed answer for the offset: out of range, not a timedelta, or None."""

    def __init__(self, offset: object) -> None:
        self.offset = offset

    def utcoffset(self, moment: dt.datetime | None) -> Any:
        return self.offset

    def dst(self, moment: dt.datetime | None) -> None:
        return None

    def tzname(self, moment: dt.datetime | None) -> str:
        return "zone"


class BrokenMapping(Mapping[str, Any]):
    """A mapping every method of which raises."""

    def __getitem__(self, key: str) -> Any:
        raise RuntimeError("no item")

    def __iter__(self) -> Iterator[str]:
        raise RuntimeError("no iter")

    def __len__(self) -> int:
        raise RuntimeError("no len")

    def items(self) -> Any:
        raise RuntimeError("no items")

    def keys(self) -> Any:
        raise RuntimeError("no keys")


class Hostile:
    """An object whose every dunder that text, hashing or comparison might call raises."""

    def __repr__(self) -> str:
        raise RuntimeError("no repr")

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("no eq")

    def __hash__(self) -> int:
        raise RuntimeError("no hash")

    def __lt__(self, other: object) -> bool:
        raise RuntimeError("no lt")


class HostileKey:
    """Hashable, but cannot be shown."""

    def __repr__(self) -> str:
        raise RuntimeError("no repr")

    __str__ = __repr__


class HostileInt(int):
    def __repr__(self) -> str:
        raise RuntimeError("no repr")

    __str__ = __repr__


class HostileText(str):
    def __repr__(self) -> str:
        raise RuntimeError("no repr")

    __str__ = __repr__

    def __hash__(self) -> int:
        raise RuntimeError("no hash")

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("no eq")


class HostileList(list[Any]):
    def __iter__(self) -> Iterator[Any]:
        raise RuntimeError("no iter")

    def __len__(self) -> int:
        raise RuntimeError("no len")


def cyclic_list() -> list[Any]:
    items: list[Any] = [1]
    items.append(items)
    return items


def cyclic_dict() -> dict[str, Any]:
    record: dict[str, Any] = {"total": 1}
    record["self"] = record
    return record


def deep_list(depth: int = 5000) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


def hostile_values() -> list[object]:
    """Fresh hostile values (cyclic ones must not be shared between examples)."""
    moment = dt.datetime(2026, 5, 30, 8)
    return [
        10 ** 5000, -(10 ** 5000), HostileInt(5), HostileText("a"), Hostile(), BrokenMapping(),
        HostileList([1]), cyclic_list(), cyclic_dict(), deep_list(), [cyclic_dict()],
        moment.replace(tzinfo=RaisingZone()), moment.replace(tzinfo=Zone(dt.timedelta(hours=24))),
        moment.replace(tzinfo=Zone(dt.timedelta(hours=-30))), moment.replace(tzinfo=Zone("x")),
        moment.replace(tzinfo=Zone(None)), dt.time(8, tzinfo=RaisingZone()),
        Decimal("1e999999"), Decimal("NaN"), float("inf"), float("nan"),
        {HostileKey(): 1}, {"k": HostileText("v")}, {1: {2: {3: {4: {5: 6}}}}},
        "a" * 10_000,
    ]


def computed_ltv(profile: Any, now: dt.datetime) -> object:
    return profile["ltv_source"]


_ATTRIBUTES = Attributes()
_ATTRIBUTES.register("ltv", computed_ltv)
BOOK = loads("""
segment text      { include where x is "a"  exclude where x contains "zz" }
segment number    { include any { x > 3  x is between 1 and 10  x is one of 1, 2 } }
segment listy     { include any { x contains any of "a", 1  x is empty  x is not empty } }
segment dated     { include any { x within last 3 days  x is before 2026-06-01
                                  years_since(x) >= 0 } }
segment pattern   { include where x matches /a/ ignoring case }
segment existing  { include where x exists }
segment missing   { include where x does not exist }
segment nested    { include where x.total >= 1 or x.self.total is 1 }
segment orders    { include all { sum(orders.total) >= 1
                                  count(orders where status is "paid") >= 1 } }
segment latest    { include where max(orders.placed_at) within last 30 days }
segment computed  { include where ltv.total > 1  exclude where ltv is "none" }
segment stored    { stores "main"  include everyone }
segment window    { active from 2026-01-01 until 2027-01-01  include everyone }
segment listed    { include where x exists  include customers "c-1"  exclude customers "c-2" }
segment refs      { include segment listed  exclude where not in segment existing }
segment chained   { include any { in segment refs  in segment stored  in segment window } }
""", attributes=_ATTRIBUTES)


def rendered(tree: Explanation) -> None:
    """``str()`` and ``to_dict()`` succeed, and the data is JSON (no NaN, no huge ints)."""
    assert str(tree)
    json.dumps(tree.to_dict(), allow_nan=False)


def agree(book: Book, profile: object, **kwargs: Any) -> None:
    bound = {key: kwargs[key] for key in ("store", "members") if key in kwargs}
    per_call = {key: value for key, value in kwargs.items() if key not in bound}
    for name in book.names:
        tree = book.explain(name, profile, **kwargs)
        assert tree.matched == book.matches(name, profile, **kwargs), name
        assert book.predicate(name, **bound)(profile, **per_call) == tree.matched, name
        rendered(tree)
    inside = {name for name in book.names if book.explain(name, profile, **kwargs).matched}
    assert set(book.segments_for(profile, **kwargs)) == inside
    member = book.membership(profile, **kwargs)
    assert {name for name in book.names if member(name)} == inside
    assert Target("any", book.names).matches(book, profile, **kwargs) == bool(inside)


@pytest.mark.parametrize("index", range(len(hostile_values())))
def test_a_hostile_value_renders_and_explain_agrees(index: int) -> None:
    value = hostile_values()[index]
    agree(BOOK, {"x": value, "orders": [{"total": value, "status": value, "placed_at": value}],
                 "ltv_source": value}, now=NOW)
    agree(BOOK, {"x": value, "orders": value, "ltv_source": {"total": value}}, now=NOW)
    assert isinstance(show(value), str)


def test_a_profile_that_is_a_broken_mapping() -> None:
    agree(BOOK, BrokenMapping(), now=NOW)
    agree(BOOK, Hostile(), now=NOW)


@pytest.mark.parametrize("store", [["main"], Hostile(), HostileText("main"), 7, b"main"],
                         ids=["unhashable", "hostile", "str subclass", "int", "bytes"])
def test_a_store_that_is_not_a_string(store: object) -> None:
    agree(BOOK, {"x": "a"}, store=store, now=NOW)
    listed = isinstance(store, str)
    assert BOOK.matches("stored", {}, store=store, now=NOW) is listed
    reason = BOOK.explain("stored", {}, store=store, now=NOW).reason
    assert listed or "is not one of its stores" in reason


@pytest.mark.parametrize("zone", [RaisingZone(), Zone(dt.timedelta(hours=24)), Zone("x")],
                         ids=["raises", "a day", "not a timedelta"])
def test_a_now_whose_time_zone_fails_is_a_failed_evaluation(zone: dt.tzinfo) -> None:
    now = dt.datetime(2026, 6, 1, 12, tzinfo=zone)
    before = BOOK.evaluation_errors
    agree(BOOK, {"x": "a"}, now=now)
    assert BOOK.segments_for({"x": "a"}, now=now) == frozenset()
    tree = BOOK.explain("existing", {"x": "a"}, now=now)
    assert tree.rule == "evaluation_error" and not tree.matched
    assert "time zone" in str(tree)
    assert BOOK.evaluation_errors > before


def test_a_time_zone_without_an_offset_is_utc() -> None:
    now = dt.datetime(2026, 6, 1, 12, tzinfo=Zone(None))
    agree(BOOK, {"x": "a"}, now=now)
    assert BOOK.matches("window", {}, now=now)


def test_an_unknown_segment_is_still_an_error_with_a_failing_now() -> None:
    from segrules.errors import UnknownSegmentError

    with pytest.raises(UnknownSegmentError):
        BOOK.explain("nope", {}, now=dt.datetime(2026, 6, 1, tzinfo=RaisingZone()))


def test_show_never_raises() -> None:
    assert show(10 ** 5000).startswith("<int of ")
    assert show(cyclic_list()) == "[1, [1, [1, […]]]]"
    assert show(BrokenMapping()) == "<BrokenMapping>"
    assert show(Hostile()) == "<Hostile>"
    assert show(HostileText("a")) == '"a"'
    assert show(dt.datetime(2026, 5, 30, 8, tzinfo=RaisingZone())) == (
        "2026-05-30T08:00:00 (invalid time zone)")
    assert repr(BOOK.explain("chained", {"x": Hostile()}, now=NOW))


# --- the law ----------------------------------------------------------------------------------

_HOSTILE = st.integers(0, len(hostile_values()) - 1).map(lambda i: hostile_values()[i])
_PLAIN = st.one_of(st.none(), st.booleans(), st.integers(-5, 20), st.sampled_from(["a", "zz", ""]),
                   st.just(NOW - dt.timedelta(days=1)), st.just("2026-05-31"))
_VALUES = st.one_of(_HOSTILE, _PLAIN, st.lists(st.one_of(_HOSTILE, _PLAIN), max_size=3))
_ORDERS = st.lists(st.fixed_dictionaries(
    {}, optional={"total": _VALUES, "status": st.one_of(_VALUES, st.just("paid")),
                  "placed_at": _VALUES}), max_size=3)
_PROFILES = st.one_of(
    st.fixed_dictionaries({}, optional={"x": _VALUES, "orders": st.one_of(_ORDERS, _VALUES),
                                        "ltv_source": _VALUES,
                                        "id": st.one_of(_VALUES, st.sampled_from(["c-1", "c-2"]))}),
    _HOSTILE)
_MOMENTS = st.one_of(st.none(), st.just(NOW), st.sampled_from(
    [RaisingZone(), Zone(dt.timedelta(hours=25)), Zone(None), Zone(dt.timedelta(hours=2))]).map(
    lambda zone: dt.datetime(2026, 6, 1, 12, tzinfo=zone)))


def _members(entries: list[tuple[str, str, bool]]) -> object:
    members = MemoryMembership()
    for name, cid, excluded in entries:
        (members.exclude if excluded else members.add)(name, cid)
    return members


class BrokenMembers:
    def explicit(self, segment: str, customer_id: str) -> Any:
        raise RuntimeError("store down")


_MEMBERS = st.one_of(st.none(), st.just(BrokenMembers()), st.lists(st.tuples(
    st.sampled_from(BOOK.names), st.sampled_from(["c-1", "c-2"]), st.booleans()),
    max_size=3).map(_members))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profile=_PROFILES, customer_id=st.one_of(st.none(), _VALUES),
       store=st.one_of(st.none(), st.just("main"), _VALUES), now=_MOMENTS, members=_MEMBERS)
def test_explain_agrees_with_matches_on_hostile_inputs(
        profile: object, customer_id: object, store: object, now: dt.datetime | None,
        members: object) -> None:
    agree(BOOK, profile, customer_id=customer_id, store=store, now=now, members=members)


class Colliding:
    """A dict key that hashes like the name ``name`` but fails to compare with it."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __hash__(self) -> int:
        return hash(self.name)

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("no eq")


@pytest.mark.parametrize("key", ["x", "id", "orders", "ltv_source"])
@pytest.mark.parametrize("extra", [{}, {"x": "a"}, {"id": "c-1"}, {"x": 5, "id": "c-2"}])
def test_a_dict_key_that_fails_to_compare(key: str, extra: dict[str, Any]) -> None:
    profile = {Colliding(key): 1, **{name: v for name, v in extra.items() if name != key}}
    agree(BOOK, profile, now=NOW)
    agree(BOOK, profile, now=NOW, members=MemoryMembership())
    agree(BOOK, profile, now=NOW, customer_id="c-1")
