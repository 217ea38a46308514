"""Numbers count as written: money adds up, and any real number but a bool is a number.

Every verdict here is taken three ways (compiled code, ``explain`` and the oracle), which must
agree, and checked against exact decimal arithmetic done by the test itself.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import operator
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import segrules
from oracle import Oracle
from segrules import numeric
from segrules.customers import CustomerFile
from segrules.explain import explain

NOW = dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC)
LAW = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@functools.cache
def _book(rule: str) -> segrules.Book:
    return segrules.loads(f"segment s {{ include where {rule} }}")


def verdict(rule: str, profile: object) -> bool:
    """Whether ``profile`` is in ``segment s { include where RULE }``, asked three ways."""
    book = _book(rule)
    compiled = book.matches("s", profile, now=NOW)
    explained = explain(book, "s", profile, now=NOW).matched
    oracle = Oracle(book.document, profile, now=NOW).member("s")
    assert compiled == explained == oracle, (rule, profile, compiled, explained, oracle)
    assert book.evaluation_errors == 0
    return compiled


def orders(*totals: object) -> dict[str, object]:
    return {"orders": [{"total": t, "status": "paid"} for t in totals]}


# --- money adds up as written -----------------------------------------------------------------


def test_paid_orders_of_exactly_500_satisfy_sum_at_least_500() -> None:
    profile = orders(13.01, 298.76, 134.91, 53.32)
    assert verdict('sum(orders.total where status is "paid") >= 500', profile)
    assert verdict("sum(orders.total) is 500", profile)
    assert not verdict("sum(orders.total) > 500", profile)
    assert not verdict("sum(orders.total) < 500", profile)
    book = segrules.loads("segment s { include where sum(orders.total) >= 500 }")
    assert "sum(orders.total) = 500.0)" in str(explain(book, "s", profile, now=NOW))


def test_ten_orders_of_a_tenth_sum_to_one() -> None:
    profile = orders(*[0.10] * 10)
    assert verdict("sum(orders.total) >= 1", profile)
    assert verdict("sum(orders.total) is 1.00", profile)
    assert verdict("avg(orders.total) is 0.1", profile)


def test_a_sum_is_exact_beyond_the_fast_path() -> None:
    # More than four decimals, huge values, Decimals and Fractions take the exact Decimal path.
    assert verdict("sum(orders.total) is 0.3", orders(0.123456, 0.176544))
    assert verdict("sum(orders.total) is 10000000000.3", orders(1e10, 0.1, 0.2))
    assert verdict("sum(orders.total) is 1", orders(Decimal("0.5"), 0.25, Fraction(1, 4)))
    assert verdict("sum(orders.total) > 100000000000000000000",
                   orders(1e20, 0.000001))
    assert not verdict("sum(orders.total) > 0", orders(1e-8, -1e-8))
    assert verdict("sum(orders.total) > 0", orders(1e-8))


def test_a_sum_spanning_more_than_1000_digits_is_rounded_to_1000() -> None:
    # Exact, these would need two billion digits; rounded, they cost next to nothing.
    profile = orders(Decimal("1E+999999999"), Decimal("1E-999999999"), -1)
    book = segrules.loads("segment s { include where sum(orders.total) > 1 }")
    assert book.matches("s", profile)
    assert book.evaluation_errors == 0
    huge = numeric.total([Decimal("1E+999999999"), Decimal("1E-999999999"), -1])
    assert huge == Decimal("1E+999999999")  # rounded, not overflowed to infinity
    assert numeric.mean([Decimal("1E+999999999"), 0]) == Decimal("5E+999999998")


def test_an_average_is_the_exact_total_over_the_count() -> None:
    assert verdict("avg(orders.total) is 75.25", orders(100, Decimal("50.5")))
    assert verdict("avg(orders.total) is 166.67", orders(13.01, 298.76, 188.24))
    assert not verdict("avg(orders.total) is 166.67", orders(13.01, 298.76, 188.23))
    third = "avg(orders.total) < 0.3333333333333333"
    assert not verdict(third, orders(0, 0, 1))  # 1/3 is above its 16-digit float
    assert verdict("avg(orders.total) > 0.333333333333333333333", orders(0, 0, 1))


# Amounts as a law: any basket of 2–6 amounts with up to `places` decimals, written as floats,
# Decimals, NumPy floats, whole-number ints or Fractions, against a threshold near its total.
COMPARISONS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt,
               "is": operator.eq, "is not": operator.ne}


@st.composite
def baskets(draw: st.DrawFn, places: int) -> tuple[list[object], list[Decimal]]:
    units = draw(st.lists(st.integers(-10**9, 10**13), min_size=2, max_size=6))
    amounts = [Decimal(u).scaleb(-places) for u in units]
    written: list[object] = []
    for amount in amounts:
        kind = draw(st.sampled_from(["float", "decimal", "numpy", "int", "fraction"]))
        if kind == "float" or (kind == "int" and amount != amount.to_integral_value()):
            written.append(float(amount))
        elif kind == "numpy":
            written.append(np.float64(amount))
        elif kind == "int":
            written.append(int(amount))
        elif kind == "fraction":
            written.append(Fraction(amount))
        else:
            written.append(amount)
    return written, amounts


def _threshold(draw: st.DrawFn, exact: Decimal | Fraction, places: int) -> Decimal:
    step = Decimal(1).scaleb(-places)
    near = Decimal(round(Fraction(exact) / Fraction(step))) * step
    return draw(st.sampled_from([near, near + step, near - step, near + step / 2]))


@LAW
@given(st.data(), st.sampled_from([2, 4, 6]), st.sampled_from(list(COMPARISONS)))
def test_sum_membership_is_exact_decimal_comparison(data: st.DataObject, places: int,
                                                    op: str) -> None:
    written, amounts = data.draw(baskets(places))
    exact = sum(amounts, Decimal(0))
    threshold = _threshold(data.draw, exact, places)
    rule = f"sum(orders.total) {op} {threshold:f}"
    assert verdict(rule, orders(*written)) == COMPARISONS[op](exact, threshold)


@LAW
@given(st.data(), st.sampled_from([2, 4]), st.sampled_from(list(COMPARISONS)))
def test_avg_membership_is_exact_decimal_comparison(data: st.DataObject, places: int,
                                                    op: str) -> None:
    written, amounts = data.draw(baskets(places))
    exact = Fraction(sum(amounts, Decimal(0))) / len(amounts)
    threshold = _threshold(data.draw, exact, places)
    rule = f"avg(orders.total) {op} {threshold:f}"
    assert verdict(rule, orders(*written)) == COMPARISONS[op](exact, Fraction(threshold))


def test_min_and_max_order_mixed_number_types_as_written() -> None:
    profile = orders(Decimal("0.1000000000000000055511151231257827"), 0.1, 1, Fraction(1, 3))
    assert verdict("min(orders.total) is 0.1", profile)  # the float 0.1 is one tenth
    assert verdict("max(orders.total) is 1", profile)
    nan = orders(1, float("nan"), 3)
    assert not verdict("min(orders.total) < 5", nan)
    assert verdict("min(orders.total) is not 5", nan)


# --- every real number but a bool is a number ---------------------------------------------------


@pytest.mark.parametrize("age", [np.int64(30), np.int32(30), np.uint8(30), np.float64(30),
                                 np.float32(30), np.float16(30), Fraction(30), Decimal(30)])
def test_numpy_and_other_real_numbers_compare(age: object) -> None:
    assert verdict("age >= 18", {"age": age})
    assert verdict("age is 30", {"age": age})
    assert verdict("age is one of 29, 30", {"age": age})
    assert verdict("age is between 1 and 30", {"age": age})
    assert not verdict("age is not 30", {"age": age})
    assert verdict("tags contains 30", {"tags": [age]})


def test_a_numpy_float32_counts_as_its_shortest_digits() -> None:
    assert verdict("price is 0.1", {"price": np.float32(0.1)})
    assert verdict("sum(orders.total) is 0.3", orders(np.float32(0.1), np.float32(0.2)))


@pytest.mark.parametrize("flag", [True, np.bool_(True)])
def test_a_bool_is_not_a_number(flag: object) -> None:
    assert not verdict("flag >= 1", {"flag": flag})
    assert not verdict("flag is 1", {"flag": flag})
    assert verdict("flag is not 1", {"flag": flag})
    assert verdict("sum(orders.total) is 0", orders(flag, flag))


@pytest.mark.parametrize("flag", [True, False, np.bool_(True), np.bool_(False)], ids=repr)
def test_a_numpy_bool_is_the_boolean_it_holds(flag: object) -> None:
    # Data from pandas or Arrow hands out NumPy bools: `is true` must not be silently false.
    assert verdict("flag is true", {"flag": flag}) is bool(flag)
    assert verdict("flag is not true", {"flag": flag}) is not bool(flag)
    assert verdict("flag is false", {"flag": flag}) is not bool(flag)
    assert verdict("flags is true", {"flags": [flag]}) is bool(flag)
    assert verdict("count(orders where paid is true) is 1",
                   {"orders": [{"paid": flag}]}) is bool(flag)
    tree = explain(_book("flag is true"), "s", {"flag": flag}, now=NOW)
    assert f"(flag = {'true' if flag else 'false'})" in str(tree)
    assert json.loads(json.dumps(tree.to_dict()))["children"][0]["children"][0]["seen"][0][
        "value"] is bool(flag)


def test_numbers_inside_a_path_have_no_fields() -> None:
    assert not verdict("price.real exists", {"price": np.int64(5)})


def test_explain_shows_numpy_numbers_as_numbers() -> None:
    book = segrules.loads("segment s { include where age >= 18 }")
    assert "(age = 30)" in str(explain(book, "s", {"age": np.int64(30)}, now=NOW))


# One value in every representation it has: each operator must answer alike for all of them.
RULES = ["x is {a}", "x is not {a}", "x is one of {a}, {b}", "x is not one of {a}, {b}",
         "x > {a}", "x >= {a}", "x < {a}", "x <= {a}", "x is between {lo} and {hi}",
         "x is not between {lo} and {hi}", "tags contains {a}", "tags does not contain {a}"]


def representations(value: Decimal) -> list[object]:
    found: list[object] = [value, float(value), np.float64(value), Fraction(value)]
    if abs(value) < 10**5:
        found.append(np.float32(value))  # seven significant digits
    if value == value.to_integral_value():
        found += [int(value), np.int64(value), np.int32(value)]
    return found


@LAW
@given(st.decimals(-10**7, 10**7, places=2, allow_nan=False), st.data())
def test_every_representation_of_a_number_answers_alike(value: Decimal,
                                                        data: st.DataObject) -> None:
    near = st.sampled_from([value, value + Decimal("0.01"), value - Decimal("0.01"), -value,
                            value.to_integral_value()])
    a, b = data.draw(near), data.draw(near)
    lo, hi = sorted((a, b))
    rule = data.draw(st.sampled_from(RULES)).format(a=f"{a:f}", b=f"{b:f}", lo=f"{lo:f}",
                                                    hi=f"{hi:f}")
    answers = {verdict(rule, {"x": x, "tags": [x]}) for x in representations(value)}
    assert len(answers) == 1, rule


HOSTILE = [float("nan"), float("inf"), float("-inf"), -0.0, 10**400, -(10**400), 2**64,
           Decimal("NaN"), Decimal("sNaN"), Decimal("-NaN"), Decimal("Infinity"),
           Decimal("-Infinity"), Decimal("-0"), Decimal("1E+500"), Decimal("-1E-500"),
           np.float64("nan"), np.float32("inf"), np.int64(-(2**63)), np.bool_(False),
           Fraction(-1, 3), 1e308, 5e-324]
POSITIVES = ["x is {a}", "x is one of {a}, 2", "x > {a}", "x >= {a}", "x < {a}", "x <= {a}",
             "x is between -5 and {a}", "x contains {a}", "x starts with \"1\"",
             "x matches /1/", "x is empty", "x contains any of {a}, 1", "x is before 2026-01-01",
             "x is true", "x is {a} ignoring case", "x within last 3 days",
             "sum(x) is {a}", "avg(x) > {a}", "min(x) < {a}", "max(x) >= {a}"]


def _negated(rule: str) -> str:
    pairs = [(" is between", " is not between"), (" is one of", " is not one of"),
             (" contains", " does not contain"), (" starts with", " does not start with"),
             (" matches", " does not match"), (" is empty", " is not empty"),
             (" is before", " is not before"), (" is ", " is not "), (" within", " not within")]
    for positive, negative in pairs:
        if positive in rule:
            return rule.replace(positive, negative, 1)
    return f"not ({rule})"


@pytest.mark.parametrize("value", HOSTILE, ids=repr)
@pytest.mark.parametrize("literal", ["1", "-0", "0.1", "100000000000000000000000000000"])
def test_a_negative_operator_is_present_and_not_positive(value: object, literal: str) -> None:
    for template in POSITIVES:
        rule = template.format(a=literal)
        profile: dict[str, Any] = {"x": [value, 1] if "(x)" in rule else value}
        if "(x)" in rule:
            profile = {"x": [{"y": v} for v in profile["x"]]}
            rule = rule.replace("(x)", "(x.y)")
        positive = verdict(rule, profile)
        try:
            negative = verdict(_negated(rule), profile)
        except segrules.SegrulesError:
            continue  # an operator with no negative spelling
        assert negative is not positive, rule


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("sNaN"), float("nan")], ids=repr)
def test_nan_is_neither_between_nor_equal(value: object) -> None:
    assert not verdict("x is between 1 and 5", {"x": value})
    assert verdict("x is not between 1 and 5", {"x": value})
    assert not verdict("x is 1", {"x": value})
    assert verdict("x is not 1", {"x": value})
    assert verdict("x exists", {"x": value})


# --- the loaders keep money exact ------------------------------------------------------------

PAID = [13.01, 298.76, 134.91, 53.32]
RULE = 'segment s { include where sum(orders.total where status is "paid") >= 500 }'


def _members(path: Path) -> list[bool]:
    book = segrules.loads(RULE)
    return [book.matches("s", profile, now=NOW) for profile in CustomerFile(path)]


def test_money_from_json_lines_adds_up(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({"orders": [{"total": t, "status": "paid"} for t in PAID]}) + "\n")
    assert _members(path) == [True]


def test_money_from_csv_adds_up(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    orders_json = json.dumps([{"total": t, "status": "paid"} for t in PAID]).replace('"', '""')
    path.write_text(f'id,orders:json,spent:float\nc1,"{orders_json}",13.01\n')
    assert _members(path) == [True]
    book = segrules.loads("segment s { include where spent is 13.01 }")
    assert [book.matches("s", p) for p in CustomerFile(path)] == [True]


@pytest.mark.parametrize("kind", ["float64", "decimal"])
def test_money_from_parquet_adds_up(tmp_path: Path, kind: str) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    total = pa.float64() if kind == "float64" else pa.decimal128(10, 2)
    values = PAID if kind == "float64" else [Decimal(str(t)) for t in PAID]
    schema = pa.schema([("orders", pa.list_(pa.struct([("total", total),
                                                       ("status", pa.string())])))])
    table = pa.table({"orders": [[{"total": t, "status": "paid"} for t in values]]},
                     schema=schema)
    path = tmp_path / "c.parquet"
    pq.write_table(table, path)
    assert _members(path) == [True]
