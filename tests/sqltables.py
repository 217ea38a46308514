"""Typed DuckDB tables for the SQL tests: the example customers and small handwritten ones.

A table is built from Python profiles and column types, so the same profiles are asked of
``book.matches`` and of the compiled query. Dates in the profiles may be ISO strings (as the
example data has them); the table holds them as DATE or TIMESTAMP.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import duckdb
from dateutil.parser import isoparse

from segrules.sql.types import Type

ROOT = Path(__file__).resolve().parent.parent

ORDER = "STRUCT(id VARCHAR, total DOUBLE, status VARCHAR, placed_at TIMESTAMP)"
#: The example customers' columns (examples/generate_customers.py).
EXAMPLE_COLUMNS = {
    "id": "VARCHAR", "first_name": "VARCHAR", "last_name": "VARCHAR", "email": "VARCHAR",
    "gender": "VARCHAR", "birth_date": "DATE", "age": "INTEGER", "country": "VARCHAR",
    "state": "VARCHAR",
    "address": "STRUCT(street VARCHAR, city VARCHAR, postcode VARCHAR, country_code VARCHAR)",
    "income": "INTEGER", "interests": "VARCHAR[]", "tags": "VARCHAR[]",
    "loyalty_tier": "VARCHAR", "email_opt_in": "BOOLEAN", "signup_at": "TIMESTAMP",
    "last_login_at": "TIMESTAMP", "orders": f"{ORDER}[]", "store": "VARCHAR",
}

_KINDS = {"VARCHAR": "string", "INTEGER": "integer", "BIGINT": "integer", "DOUBLE": "number",
          "BOOLEAN": "boolean", "DATE": "date", "TIMESTAMP": "datetime"}


def column_type(sql: str) -> Type:
    """The compiler's type for a DuckDB column type written as above."""
    if sql.endswith("[]"):
        element = column_type(sql[:-2])
        return Type(element.kind, True, element.fields, element.closed)
    if sql.startswith("STRUCT("):
        fields = []
        for part in _split(sql[len("STRUCT("):-1]):
            name, _, kind = part.strip().partition(" ")
            fields.append((name, column_type(kind)))
        return Type("record", False, tuple(fields), closed=True)
    if sql.startswith("DECIMAL"):
        return Type("number")
    return Type(_KINDS[sql])


def _split(text: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, c in enumerate(text):
        depth += c == "("
        depth -= c == ")"
        if c == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def schema_for(columns: Mapping[str, str]) -> Type:
    """A closed record type of ``columns``: what ``select(schema=…)`` reads types from."""
    return Type("record", False, tuple((k, column_type(v)) for k, v in columns.items()),
                closed=True)


def _value(value: Any, sql: str) -> Any:
    if value is None:
        return None
    if sql.endswith("[]"):
        return [_value(v, sql[:-2]) for v in value]
    if sql.startswith("STRUCT("):
        kinds = {p.strip().partition(" ")[0]: p.strip().partition(" ")[2]
                 for p in _split(sql[len("STRUCT("):-1])}
        return {k: _value(value.get(k), t) for k, t in kinds.items()}
    if sql in ("DATE", "TIMESTAMP") and isinstance(value, str):
        moment = isoparse(value)
        if sql == "DATE" and len(value) == 10:
            return moment.date()
        value = moment
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def table(profiles: Iterable[Mapping[str, Any]], columns: Mapping[str, str],
          name: str = "customers", con: duckdb.DuckDBPyConnection | None = None
          ) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection holding ``profiles`` as table ``name`` of ``columns``."""
    con = con or duckdb.connect()
    con.execute(f"CREATE TABLE {name} (" + ", ".join(
        f'"{k}" {v}' for k, v in columns.items()) + ")")
    rows = [[_value(p.get(k), v) for k, v in columns.items()] for p in profiles]
    if rows:
        marks = ", ".join("?" for _ in columns)
        con.executemany(f"INSERT INTO {name} VALUES ({marks})", rows)
    return con


def example_customers(count: int, seed: int = 7) -> list[dict[str, Any]]:
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        from generate_customers import generate
    finally:
        sys.path.remove(str(ROOT / "examples"))
    return list(generate(count, seed))
