"""Money sums in DuckDB: the one-pass exact sum never changes an answer.

DuckDB adds up ``sum(orders.total where …)`` in one pass over the list when every selected
value is ordinary (a number below 2**33 in magnitude), and computes the full answer (the exact
sum beside a DOUBLE sum that shows NaN, infinities and huge values) only for the other rows.
Both forms run here on lists of DOUBLE totals that straddle each boundary (NaN, ±inf, ±2**33,
10**17 and beyond, more than four decimal places, NULL totals and NULL orders) and must agree
on every row; where the language promises exact sums, they agree with Python too.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any, ClassVar

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlglot import exp

import segrules
from segrules.sql.duckdb import DuckDB
from segrules.sql.query import build
from sqltables import schema_for, table

NOW = dt.datetime(2026, 3, 31, 12, 0, tzinfo=dt.UTC)
COLUMNS = {"id": "VARCHAR", "orders": "STRUCT(total DOUBLE, status VARCHAR)[]"}
CONDITIONS = [
    'sum(orders.total where status is "paid") >= 1000',
    'sum(orders.total where status is "paid") > 0',
    'sum(orders.total where status is "paid") < 0.2',
    'sum(orders.total where status is "paid") is 0.3',
    'sum(orders.total where status is "paid") is 0',
    'sum(orders.total where status is "paid") is not 0',
    'sum(orders.total where status is "paid") is one of 0.1, 8589934592',
    'sum(orders.total where status is "paid") is between -1 and 100000000000000000',
    'sum(orders.total where status is "paid") is not between 0 and 0.00005',
    'sum(orders.total where status is "paid") <= -8589934591.9999',
    'sum(orders.total where status is "paid") >= 100000000000000000',
    'sum(orders.total) > 1',
    'sum(orders.total where status is "paid") is 0.0313',
    'sum(orders.total where status is "paid") > 0.03125',
    'sum(orders.total where status is "paid") exists',
]
BOOK = segrules.loads("\n".join(
    f"segment s{i} {{ include where {c} }}\nsegment n{i} {{ include where not ({c}) }}"
    for i, c in enumerate(CONDITIONS)))

_EDGES = [math.nan, math.inf, -math.inf, 2.0**33, -(2.0**33), 8589934591.9999, 0.03125, -2.5e-5,
          -8589934591.9999, 1e16, 9.9e16, 1e17, 1e18, 1e21, 1e300, 0.00005, 1.00005, -0.0,
          0.1, 0.2, 0.3, 1000.0, 999.9999]
_ORDINARY = st.decimals(min_value=-(2**33) + 1, max_value=2**33 - 1, places=4,
                        allow_nan=False).map(float)
_TOTAL = st.one_of(st.none(), st.sampled_from(_EDGES), _ORDINARY,
                   st.floats(allow_nan=True, allow_infinity=True))
_ORDER = st.none() | st.fixed_dictionaries(
    {"total": _TOTAL, "status": st.sampled_from(["paid", "paid", "void", None])})
_ORDERS = st.none() | st.lists(_ORDER, max_size=6)


class FullSums(DuckDB):
    """DuckDB without the one-pass sum: every row takes the full computation."""

    quick_sums: ClassVar[bool] = False


def sums() -> str:
    """Per customer: the one-pass sum of the paid totals, the full computation's exact sum,
    and its DOUBLE sum."""
    d, var = DuckDB(), "_e"
    orders, total = exp.column("orders", quoted=True), d.field(d.variable(var), "total")
    paid = exp.EQ(this=d.field(d.variable(var), "status"), expression=exp.Literal.string("paid"))
    exact = exp.TryCast(this=total.copy(), to=exp.DataType.build("DECIMAL(22, 4)"))
    columns = [exp.column("id"), d.checked_sum(orders, var, paid, total),
               exp.Coalesce(this=d.fold("sum", orders.copy(), var, paid.copy(), exact),
                            expressions=[exp.Literal.number(0)]),
               d.fold("fsum", orders.copy(), var, paid.copy(), total.copy())]
    return exp.select(*columns).from_("customers").sql(dialect="duckdb")


def query(dialect: DuckDB, typed: bool) -> str:
    built, _ = build(BOOK, list(BOOK.names), dialect, "customers",
                     schema_for(COLUMNS) if typed else None, NOW, None, None)
    return built.sql(dialect="duckdb")


def promised(profile: dict[str, Any]) -> bool:
    """Whether Python and SQL must agree: each total is NULL, NaN, infinite, or ordinary
    with at most four decimal places (what sums are exact for)."""
    for order in profile["orders"] or []:
        total = (order or {}).get("total")
        if total is None or not math.isfinite(total):
            continue
        if abs(total) >= 2**33 or Decimal(repr(total)).as_tuple().exponent < -4:  # type: ignore[operator]
            return False
    return True


@pytest.mark.parametrize("typed", [True, False], ids=["schema", "no-schema"])
def test_the_one_pass_sum_agrees_with_the_full_computation(typed: bool) -> None:
    fast, full = query(DuckDB(), typed), query(FullSums(), typed)
    assert fast != full  # the one-pass form is in use

    @settings(max_examples=60, deadline=None)
    @given(st.lists(_ORDERS, min_size=1, max_size=8))
    def check(lists: list[Any]) -> None:
        profiles = [{"id": f"c{i}", "orders": orders} for i, orders in enumerate(lists)]
        con = table(profiles, COLUMNS)
        quick = {row[0]: row[1:] for row in con.execute(fast).fetchall()}
        slow = {row[0]: row[1:] for row in con.execute(full).fetchall()}
        assert quick == slow
        for name, checked, exact, doubled in con.execute(sums()).fetchall():
            orders = lists[int(name[1:])] or []
            paid = [o["total"] for o in orders if o and o["status"] == "paid"]
            if all(t is None or abs(t) < 2**33 for t in paid):  # NaN is not below
                assert checked == exact and abs(doubled or 0) < 1e17
            else:
                assert checked is None
        for person in profiles:
            if promised(person):
                want = tuple(BOOK.matches(name, person, now=NOW) for name in BOOK.names)
                assert quick[person["id"]] == want, person

    check()


@pytest.mark.parametrize("column", ["DOUBLE", "DECIMAL(38, 6)"])
def test_duckdb_rounds_to_four_places_as_whole_ten_thousandths(column: str) -> None:
    """What the one-pass sum relies on: DuckDB's cast to DECIMAL(22, 4) (the full
    computation's) is ROUND(x * 10000) ten-thousandths below 2**33, ties included."""
    con = duckdb.connect()
    con.execute(f"""
        CREATE TABLE v AS SELECT CAST(x AS {column}) AS x FROM (
          SELECT (random() * 2 - 1) * pow(10, floor(random() * 15) - 5) AS x
          FROM range(100000)
          UNION ALL SELECT (i + 0.5) / 10000 FROM range(-50000, 50000) AS r(i)
          UNION ALL SELECT (2 * i + 1) / 32 FROM range(-50000, 50000) AS r(i)
          UNION ALL SELECT (2 * i + 1) / 32 + 8589000000 FROM range(0, 1000) AS r(i))""")
    ties = con.execute("SELECT count(*) FROM v WHERE x * 10000 - floor(x * 10000) = 0.5")
    assert ties.fetchone()[0] > 1000  # exact ties are there
    differ = con.execute("""
        SELECT count(*) FROM v WHERE abs(x) < 8589934592 AND TRY_CAST(x AS DECIMAL(22, 4))
          IS DISTINCT FROM CAST(ROUND(x * 10000) AS BIGINT) * CAST('0.0001' AS DECIMAL(4, 4))
    """).fetchone()
    assert differ == (0,)
