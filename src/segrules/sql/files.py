"""``segrules members`` on DuckDB: every customer's segments and groups from a Parquet or JSON
Lines file, computed by one query instead of one Python call per customer.

The answer must be the one the Python path gives, row for row, so DuckDB is used only where it
reads the file as Python does: Parquet (typed by the file itself) and JSON Lines whose every
attribute has one type (DuckDB's reader types ISO-8601 text as DATE or TIMESTAMP, which the date
operators read the same way). Anything else — a CSV file (its typed headers are segrules' own
convention), an attribute with values of several kinds (DuckDB makes it JSON), a map column, a
file DuckDB cannot read, a construct the compiler refuses — returns ``None`` and the caller
takes the Python path, which also produces its precise error messages.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

from attrs import define

from ..customers import per_combination
from ..errors import SegrulesError
from .run import duckdb_source, in_source_order, sql_string
from .select import SqlWarning, select

__all__ = ["FileMembership", "file_membership"]

Row = tuple[str | None, Sequence[str], Sequence[str]]
# Column types whose values DuckDB holds differently from the profiles Python reads: JSON (an
# attribute of several kinds), maps (records in Python), all-NULL columns, times of day, bytes.
_UNFAITHFUL = re.compile(r'\bJSON\b|\bMAP\(|\bUNION\(|"NULL"|\bINTERVAL\b|\bBLOB\b|\bBIT\b|'
                         r"\bTIME\b(?! ZONE)|\bUUID\b")


@define
class FileMembership:
    """The rows of a membership export, and how many customers had no store to be evaluated
    for (``--store-field`` missing), for the warning the command prints."""

    rows: Iterator[Row]
    without_store: int


def file_membership(book: Any, path: str | os.PathLike[str], format: str, *,
                    now: dt.datetime, store: str | None, store_field: str
                    ) -> FileMembership | None:
    """The export rows computed by DuckDB, or None when only the Python path gives them."""
    if format not in ("parquet", "jsonl"):
        return None
    try:
        import duckdb
    except ImportError:
        return None
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")  # a TIMESTAMPTZ compares as the UTC instant
        con.execute("SET enable_progress_bar = false")  # stderr is the command's
        reader = "read_parquet" if format == "parquet" else "read_json"
        source = duckdb_source(con, os.fspath(path), reader)
        types = [row[1] for row in con.execute(f"DESCRIBE {source}").fetchall()]
        if any(_UNFAITHFUL.search(kind.upper()) for kind in types):
            return None
        if format == "parquet" and _dates_python_cannot_hold(con, source, path):
            return None  # the Python path names the row and column
        per_store, without = _stores(con, book, source, store, store_field,
                                     copied=format != "parquet")
        if per_store is None:
            return None
        with warnings.catch_warnings():
            # `session.` reads are missing here, as in the Python path without --session.
            warnings.simplefilter("ignore", SqlWarning)
            parts = [in_source_order(select(book, book.names, table=table, now=now,
                                             store=value), ordered=False)
                     for value, table in per_store]
        query = " UNION ALL ".join(f"({part})" for part in parts)
        cursor = con.execute(_keyed(query, len(book.names)))
    except (duckdb.Error, SegrulesError):
        con.close()
        return None
    return FileMembership(_rows(con, cursor, book), without)


def _dates_python_cannot_hold(con: Any, source: str, path: str | os.PathLike[str]) -> bool:
    """Whether a date or timestamp of the file lies outside the years 1 to 9999, which Python
    cannot hold (so the Python path stops with an error, and so must the export)."""
    import pyarrow.parquet as pq

    def outside(value: str, kind: Any, depth: int) -> str | None:
        import pyarrow as pa

        if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
            return f"(year({value}) NOT BETWEEN 1 AND 9999)"
        if pa.types.is_struct(kind):
            tests = [outside(f"{value}.{_identifier(kind.field(i).name)}", kind.field(i).type,
                             depth) for i in range(kind.num_fields)]
            found = [test for test in tests if test]
            return " OR ".join(found) if found else None
        if pa.types.is_list(kind) or pa.types.is_large_list(kind):
            item = f"x{depth}"
            test = outside(item, kind.value_type, depth + 1)
            return None if test is None else (
                f"len(list_filter({value}, LAMBDA {item}: coalesce({test}, false))) > 0")
        return None

    schema = pq.read_schema(path)
    tests = [outside(_identifier(field.name), field.type, 0) for field in schema]
    found = [f"coalesce({test}, false)" for test in tests if test]
    if not found:
        return False
    row = con.execute(f"SELECT bool_or({' OR '.join(found)}) FROM {source}").fetchone()
    return bool(row and row[0])


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _stores(con: Any, book: Any, source: str, store: str | None, store_field: str,
            copied: bool) -> tuple[list[tuple[str | None, Any]] | None, int]:
    """(store, table) pairs to evaluate, and the customers without a store.

    With ``--store`` (or no segment limited to stores) one query covers everyone; otherwise
    each customer is evaluated for the store in its own field, one query per store value,
    over a copy of the source when ``copied`` (a JSON file is read and numbered once, where
    Parquet is cheaper to read again than to copy).
    """
    from sqlglot import exp

    if store is not None or not any(book[name].stores for name in book.names):
        return [(store, source)], 0
    columns = {row[0]: row[1] for row in con.execute(f"DESCRIBE {source}").fetchall()}
    path = store_field.split(".")
    if path[0] not in columns:
        total = con.execute(f"SELECT count(*) FROM {source}").fetchone()
        return [(None, source)], int(total[0]) if total else 0
    field: exp.Expression = exp.column(path[0], quoted=True)
    for name in path[1:]:
        field = exp.Dot(this=field, expression=exp.to_identifier(name, quoted=True))
    field_sql = field.sql(dialect="duckdb")
    kind = con.execute(f"SELECT typeof({field_sql}) FROM {source} LIMIT 1").fetchone()
    if kind is None or kind[0] not in ("VARCHAR", '"NULL"'):
        return None, 0  # the Python path names the customer whose store is not text
    if copied:
        con.execute(f"CREATE OR REPLACE TEMP TABLE segrules_stored AS SELECT * FROM {source}")
        source = "segrules_stored"
    values = [row[0] for row in con.execute(
        f"SELECT DISTINCT {field_sql} FROM {source}").fetchall()]
    pairs: list[tuple[str | None, Any]] = []
    without = 0
    for value in values:
        test = f"{field_sql} IS NULL" if value is None else f"{field_sql} = {sql_string(value)}"
        if value is None:
            found = con.execute(f"SELECT count(*) FROM {source} WHERE {test}").fetchone()
            without = int(found[0]) if found else 0
        pairs.append((value, exp.maybe_parse(f"SELECT * FROM {source} WHERE {test}",
                                             dialect="duckdb")))
    return pairs, without


def _keyed(query: str, count: int) -> str:
    """``query`` as (id, key) rows in source order, the key one character per segment ('1'
    for a member): customers share few combinations of segments, so Python works out each
    combination's names and groups once, and moves two values per customer, not one per
    segment."""
    columns = [f"c{i}" for i in range(count + 2)]
    flags = ", ".join(f"CASE WHEN {column} THEN '1' ELSE '0' END" for column in columns[1:-1])
    key = f"concat({flags})" if count else "''"
    return (f"SELECT c0, {key} FROM ({query}) AS segrules_flags({', '.join(columns)}) "
            f"ORDER BY c{count + 1}")


def _rows(con: Any, cursor: Any, book: Any) -> Iterator[Row]:
    names = list(book.names)
    groups = {name: book[name].groups for name in names}

    @per_combination
    def combination(key: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        within = tuple(name for name, flag in zip(names, key, strict=True) if flag == "1")
        found = dict.fromkeys(group for name in within for group in groups[name])
        return within, tuple(found)

    try:
        while batch := cursor.fetchmany(10_000):
            for customer, key in batch:
                within, found = combination(key)
                yield (None if customer is None else str(customer), within, found)
    finally:
        con.close()
