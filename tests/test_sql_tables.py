"""Typed tables: profiles arrive in DuckDB, PostgreSQL and Spark as the table shape says.

Records are STRUCTs (composite types in PostgreSQL), lists arrays, lists of records arrays of
records, missing is NULL (a record with every field missing is present), timestamps are UTC,
non-whole numbers exact decimals. Values a column cannot hold as Python reads them are errors.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from engines import Engine
from segrules import SegrulesError
from segrules.sql import tables

PLUS_TWO = dt.timezone(dt.timedelta(hours=2))
HOSTILE = ["it's", 'say "hi"', "back\\slash", "'; DROP TABLE x; --", "\\'", "100%", "é中😀",
           "tab\tnew\nline", "$1", "{}", ""]
PROFILES: list[dict[str, Any]] = [
    {"id": "c-1", "age": 30, "income": 1234.5, "vip": True,
     "address": {"city": "Zürich", "zip": "8000"}, "tags": ["a", None, "b"],
     "orders": [{"total": 13.01, "status": "paid",
                 "placed_at": dt.datetime(2026, 1, 1, 9, tzinfo=PLUS_TWO)},
                {"total": 298.76, "status": None, "placed_at": None}],
     "birth_date": dt.date(1990, 2, 28)},
    {"id": "c-2", "age": None, "income": 7, "vip": False, "address": {}, "tags": [],
     "orders": [], "birth_date": None},
    {"id": "c-3"},
    *({"id": f"h-{i}", "name": text} for i, text in enumerate(HOSTILE)),
]


def _field(engine: Engine, column: str, field: str) -> str:
    return f"({column}).{field}" if engine.dialect == "postgres" else f"{column}.{field}"


def _size(engine: Engine, column: str) -> str:
    return f"cardinality({column})" if engine.dialect == "postgres" else f"size({column})" \
        if engine.dialect == "spark" else f"len({column})"


def test_the_table_type_follows_the_data() -> None:
    row = tables.table_type(PROFILES)
    kinds = {name: column.kind for name, column in row.fields}
    assert next(iter(kinds)) == "id"
    assert kinds == {"id": "string", "age": "integer", "income": "decimal", "vip": "boolean",
                     "address": "record", "tags": "list", "orders": "list",
                     "birth_date": "date", "name": "string"}
    orders = row.field("orders")
    assert orders is not None and orders.item is not None
    assert orders.item.field("total") == tables.Column("decimal", scale=2)
    assert orders.item.field("placed_at") == tables.Column("timestamp")


def test_profiles_arrive_typed_on_every_engine(engine: Engine) -> None:
    table = engine.load(PROFILES)
    city, placed = _field(engine, "address", "city"), _field(engine, "orders[1]", "placed_at")
    if engine.dialect == "spark":
        placed = "get(orders, 0).placed_at"
    present = ("address IS DISTINCT FROM NULL" if engine.dialect == "postgres"
               else "address IS NOT NULL")
    rows = engine.rows(
        f"SELECT id, age, income, vip, {city}, {present}, {_size(engine, 'tags')}, "
        f"{_size(engine, 'orders')}, {placed}, birth_date FROM {table} "
        "WHERE id IN ('c-1', 'c-2', 'c-3') ORDER BY id")
    assert rows == [
        ("c-1", 30, Decimal("1234.5"), True, "Zürich", True, 3, 2,
         dt.datetime(2026, 1, 1, 7), dt.date(1990, 2, 28)),
        ("c-2", None, Decimal("7"), False, None, True, 0, 0, None, None),
        ("c-3", None, None, None, None, False, None, None, None, None),
    ]


def test_money_adds_up_exactly_in_the_table(engine: Engine) -> None:
    table = engine.load([{"id": "m", "orders": [{"total": t} for t in
                                                 (13.01, 298.76, 134.91, 53.32, 0.1)]}])
    total = {"duckdb": "list_sum(list_transform(orders, o -> o.total))",
             "postgres": "(SELECT sum(o.total) FROM unnest(orders) AS o)",
             "spark": "aggregate(orders, CAST(0 AS DECIMAL(38, 2)), (acc, o) -> acc + o.total)"}
    query = f"SELECT {total[engine.dialect]} FROM {table}"
    if engine.dialect == "duckdb":
        query = query.replace("o -> o.total", "LAMBDA o: o.total")
    assert engine.rows(query) == [(Decimal("500.10"),)]


def test_hostile_strings_round_trip(engine: Engine) -> None:
    table = engine.load(PROFILES)
    rows = dict(engine.rows(f"SELECT id, name FROM {table} WHERE name IS NOT NULL"))
    assert rows == {f"h-{i}": text for i, text in enumerate(HOSTILE)}


@pytest.mark.parametrize(("profiles", "words"), [
    ([{"age": 5}, {"age": "5"}], "`age` holds both an integer and a string"),
    ([{"x": {"y": 1}}, {"x": {"y": True}}], "`x.y` holds both an integer and a boolean"),
    ([{"score": float("nan")}], "DECIMAL column cannot hold"),
    ([{"grid": [[1, 2]]}], "`grid` holds a list of lists"),
    ([{"Age": 1, "age": 2}], "`Age` and `age` differ only in case"),
    ([{"a": {"B": 1, "b": 2}}], "`a.B` and `a.b` differ only in case"),
    ([{"o": object()}], "`o` holds a object"),
    ([{"s": "\ud800"}], "not valid Unicode"),
])
def test_values_a_column_cannot_hold_are_errors(profiles: list[dict[str, Any]],
                                                words: str) -> None:
    with pytest.raises(SegrulesError) as raised:
        tables.arrow_table(profiles)
    assert words in str(raised.value)


def test_postgres_refuses_text_with_a_nul(postgres_connection: Any) -> None:
    with pytest.raises(SegrulesError, match="NUL character"):
        tables.postgres_table(postgres_connection, "nul", [{"id": "a\x00b"}])
