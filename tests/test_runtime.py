"""Operator semantics (SPEC §3), one table row per case, evaluated through compiled code."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import attrs
import pytest

from segrules import nodes as n
from segrules.adapters import Attributes
from segrules.book import Book

NOW = dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC)
S, N, B, D, T = n.String, n.Number, n.Boolean, n.Date, n.DateTime


def holds(condition: n.Expr, profile: object, *, session: object = None,
          attributes: Attributes | None = None) -> bool:
    book = Book(n.Document((n.Segment("s", includes=(condition,)),)), attributes=attributes)
    result = book.matches("s", profile, session=session, now=NOW)
    assert book.evaluation_errors == 0
    return result


def c(op: str, *values: n.Value, negated: bool = False, ignore_case: bool = False,
      path: tuple[str, ...] = ("x",)) -> n.Compare:
    return n.Compare(n.Attr(path), op, values, negated, ignore_case)


MISSING = object()

# (condition, value of attribute x, expected); MISSING leaves x out of the profile.
CASES = [
    # equality
    (c("eq", S("vip")), "vip", True),
    (c("eq", S("vip")), "VIP", False),
    (c("eq", S("vip"), ignore_case=True), "VIP", True),
    (c("eq", S("straße"), ignore_case=True), "STRASSE", True),  # casefold, not lower
    (c("eq", S("vip")), ["new", "vip"], True),
    (c("eq", S("vip"), negated=True), ["new", "vip"], False),
    (c("eq", S("vip"), negated=True), "new", True),
    (c("eq", S("vip"), negated=True), MISSING, False),
    (c("eq", S("vip"), negated=True), None, False),
    (c("eq", S("1")), 1, False),
    (c("eq", N(1)), "1", False),
    (c("eq", N(1)), 1.0, True),
    (c("eq", N(1)), True, False),  # bool is not a number
    (c("eq", N(Decimal("0.1"))), 0.1, True),  # float data equals the decimal literal by float
    (c("eq", N(Decimal("0.1"))), Decimal("0.1"), True),
    (c("eq", N(Decimal("0.30"))), 0.1 + 0.2, False),
    (c("eq", B(True)), True, True),
    (c("eq", B(True)), 1, False),
    (c("eq", B(False)), MISSING, False),
    (c("eq", D(dt.date(2026, 1, 31))), "2026-01-31", True),
    (c("eq", D(dt.date(2026, 1, 31))), dt.datetime(2026, 1, 31), True),  # midnight UTC
    (c("eq", D(dt.date(2026, 1, 31))), dt.datetime(2026, 1, 31, 9), False),
    (c("eq", D(dt.date(2026, 1, 31))), "2026", False),  # a year alone is not a date
    # one of
    (c("in", S("a"), S("b")), "b", True),
    (c("in", S("a"), S("b")), ["c", "a"], True),
    (c("in", S("a"), S("b"), negated=True), "c", True),
    (c("in", S("a"), S("b"), negated=True), MISSING, False),
    (c("in", N(1), N(2)), 2.0, True),
    (c("in", N(1), N(2)), True, False),
    (c("in", S("A"), ignore_case=True), "a", True),
    # ordering
    (c("gt", N(18)), 19, True),
    (c("gt", N(18)), 18, False),
    (c("ge", N(18)), 18, True),
    (c("lt", N(18)), "17", False),
    (c("lt", N(18)), [30, 10], True),
    (c("le", N(Decimal("0.1"))), 0.1, True),
    (c("gt", N(0)), True, False),
    (c("lt", S("m")), "apple", True),
    (c("lt", S("m")), "Zebra", True),
    (c("lt", S("m"), ignore_case=True), "Zebra", False),
    (c("lt", D(dt.date(2026, 1, 1))), "2025-12-31T23:59:59Z", True),
    (c("lt", D(dt.date(2026, 1, 1))), dt.date(2026, 1, 1), False),
    (c("gt", T(dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC))), "2026-01-01T10:00:00+01:00", False),
    (c("gt", T(dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC))), "2026-01-01T10:00:00", True),
    (c("lt", D(dt.date(2026, 1, 1))), "not a date", False),
    (c("between", N(1), N(5)), 5, True),
    (c("between", N(1), N(5)), 6, False),
    (c("between", N(1), N(5), negated=True), 6, True),
    (c("between", N(1), N(5), negated=True), MISSING, False),
    (c("between", D(dt.date(2026, 1, 1)), D(dt.date(2026, 2, 1))), "2026-01-15", True),
    # contains (whole value)
    (c("contains_any", S("gol")), "golf", True),
    (c("contains_any", S("golf")), ["golf", "chess"], True),
    (c("contains_any", S("gol")), ["golf"], False),  # list elements are compared whole
    (c("contains_any", S("x"), S("golf")), ["golf"], True),
    (c("contains_all", S("x"), S("golf")), ["golf"], False),
    (c("contains_all", S("x"), S("golf")), ["golf", "x"], True),
    (c("contains_any", S("GOLF"), ignore_case=True), ["golf"], True),
    (c("contains_any", S("golf"), negated=True), ["chess"], True),
    (c("contains_any", S("golf"), negated=True), MISSING, False),
    (c("contains_any", N(1)), [1, 2], True),
    (c("contains_any", N(1)), "1", False),
    (c("contains_any", S("a")), 5, False),
    # affixes and patterns
    (c("starts_with", S("+1")), "+1 555", True),
    (c("ends_with", S("@example.com"), ignore_case=True), "A@EXAMPLE.COM", True),
    (c("ends_with", S("@example.com")), ["a@x.org", "b@example.com"], True),
    (c("starts_with", S("1")), 123, False),
    (c("starts_with", S("a"), negated=True), "b", True),
    (c("matches", n.Regex(r"\d{3}")), "ab123", True),  # found anywhere
    (c("matches", n.Regex(r"^\d{3}$")), "ab123", False),
    (c("matches", n.Regex("abc"), ignore_case=True), "xABC", True),
    (c("matches", n.Regex("abc"), negated=True), "xyz", True),
    (c("matches", n.Regex("abc"), negated=True), MISSING, False),
    # existence and emptiness
    (c("exists"), 0, True),
    (c("exists"), [], True),
    (c("exists"), None, False),
    (c("exists", negated=True), MISSING, True),
    (c("exists", negated=True), None, True),
    (c("exists", negated=True), "", False),
    (c("empty"), "", True),
    (c("empty"), [], True),
    (c("empty"), {}, True),
    (c("empty"), 0, False),
    (c("empty", negated=True), ["a"], True),
    (c("empty", negated=True), MISSING, False),
    # relative time
    (c("within_last", n.Duration(7, "days")), NOW - dt.timedelta(days=7), True),
    (c("within_last", n.Duration(7, "days")), NOW - dt.timedelta(days=8), False),
    (c("within_last", n.Duration(7, "days")), NOW + dt.timedelta(seconds=1), False),
    (c("within_last", n.Duration(1, "months")), "2026-05-15T12:00:00Z", True),
    (c("within_last", n.Duration(1, "months")), "2026-05-15T11:59:59Z", False),
    (c("within_last", n.Duration(2, "hours")), ["2020-01-01", "2026-06-15T11:00:00Z"], True),
    (c("more_than_ago", n.Duration(1, "years")), dt.date(2025, 6, 14), True),
    (c("more_than_ago", n.Duration(1, "years")), dt.date(2025, 6, 16), False),
    (c("more_than_ago", n.Duration(1, "years")), "yesterday", False),
]


@pytest.mark.parametrize(("condition", "value", "expected"), CASES)
def test_operator_table(condition: n.Compare, value: object, expected: bool) -> None:
    profile = {} if value is MISSING else {"x": value}
    assert holds(condition, profile) is expected


def test_a_negation_is_presence_and_not_the_positive() -> None:
    for condition, value, _ in CASES:
        if condition.op == "exists":
            continue
        negative = attrs.evolve(condition, negated=not condition.negated)
        profile = {} if value is MISSING else {"x": value}
        present = value is not MISSING and value is not None
        assert holds(negative, profile) is (present and not holds(condition, profile))


# --- computed operands -------------------------------------------------------------------------


@pytest.mark.parametrize(("birth", "years"), [
    (dt.date(2008, 6, 15), 18), (dt.date(2008, 6, 16), 17), ("2008-06-15", 18),
    (dt.date(2008, 2, 29), 18), (dt.datetime(2008, 6, 15, 13, tzinfo=dt.UTC), 17),
])
def test_years_since_counts_only_birthdays_reached(birth: object, years: int) -> None:
    older = n.Compare(n.TimeSince("years", n.Attr(("born",))), "ge", (N(years),))
    assert holds(older, {"born": birth})
    assert not holds(n.Compare(n.TimeSince("years", n.Attr(("born",))), "ge", (N(years + 1),)),
                     {"born": birth})


@pytest.mark.parametrize("value", [None, "soon", 1990, ["2000-01-01"]])
def test_time_functions_are_missing_on_non_dates(value: object) -> None:
    for unit in ("years", "days"):
        operand = n.TimeSince(unit, n.Attr(("born",)))
        assert not holds(n.Compare(operand, "ge", (N(-10**9),)), {"born": value})
        assert holds(n.Compare(operand, "exists", negated=True), {"born": value})


def test_days_since_counts_whole_days() -> None:
    days = n.TimeSince("days", n.Attr(("seen",)))
    assert holds(n.Compare(days, "eq", (N(1),)), {"seen": NOW - dt.timedelta(hours=47)})
    assert holds(n.Compare(days, "eq", (N(0),)), {"seen": NOW + dt.timedelta(hours=2)})


ORDERS = [
    {"total": 100, "status": "paid", "at": "2026-06-01"},
    {"total": Decimal("50.5"), "status": "paid", "at": dt.date(2026, 6, 10)},
    {"total": "n/a", "status": "paid", "at": None},
    {"total": 999, "status": "refunded"},
    {"status": "paid"},
]


def agg(func: str, field: str = "", where: n.Expr | None = None) -> n.Aggregate:
    return n.Aggregate(func, n.Attr(("orders",)), (field,) if field else (), where)


PAID = n.Compare(n.Attr(("status",)), "eq", (S("paid"),))


@pytest.mark.parametrize(("operand", "condition", "expected"), [
    (agg("count"), ("eq", N(5)), True),
    (agg("count", where=PAID), ("eq", N(4)), True),  # wrong-type and missing fields count
    (agg("sum", "total", PAID), ("eq", N(Decimal("150.5"))), True),
    (agg("avg", "total", PAID), ("eq", N(Decimal("75.25"))), True),
    (agg("min", "total"), ("eq", N(Decimal("50.5"))), True),
    (agg("max", "total"), ("eq", N(999)), True),
    (agg("max", "at"), ("eq", D(dt.date(2026, 6, 10))), True),
    (agg("min", "at"), ("within_last", n.Duration(30, "days")), True),
    (agg("count", where=n.Compare(n.Attr(("total",)), "gt", (N(500),))), ("eq", N(1)), True),
])
def test_aggregates(operand: n.Aggregate, condition: tuple[str, n.Value], expected: bool) -> None:
    op, value = condition
    assert holds(n.Compare(operand, op, (value,)), {"orders": ORDERS}) is expected


@pytest.mark.parametrize("orders", [None, [], "not a list", [{"total": "x"}]])
def test_aggregates_of_nothing(orders: object) -> None:
    profile = {"orders": orders}
    empty = not isinstance(orders, list) or orders == []
    assert holds(n.Compare(agg("count"), "eq", (N(0 if empty else 1),)), profile)
    assert holds(n.Compare(agg("sum", "total"), "eq", (N(0),)), profile)
    for func in ("avg", "min", "max"):
        assert holds(n.Compare(agg(func, "total"), "exists", negated=True), profile)


def test_sum_of_floats_and_decimals_is_exact() -> None:
    profile = {"orders": [{"total": 0.5}, {"total": Decimal("0.25")}]}
    assert holds(n.Compare(agg("sum", "total"), "eq", (N(Decimal("0.75")),)), profile)


def test_where_reads_the_element_and_session_reads_the_session() -> None:
    mobile = n.Compare(n.Attr(("device",), "session"), "eq", (S("mobile"),))
    count = n.Aggregate("count", n.Attr(("orders",)), (), n.AllOf((PAID, mobile)))
    condition = n.Compare(count, "eq", (N(4),))
    profile = {"orders": ORDERS, "status": "refunded"}
    assert holds(condition, profile, session={"device": "mobile"})
    assert not holds(condition, profile, session={"device": "desktop"})


# --- adapters ----------------------------------------------------------------------------------


@dataclasses.dataclass
class Shopper:
    country: str
    _secret: str = "s"
    address: object = None

    def keys(self) -> list[str]:
        return ["country"]

    @property
    def broken(self) -> str:
        raise RuntimeError("database down")


@attrs.define
class AttrsShopper:
    country: str


class Plain:
    def __init__(self) -> None:
        self.country = "NL"
        self.greet = lambda: "hi"


def exists(*path: str) -> n.Compare:
    return n.Compare(n.Attr(path), "exists")


@pytest.mark.parametrize(("profile", "path", "expected"), [
    ({"country": "NL"}, ("country",), True),
    (Shopper("NL"), ("country",), True),
    (AttrsShopper("NL"), ("country",), True),
    (Plain(), ("country",), True),
    (Plain(), ("greet",), False),  # a callable is never read
    (Shopper("NL"), ("keys",), False),  # a method is a callable
    ({"keys": 1}, ("keys",), True),  # a mapping key, never the method
    ({}, ("keys",), False),
    ({}, ("items",), False),
    (Shopper("NL"), ("_secret",), False),  # private attributes are never read
    ({"_secret": 1}, ("_secret",), True),  # mapping keys are data
    (Shopper("NL", address={"city": "Delft"}), ("address", "city"), True),
    ({"address": Shopper("NL")}, ("address", "country"), True),
    ({"address": "Main St"}, ("address", "upper"), False),  # built-in values have no fields
    ({"price": 5}, ("price", "real"), False),
    (None, ("country",), False),  # an anonymous visitor
    ({"f": print}, ("f",), False),
])
def test_reading_paths(profile: object, path: tuple[str, ...], expected: bool) -> None:
    assert holds(exists(*path), profile) is expected


def test_a_raising_property_is_missing_and_counted() -> None:
    book = Book(n.Document((n.Segment("s", includes=(exists("broken"),)),
                            n.Segment("t", includes=(n.Compare(n.Attr(("broken",)), "exists",
                                                               negated=True),)))))
    assert not book.matches("s", Shopper("NL"))
    assert book.matches("t", Shopper("NL"))
    assert book.evaluation_errors == 2


def test_computed_attributes_are_computed_with_now() -> None:
    registry = Attributes()
    seen: list[dt.datetime] = []

    @registry.register("age")
    def age(profile: object, now: dt.datetime) -> int:
        seen.append(now)
        return 40

    condition = n.Compare(n.Attr(("age",)), "ge", (N(18),))
    assert holds(condition, {"age": 3}, attributes=registry)
    assert seen == [NOW]
    assert not holds(condition, None, attributes=registry)  # not called without a profile
    assert seen == [NOW]


def test_a_raising_computed_attribute_is_missing_and_counted() -> None:
    registry = Attributes()
    registry.register("age", lambda profile, now: 1 / 0)
    book = Book(n.Document((n.Segment("s", includes=(
        n.Compare(n.Attr(("age",)), "exists", negated=True),)),)), attributes=registry)
    assert book.matches("s", {"age": 30})
    assert book.evaluation_errors == 1


def test_registering_after_load_does_not_change_the_book() -> None:
    registry = Attributes()
    book = Book(n.Document((n.Segment("s", includes=(exists("age"),)),)), attributes=registry)
    registry.register("age", lambda profile, now: 1)
    assert not book.matches("s", {})


def test_odd_data_makes_a_condition_false_and_is_counted() -> None:
    class Broken(list[str]):
        def __iter__(self) -> Iterator[str]:
            raise RuntimeError("no")

    book = Book(n.Document((n.Segment("s", includes=(
        n.Compare(n.Attr(("x",)), "eq", (S("a"),), ignore_case=True),)),)))
    assert book.matches("s", {"x": Broken(["a"])}) is False
    assert book.evaluation_errors == 1
    assert book.matches("s", {"x": Decimal("sNaN")}) is False


def test_a_string_subclass_is_compared_as_its_text() -> None:
    # Its methods are not called: the value is the text, whatever the class overrides.
    class Weird(str):
        def casefold(self) -> str:
            raise RuntimeError("no")

        def lower(self) -> str:
            raise RuntimeError("no")

    for ignore_case in (False, True):
        book = Book(n.Document((n.Segment("s", includes=(
            n.Compare(n.Attr(("x",)), "starts_with", (S("a"),), ignore_case=ignore_case),)),)))
        assert book.matches("s", {"x": Weird("abc")}) is True
        assert book.evaluation_errors == 0
