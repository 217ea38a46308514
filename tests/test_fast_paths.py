"""The generated fast paths against the tree-walking oracle, with data chosen to take each one.

Each condition below has an inline fast path for one class of datum (a string, an int or float
next to an int a float holds exactly, a float next to a decimal's float twin, a list of
strings, an aware datetime, a plain list of dict records) and a fallback to the runtime
predicate for every other datum. The profiles mix both: the exact classes, and the values that
must leave the fast path (bools, Decimals, Fractions, NaN, NumPy scalars, float subclasses,
lists holding other things, tuples, sets, custom sequences, mappings that are not dicts,
records that are not dicts), so a fast path that answers where it should have fallen back, or
falls back with a different meaning, shows up as a disagreement.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Mapping
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from hostile import PlainSequence, RaisingEq, RaisingFloat, RaisingSequence
from oracle import Oracle
from segrules import codegen, runtime
from segrules import nodes as n
from segrules.book import Book

NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)
EAST = dt.timezone(dt.timedelta(hours=5, minutes=30))


def attr(*names: str) -> n.Attr:
    return n.Attr(names)


def cmp(left: n.Operand | str, op: str, *values: n.Value, negated: bool = False) -> n.Compare:
    operand = attr(left) if isinstance(left, str) else left
    return n.Compare(operand, op, values, negated=negated)


S, N, D = n.String, n.Number, Decimal
# One condition per fast path, each in positive and (where the language has it) negated form.
CONDITIONS: dict[str, n.Expr] = {
    "str eq": cmp("country", "eq", S("Zürich")),
    "str not eq": cmp("country", "eq", S("Canada"), negated=True),
    "str in": cmp("country", "in", S("Canada"), S("Zürich"), S("ı")),
    "int ge": cmp("age", "ge", N(18)),
    "int lt": cmp("age", "lt", N(-3)),
    "int eq": cmp("age", "eq", N(30)),
    "int not in": cmp("age", "in", N(30), N(0), negated=True),
    "int between": cmp("age", "between", N(18), N(65)),
    "int not between": cmp("age", "between", N(0), N(30), negated=True),
    "big int gt": cmp("age", "gt", N(2**60)),
    "big int eq": cmp("age", "eq", N(10**22)),
    "decimal ge": cmp("score", "ge", N(D("0.1"))),
    "decimal le": cmp("score", "le", N(D("99.99"))),
    "decimal eq": cmp("score", "eq", N(D("0.1"))),
    "decimal in": cmp("score", "in", N(D("0.1")), N(D("2.5")), N(30)),
    "decimal between": cmp("score", "between", N(D("0.1")), N(D("99.99"))),
    "decimal no twin": cmp("score", "ge", N(D("0.10000000000000000001"))),
    "contains": cmp("interests", "contains_any", S("golf")),
    "contains any": cmp("interests", "contains_any", S("golf"), S("Zürich")),
    "contains all": cmp("interests", "contains_all", S("golf"), S("sailing")),
    "not contains": cmp("interests", "contains_any", S("golf"), negated=True),
    "contains two": cmp("interests", "contains_any", S("golf"), S("sailing")),
    "not contains two": cmp("interests", "contains_any", S("golf"), S("I"), negated=True),
    "within last": cmp("seen", "within_last", n.Duration(30, "days")),
    "more than ago": cmp("seen", "more_than_ago", n.Duration(1, "months")),
    "sum": cmp(n.Aggregate("sum", attr("orders"), ("total",)), "ge", N(500)),
    "sum where": cmp(n.Aggregate("sum", attr("orders"), ("total",),
                                 cmp("status", "eq", S("paid"))), "ge", N(D("10.5"))),
    "sum nested path": cmp(n.Aggregate("sum", attr("orders"), ("price", "amount")), "gt", N(0)),
    "count": cmp(n.Aggregate("count", attr("orders")), "ge", N(2)),
    "count where": cmp(n.Aggregate("count", attr("orders"), (),
                                   cmp("placed_at", "within_last", n.Duration(365, "days"))),
                       "eq", N(1)),
    "avg": cmp(n.Aggregate("avg", attr("orders"), ("total",)), "lt", N(100)),
    "min": cmp(n.Aggregate("min", attr("orders"), ("total",)), "le", N(D("0.1"))),
    "max exists": cmp(n.Aggregate("max", attr("orders"), ("total",)), "exists"),
    "sum of values": cmp(n.Aggregate("sum", attr("interests")), "eq", N(0)),
    "count of nested where": cmp(n.Aggregate("count", attr("orders"), (), cmp(
        n.Aggregate("count", attr("lines"), (), cmp("sku", "eq", S("golf"))), "ge", N(1))),
        "ge", N(1)),
}
# Read twice, so the name is hoisted into a local whose class is taken once.
HOISTED = n.AnyOf((cmp("age", "ge", N(18)), cmp("age", "eq", N(D("0.1"))),
                   cmp("country", "eq", S("Canada")), cmp("country", "in", S("ı"), S("x"))))
# Read first in a block: the class (and a string's normal form) are taken once, up front.
HOISTED_FIRST = n.AllOf((cmp("country", "eq", S("Zürich"), negated=True),
                         n.AnyOf((cmp("country", "in", S("ı"), S("\u212a")),
                                  cmp("age", "lt", N(D("0.1")))))))

numbers = st.one_of(
    st.integers(-40, 120), st.integers(-2**70, 2**70), st.floats(), st.floats(-200, 200),
    st.sampled_from([0.1, 99.99, 10.5, 18.0, 30.0, 2.0**60, 1e22, 0.30000000000000004, -0.0,
                     float("nan"), float("inf"), D("0.1"), D("0.10"), D("NaN"), D("30"),
                     Fraction(1, 10), True, False, 2**60, 10**22]),
    st.sampled_from([np.float64(0.1), np.float64("nan"), np.int64(30), np.float32(0.1),
                     np.bool_(True), np.int8(18)]),
    st.builds(RaisingFloat, st.floats(0, 100)),
)
# Text that only equals a literal after normalisation comes first: Hypothesis favours it.
words = st.sampled_from(["Zu\u0308rich", "golf", "Canada", "sailing", "Zürich", "\u212a", "ı",
                         "I", "GOLF", "", "golfer"])
odd_scalars = st.sampled_from([None, b"golf", dt.date(2026, 1, 1), "2026-05-30", len])
datum = st.one_of(numbers, words, odd_scalars)


def lists_of(element: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A list (the fast path) or another collection of the same elements (the fallback)."""
    items = st.lists(element, max_size=4)
    return st.one_of(
        items, items, items.map(tuple), items.map(lambda xs: PlainSequence(xs)),
        st.lists(words, max_size=3).map(set), st.just(RaisingSequence(2)),
        items.map(lambda xs: iter(xs)),
    )


moments = st.one_of(
    st.datetimes(dt.datetime(2024, 1, 1), dt.datetime(2027, 1, 1),
                 timezones=st.sampled_from([dt.UTC, EAST])),
    st.datetimes(dt.datetime(2024, 1, 1), dt.datetime(2027, 1, 1)),  # naive: UTC
    st.dates(dt.date(2024, 1, 1), dt.date(2027, 1, 1)),
    st.sampled_from(["2026-05-20T10:00:00Z", "2026-05-31", "yesterday", None]),
    st.lists(st.datetimes(dt.datetime(2025, 1, 1), dt.datetime(2027, 1, 1),
                          timezones=st.just(dt.UTC)), max_size=2),
)


class Record(Mapping[str, Any]):
    """A mapping that is not a dict: read through the adapter, never with ``dict.get``."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)


def records(base: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[Any]:
    """A dict (the fast path), another mapping, or an object with attributes."""
    return st.one_of(base, base, base.map(Record), base.map(MappingProxyType),
                     base.map(lambda d: type("Row", (), d)()))


order = st.fixed_dictionaries({}, optional={
    "total": numbers, "status": st.sampled_from(["paid", "refunded", "Paid", None]),
    "placed_at": moments, "price": st.fixed_dictionaries({"amount": numbers}),
    "lines": st.lists(st.fixed_dictionaries({}, optional={"sku": words}), max_size=2),
})
orders = st.one_of(lists_of(st.one_of(records(order), records(order), numbers, words,
                                      st.none())),
                   st.just(RaisingSequence(1)), numbers)
profiles = st.one_of(st.fixed_dictionaries({
    "interests": st.lists(words, min_size=1, max_size=4), "country": words,
    "age": numbers, "score": numbers, "orders": st.lists(order, max_size=3), "seen": moments,
}), records(st.fixed_dictionaries({
    "country": st.one_of(words, words, datum, lists_of(words), st.builds(RaisingEq, words)),
    "age": st.one_of(numbers, numbers, datum, lists_of(numbers)),
    "score": st.one_of(numbers, numbers, lists_of(numbers)),
    "interests": st.one_of(st.lists(words, max_size=4), lists_of(words),
                           lists_of(st.one_of(words, numbers)), words, datum),
    "seen": moments,
    "orders": orders,
})))


def _book(condition: n.Expr) -> tuple[n.Document, Book]:
    # `steps`: the only include block's conditions are tested one by one (list scans as loops
    # in the function), after a first condition that reads `interests` into a local.
    steps = n.AllOf((CONDITIONS["contains two"], condition, CONDITIONS["not contains"]))
    document = n.Document((n.Segment("s", includes=(condition,)),
                           n.Segment("negated", includes=(n.Not(condition),)),
                           n.Segment("hoisted", includes=(HOISTED, HOISTED_FIRST)),
                           n.Segment("steps", includes=(steps,))))
    return document, Book(document)


BOOKS = {name: _book(condition) for name, condition in CONDITIONS.items()}


def _oracle_says(document: n.Document, profile: object, name: str) -> bool | None:
    """The oracle's answer, or None when a hostile value makes the oracle itself raise (the
    compiled code then answers false for the condition, and counts an error)."""
    try:
        return Oracle(document, profile, now=NOW).member(name)
    except Exception:
        return None


@pytest.mark.parametrize("condition", sorted(CONDITIONS))
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(profile=profiles)
def test_fast_paths_agree_with_the_oracle(condition: str, profile: Any) -> None:
    document, book = BOOKS[condition]
    bound = {name: book.predicate(name) for name in book.names}
    for name in book.names:
        answer = book.matches(name, profile, now=NOW)
        assert bound[name](profile, now=NOW) == answer, name
        assert book.explain(name, profile, now=NOW).matched == answer, name
        expected = _oracle_says(document, profile, name)
        event("oracle raised" if expected is None else f"{name}: {expected}")
        if expected is not None:
            assert answer == expected, (condition, name, book.source(name))


@pytest.mark.parametrize("condition", sorted(CONDITIONS))
def test_each_condition_has_a_fast_path_in_the_generated_source(condition: str) -> None:
    """The cases above must exercise the fast paths, not only the runtime predicates."""
    source = BOOKS[condition][1].source("s")
    inline = ("_NUMBER", "is int", "is float", "is str", "is list", "def _agg")
    if condition in ("within last", "more than ago", "decimal no twin", "big int eq"):
        # The first two are decided in the runtime predicate's own fast branch; the last two
        # have no twin a float can be compared with, or no float that holds them.
        return
    assert any(token in source for token in inline), source


@pytest.mark.parametrize(("interests", "expected", "errors"), [
    (["chess", "golf", RaisingEq("golf")], True, 0),  # decided before the hostile element
    (["chess", RaisingEq("golf"), "golf"], False, 1),  # the runtime check decides, and fails
    (["chess", 7, "golf"], True, 0),
    (["chess", "tennis"], False, 0),
    (("chess", "golf"), True, 0),
    ("golfer", True, 0),  # a string contains a substring
])
def test_contains_any_of_plain_strings_is_a_loop_in_the_segment_function(
        interests: object, expected: bool, errors: int) -> None:
    """A top-level `contains any of` ASCII strings is the list scan inline (no call), which
    hands the whole value to the runtime check at the first element that is not a `str`."""
    condition = n.AllOf((cmp("age", "ge", N(18)), CONDITIONS["contains two"]))
    book = Book(n.Document((n.Segment("s", includes=(condition,)),)))
    source = book.compiled("s").source
    assert "for _x in" in source, source
    assert book.matches("s", {"age": 30, "interests": interests}, now=NOW) is expected
    assert book.predicate("s")({"age": 30, "interests": interests}, now=NOW) is expected
    assert book.evaluation_errors == 2 * errors
    assert book.matches("s", {"age": 3, "interests": interests}, now=NOW) is False


def test_an_emitter_without_a_segment_writes_conditions_another_generator_can_use() -> None:
    """The whole-book evaluator's way in: one condition, its helpers, in the book namespace."""
    shared = codegen.Shared(runtime.ErrorCounter())
    emitter = codegen.Emitter(None, {}, {}, shared)
    condition = n.AllOf((CONDITIONS["sum where"], CONDITIONS["contains"], CONDITIONS["int ge"]))
    test = emitter.expr(condition, "p")
    source = "\n".join((*emitter.helpers, f"def check({codegen.SIGNATURE}):",
                        "    d = type(p) is dict", f"    return {test}", ""))
    defined: dict[str, Any] = {}
    exec(compile(source, "<test>", "exec"), shared.namespace, defined)
    shared.namespace.update(defined)
    book = Book(n.Document((n.Segment("s", includes=(condition,)),)))
    cases = (({"orders": [{"total": 11, "status": "paid"}], "interests": ["golf"], "age": 18.0},
              True),
             ({"orders": [{"total": 10.4, "status": "paid"}], "interests": ["golf"], "age": 30},
              False),
             (Record({"orders": ({"total": D("10.5"), "status": "paid"},),
                      "interests": ("golf",), "age": np.int64(20)}), True))
    for profile, expected in cases:
        assert defined["check"](profile, None, None, None, NOW, None, None) is expected
        assert book.matches("s", profile, now=NOW) is expected


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(
    st.integers(-10**6, 10**6).map(lambda cents: cents / 100),  # prices: the quick path
    st.decimals(-10**9, 10**9, places=4, allow_nan=False).map(float),
    st.floats(), st.integers(-2**70, 2**70), st.none(), st.sampled_from([2.0**33, -(2.0**33)]),
), max_size=6))
def test_a_list_sum_is_the_exact_sum_of_the_written_values(values: list[Any]) -> None:
    """``numeric.total``'s one-pass path for lists gives what the general path gives."""
    from segrules import numeric

    summed = numeric.total(values)
    general = numeric.total(iter(values))  # not a list: the general path
    numbers = [x for x in values if x is not None]
    one, other = numeric.written(summed), numeric.written(general)
    assert one == other or (one != one and other != other)  # NaN: from NaN, or inf + -inf
    if any(x != x for x in numbers if isinstance(x, float)):
        assert summed != summed
    if all(isinstance(x, int) for x in numbers):
        assert summed == sum(numbers) and type(summed) is int


def test_infinities_of_both_signs_sum_to_nan_on_both_paths() -> None:
    from segrules import numeric

    values = [math.inf, -math.inf]
    assert numeric.total(values) != numeric.total(values)
    assert numeric.total(iter(values)) != numeric.total(iter(values))


# Every kind of value a sum meets: the loop's fast path (cents, whole numbers, None) and each
# value that hands the rest of the list to the general path.
_SUMMED = st.one_of(
    st.integers(-10**6, 10**6).map(lambda cents: cents / 100), st.integers(-10**6, 10**6),
    st.none(), st.floats(), st.integers(-2**70, 2**70), st.booleans(), st.text(max_size=2),
    st.decimals(allow_nan=True, places=3), st.fractions(max_denominator=7),
    st.sampled_from([2.0**33, -(2.0**33), 0.1 + 0.2, np.float64(0.25)]),
    st.builds(RaisingFloat, st.just(0.5)),
)


class KeepFails(Record):
    """An order whose ``keep`` field cannot be read (a feed that times out)."""

    def __getitem__(self, key: str) -> Any:
        if key == "keep":
            raise RuntimeError("feed timed out")
        return super().__getitem__(key)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_SUMMED, st.booleans()), max_size=8), st.booleans())
def test_a_generated_sum_is_the_exact_total_and_reads_each_element_once(
        rows: list[tuple[Any, bool]], filtered: bool) -> None:
    """The loop a sum compiles to gives ``numeric.total`` of the values ``where`` keeps, and
    tests each element once: the `where` below counts an error per element it reads."""
    from segrules import numeric

    shared = codegen.Shared(runtime.ErrorCounter())
    emitter = codegen.Emitter(None, {}, {}, shared)
    where = cmp("keep", "eq", N(1)) if filtered else None
    call = emitter.operand(n.Aggregate("sum", attr("orders"), ("total",), where), "p")
    source = "\n".join((*emitter.helpers, f"def total({codegen.SIGNATURE}):",
                        "    d = type(p) is dict", f"    return {call}", ""))
    defined: dict[str, Any] = {}
    exec(compile(source, "<test>", "exec"), shared.namespace, defined)
    shared.namespace.update(defined)
    # A row not kept fails when its `keep` is read: read once, it counts one error.
    orders = [{"total": value, "keep": 1} if kept else KeepFails({"total": value})
              for value, kept in rows]
    expected_errors = sum(not kept for _, kept in rows) if filtered else 0
    try:
        expected = numeric.total([value for value, kept in rows if kept or not filtered])
    except Exception:  # a value whose conversion raises: the sum is missing, one error more
        expected, expected_errors = None, expected_errors + 1
    got = defined["total"]({"orders": orders}, None, None, None, NOW, None, None)
    assert shared.errors.value <= expected_errors  # the loop stops at a failing value
    if expected is None:
        assert got is None
        return
    assert shared.errors.value == expected_errors
    one, other = numeric.written(got), numeric.written(expected)
    assert one == other or (one != one and other != other)


def test_conditions_that_loop_over_a_list_come_last() -> None:
    """Within `all`/`any`, aggregates are evaluated after the other conditions, so a customer
    the others decide costs no loop; the written order is kept otherwise."""
    calls: list[str] = []

    class Orders(list[dict[str, object]]):
        def __iter__(self) -> Iterator[dict[str, object]]:
            calls.append("orders")
            return super().__iter__()

    book = Book(n.Document((n.Segment("s", includes=(n.AllOf((
        CONDITIONS["sum"], CONDITIONS["str eq"], CONDITIONS["int ge"])),)),)))
    source = book.compiled("s").source
    body = source[source.index("def segment"):]
    assert body.index("_k", body.index("if not (")) < body.index("_agg")
    assert book.matches("s", {"orders": Orders([{"total": 900}]), "country": "Bern",
                              "age": 40}, now=NOW) is False
    assert calls == []  # decided by `country` before the sum
    assert book.matches("s", {"orders": Orders([{"total": 900}]), "country": "Zürich",
                              "age": 40}, now=NOW) is True
    assert calls == ["orders"]


_OFFSETS = st.sampled_from([dt.UTC, EAST, dt.timezone(-dt.timedelta(hours=11))])
_INSTANTS = st.builds(lambda moment, zone: moment.replace(tzinfo=zone), st.datetimes(), _OFFSETS)
_YEAR_ONE = st.builds(lambda moment, zone: moment.replace(tzinfo=zone),
                      st.datetimes(max_value=dt.datetime(2, 12, 31)), _OFFSETS)


@settings(max_examples=400, deadline=None)
@given(st.one_of(_INSTANTS, st.datetimes(), st.dates(), st.none()),
       st.one_of(_INSTANTS, _YEAR_ONE),
       st.sampled_from(["within_last", "more_than_ago"]),
       st.sampled_from([n.Duration(0, "days"), n.Duration(365, "days"),
                        n.Duration(36, "hours"), n.Duration(3_000_000, "days"),
                        n.Duration(3, "months")]))
def test_a_recent_moment_is_decided_inline_as_the_runtime_check_decides(
        datum: object, now: dt.datetime, op: str, duration: n.Duration) -> None:
    """`within last` and `more than … ago` of an aware datetime are inline (no call), guarded
    so that `now - length` always exists; under `not`, an impossible `now - length` must not
    turn into a failed segment."""
    condition = cmp("seen", op, duration)
    check = runtime.predicate(op, (duration,), negated=False, ignore_case=False,
                              errors=runtime.ErrorCounter())
    expected = check(datum, now)
    book = Book(n.Document((n.Segment("s", includes=(condition,)),
                            n.Segment("t", includes=(n.Not(condition),)))))
    assert book.matches("s", {"seen": datum}, now=now) is expected
    assert book.matches("t", {"seen": datum}, now=now) is (not expected)
    if duration.unit != "months":
        assert "now -" in book.compiled("s").source  # decided inline, not by a call
