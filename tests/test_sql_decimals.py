"""Wide DECIMAL columns against number literals: every engine answers as Python does.

A table's non-whole numbers are DECIMAL(38, s), s the most places the data has. Spark fits the
two sides of a DECIMAL comparison into one type of at most 38 digits by rounding the literal
(DECIMAL(38, 3) against 0.0000001 compared 0 as at least it; DECIMAL(38, 0) against 0.5 found
1 equal to it), and DuckDB by casting the column, which fails on a value with too many integer
digits. Here columns of scale 0, 2 and 18 holding values at, just around and far from each
literal are compared with literals of more, fewer and as many places, on every engine.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import segrules
from engines import Engine, members_by_segment
from segrules import SegrulesError
from segrules.schema import Schema
from segrules.sql import tables
from segrules.sql.select import select

NOW = dt.datetime(2026, 3, 31, tzinfo=dt.UTC)
#: Each column's literals: more places than the column has, as many, fewer, far larger.
LITERALS = {
    "wide": ["0.0000000000000000001", "0.00000000000000000005", "0.000000000000000001",
             "0.5", "1", "-0.0000000000000000001", "100000000000000000000000"],
    "whole": ["0.5", "-0.5", "1.5", "0.0000001", "1"],
    "cents": ["0.125", "0.0000001", "0.13", "-0.125", "1000000000000000000000000000000000.5"],
}
#: Values at and around the literals, and as large as each column holds.
VALUES = {
    "wide": ["0", "0.000000000000000001", "-0.000000000000000001", "0.5", "0.499999999999999999",
             "0.500000000000000001", "1", "12345678901234567890.000000000000000001",
             "-12345678901234567890.5", "99999999999999999999.999999999999999999"],
    "whole": [0, 1, -1, 2, 10**37, -(10**37), 99999999999999999999999999999999999999],
    "cents": ["0.12", "0.13", "-0.12", "-0.13", "0", "1000000000000000000000000000000000.49",
              "1000000000000000000000000000000000.51", "0.01"],
}
CONDITIONS = [
    *(f"{column} {op} {literal}" for column, literals in LITERALS.items()
      for literal in literals for op in (">", ">=", "<", "<=", "is", "is not")),
    *(f"{column} is between {low} and {high}" for column, literals in LITERALS.items()
      for low, high in itertools.combinations(sorted(literals, key=Decimal), 2)),
    *(f"{column} is one of {', '.join(literals[:3])}" for column, literals in LITERALS.items()),
    "min(orders.total) > 0.125", "max(orders.total) is 0.13",
    "count(orders where total >= 0.0000001) >= 1", "count(orders where total < 0.125) is 1",
]
BOOK = segrules.loads("\n".join(
    f"segment s{i} {{ include where {c} }}\nsegment n{i} {{ include where not ({c}) }}"
    for i, c in enumerate(CONDITIONS)))


def _number(value: object) -> object:
    return Decimal(value) if isinstance(value, str) else value


def _profiles() -> list[dict[str, Any]]:
    longest = max(len(v) for v in VALUES.values())
    people: list[dict[str, Any]] = []
    for i in range(longest + 1):  # the last customer has every column missing
        person: dict[str, Any] = {"id": f"c{i}"}
        for column, values in VALUES.items():
            if i < len(values):
                person[column] = _number(values[i])
        cents = VALUES["cents"]
        person["orders"] = [{"total": _number(cents[(i + k) % len(cents)])}
                            for k in range(i % 3)]
        people.append(person)
    return people


def test_wide_decimal_columns_agree_with_python_on_every_engine(engine: Engine) -> None:
    profiles = _profiles()
    row = tables.table_type(profiles)
    scales = {name: column.scale for name, column in row.fields if column.kind == "decimal"}
    assert scales == {"wide": 18, "whole": 0, "cents": 2}, scales  # the columns meant here
    schema = Schema.from_json_schema(tables.json_schema(row))
    names = []
    for name in BOOK.names:
        try:
            select(BOOK, [name], dialect=engine.dialect, schema=schema, now=NOW)
        except SegrulesError:  # a literal no DOUBLE column could compare as written
            continue
        names.append(name)
    assert len(names) >= len(BOOK.names) * 9 // 10, len(names)
    table = engine.load(profiles, row=row)
    query = select(BOOK, names, dialect=engine.dialect, table=table, schema=schema, now=NOW)
    found = members_by_segment(engine.rows(query), names)
    wrong = []
    for name in names:
        expected = {p["id"] for p in profiles if BOOK.matches(name, p, now=NOW)}
        if found[name] != expected:
            wrong.append(f"{segrules.dumps(BOOK[name]).strip()}\n  python {sorted(expected)}"
                         f"\n  {engine.dialect} {sorted(found[name])}")
    assert not wrong, "\n".join(wrong[:8])


def test_a_table_holds_decimals_with_more_than_28_digits_exactly() -> None:
    value = Decimal("12345678901234567890.000000000000000001")
    row = tables.table_type([{"id": "a", "x": value}])
    assert tables.arrow_table([{"id": "a", "x": value}], row=row).column("x")[0].as_py() == value


def test_a_literal_against_a_sum_is_cast_to_the_common_decimal_type() -> None:
    # sqlglot's exp.cast returns a cast to any DECIMAL unchanged: the literal must still be
    # cast to the type the sum is, so the engine compares one type with itself.
    book = segrules.loads("segment s { include where sum(orders.total) > 0.00001 }")
    for dialect in ("duckdb", "postgres", "spark"):
        query = select(book, dialect=dialect, now=NOW)
        assert "AS DECIMAL(6, 5)) AS DECIMAL(38, 5))" in query, (dialect, query)
