"""Runners: the compiled query executed where the customers are, answers back in Python.

``rows`` and ``members`` run on DuckDB by default — over a table or view, over Parquet, CSV or
JSON Lines files, or over profiles in memory — and on PostgreSQL when given a psycopg
connection. ``spark_members`` runs on Spark and hands back a DataFrame (``id`` and one boolean
column per segment), so a nightly job writes it where it likes without collecting anything.

A membership store's lists (``members=``) are loaded into a table the query joins: DuckDB
attaches a ``MembershipStore``'s SQLite file directly when its ``sqlite`` extension is
installed; otherwise, and on the other engines, the lists are copied into a temporary table.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ..errors import Diagnostic, SegrulesValueError
from .select import select
from .tables import arrow_table, spark_frame

__all__ = ["FILE_READERS", "members", "rows", "spark_members"]

#: File extensions DuckDB reads directly, and the reader for each.
FILE_READERS = {".parquet": "read_parquet", ".csv": "read_csv", ".jsonl": "read_json",
                ".ndjson": "read_json", ".json": "read_json"}
_ORDER = "segrules_order"
_SOURCE = "segrules_customers"
_LISTS = "segrules_store_lists"
_STORE_DB = "segrules_store"


def _error(code: str, message: str, hint: str | None = None) -> SegrulesValueError:
    return SegrulesValueError([Diagnostic(code, message, hint=hint)])


def _names(book: Any, names: Iterable[str] | str | None) -> list[str]:
    chosen = list(book.names) if names is None else [names] if isinstance(names, str) \
        else list(names)
    return list(dict.fromkeys(chosen))


def _is_postgres(connection: Any) -> bool:
    return type(connection).__module__.startswith("psycopg")


def rows(book: Any, source: Any, names: Iterable[str] | str | None = None, *,
         connection: Any = None, schema: Any = None, now: dt.date | None = None,
         store: str | None = None, members: Any = None
         ) -> Iterator[tuple[str | None, tuple[bool, ...]]]:
    """Each customer's id (as text) and one boolean per segment of ``names``.

    ``source`` is a table or view name, a path to a ``.parquet``/``.csv``/``.jsonl`` file
    (DuckDB only), or an iterable of profiles (DuckDB only; typed as ``sql.tables`` says).
    ``connection`` is a DuckDB connection (default: a new in-memory one) or a psycopg one.
    On DuckDB the rows come in the source's order.
    """
    chosen = _names(book, names)
    if connection is not None and _is_postgres(connection):
        yield from _postgres_rows(book, source, chosen, connection, schema, now, store, members)
        return
    import duckdb

    con = connection
    if con is None:
        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")  # a TIMESTAMPTZ column compares as the UTC instant
    try:
        table = duckdb_source(con, source)
        members_table = _duckdb_lists(con, book, chosen, members) if members is not None \
            else None
        query = select(book, chosen, dialect="duckdb", table=table, schema=schema, now=now,
                       store=store, members_table=members_table)
        cursor = con.execute(in_source_order(query))
        while batch := cursor.fetchmany(10_000):
            for row in batch:
                yield (None if row[0] is None else str(row[0]), tuple(row[1:-1]))
    finally:
        if connection is None:
            con.close()


def members(book: Any, source: Any, names: Iterable[str] | str | None = None, *,
            connection: Any = None, schema: Any = None, now: dt.date | None = None,
            store: str | None = None, members: Any = None) -> dict[str, frozenset[str]]:
    """Each segment of ``names`` and the ids of its members (``rows``, gathered)."""
    chosen = _names(book, names)
    found: list[set[str]] = [set() for _ in chosen]
    for customer, flags in rows(book, source, chosen, connection=connection, schema=schema,
                                now=now, store=store, members=members):
        for index, flag in enumerate(flags):
            if flag and customer is not None:
                found[index].add(customer)
    return {name: frozenset(ids) for name, ids in zip(chosen, found, strict=True)}


def spark_members(book: Any, source: Any, names: Iterable[str] | str | None = None, *,
                  schema: Any = None, now: dt.date | None = None, store: str | None = None,
                  members: Any = None, spark: Any = None) -> Any:
    """A Spark DataFrame: ``id`` and one boolean column per segment, computed by Spark.

    ``source`` is a DataFrame or the name of a table or view; ``spark`` defaults to the
    DataFrame's session (or the active one). Nothing is collected: write the result out.
    """
    from pyspark.sql import DataFrame, SparkSession

    chosen = _names(book, names)
    session = spark or (source.sparkSession if isinstance(source, DataFrame)
                        else SparkSession.getActiveSession())
    if session is None:
        raise _error("SR365", "no SparkSession: pass spark=, or a DataFrame as the source")
    if isinstance(source, DataFrame):
        view = f"{_SOURCE}_{id(source)}"
        source.createOrReplaceTempView(view)
        source = view
    members_table = None
    if members is not None:
        members_table = f"{_LISTS}_{id(members)}"
        lists = list(_store_lists(book, chosen, members))
        frame = spark_frame(session, [{"segment": s, "customer_id": c, "kind": k}
                                      for s, c, k in lists])
        if not lists:
            frame = session.sql("SELECT CAST(NULL AS STRING) AS segment, CAST(NULL AS STRING) "
                                "AS customer_id, CAST(NULL AS STRING) AS kind WHERE FALSE")
        frame.createOrReplaceTempView(members_table)
    return session.sql(select(book, chosen, dialect="spark", table=source, schema=schema,
                              now=now, store=store, members_table=members_table))


# --- DuckDB ------------------------------------------------------------------------------------


def sql_string(text: str) -> str:
    from sqlglot import exp

    return str(exp.Literal.string(text).sql(dialect="duckdb"))


def duckdb_source(con: Any, source: Any, reader: str | None = None) -> str:
    """A view over ``source`` with its rows numbered in their order (``segrules_order``);
    ``reader`` names DuckDB's file reader when the extension does not say."""
    import pyarrow as pa

    if isinstance(source, str) and reader is None and Path(
            source).suffix.lower() not in FILE_READERS:
        reading = _quoted_name(source)
    elif isinstance(source, str | os.PathLike):
        path = Path(source)
        reader = reader or FILE_READERS.get(path.suffix.lower())
        if reader is None:
            raise _error("SR366", f"{path}: DuckDB reads .parquet, .csv, .jsonl and .json "
                         "files, not this one")
        # Every JSON record is sampled: an attribute with two kinds of values becomes JSON
        # (which the caller refuses) instead of a type that converts the odd value silently.
        options = {"read_parquet": ", file_row_number = true",
                   "read_json": ", sample_size = -1"}.get(reader, "")
        reading = f"{reader}({sql_string(str(path))}{options})"
        if reader == "read_parquet":
            con.execute(f"CREATE OR REPLACE TEMP VIEW {_SOURCE} AS SELECT * EXCLUDE "
                        f"(file_row_number), file_row_number AS {_ORDER} FROM {reading}")
            return _SOURCE
    else:
        data = source if isinstance(source, pa.Table) else arrow_table(source)
        con.register(f"{_SOURCE}_data", data)
        reading = f"{_SOURCE}_data"
    # Without ORDER BY a window numbers rows as the scan delivers them: in order, since
    # DuckDB preserves insertion order unless told otherwise.
    con.execute(f"CREATE OR REPLACE TEMP VIEW {_SOURCE} AS SELECT *, row_number() OVER () "
                f"AS {_ORDER} FROM {reading}")
    return _SOURCE


def _quoted_name(name: str) -> str:
    return ".".join('"' + part.replace('"', '""') + '"' for part in name.split("."))


def in_source_order(query: str, ordered: bool = True) -> str:
    """``query`` with the source's row number carried to the end (and the rows sorted by it,
    when ``ordered``)."""
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(query, read="duckdb")
    assert isinstance(tree, exp.Select)
    tree = tree.select(exp.column(_ORDER, table=exp.to_identifier("segrules_row", quoted=True)),
                       copy=False)
    if ordered:
        tree = tree.order_by(exp.column(_ORDER), copy=False)
    return str(tree.sql(dialect="duckdb"))


def _duckdb_lists(con: Any, book: Any, names: Sequence[str], store: Any) -> str:
    """A view of the store's lists as (segment, customer_id, kind)."""
    path = getattr(store, "path", None)
    if path is not None and _sqlite_extension(con):
        con.execute(f"DETACH DATABASE IF EXISTS {_STORE_DB}")
        con.execute(f"ATTACH {sql_string(str(path))} AS {_STORE_DB} (TYPE sqlite, READ_ONLY)")
        con.execute(f"CREATE OR REPLACE TEMP VIEW {_LISTS} AS SELECT segment, customer_id, "
                    "CASE WHEN excluded = 1 THEN 'exclude' ELSE 'include' END AS kind FROM "
                    f"{_STORE_DB}.segrules_membership")
        return _LISTS
    import pyarrow as pa

    lists = list(_store_lists(book, names, store))
    data = pa.table({column: pa.array([row[i] for row in lists], pa.string())
                     for i, column in enumerate(("segment", "customer_id", "kind"))})
    con.register(f"{_LISTS}_data", data)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {_LISTS} AS SELECT * FROM {_LISTS}_data")
    con.unregister(f"{_LISTS}_data")
    return _LISTS


def _sqlite_extension(con: Any) -> bool:
    """Whether DuckDB can attach SQLite without downloading anything."""
    found = con.execute("SELECT installed FROM duckdb_extensions() WHERE extension_name = "
                        "'sqlite_scanner'").fetchone()
    return bool(found and found[0])


def _store_lists(book: Any, names: Sequence[str], store: Any) -> Iterator[tuple[str, str, str]]:
    """(segment, customer_id, 'include' | 'exclude') for the segments a query evaluates."""
    if not callable(getattr(store, "lists", None)) or not callable(
            getattr(store, "segments", None)):
        raise _error("SR367", f"a membership store for SQL must list its members "
                     f"(segments() and lists()); {type(store).__name__} only answers for one "
                     "customer at a time",
                     "use segrules.MembershipStore or MemoryMembership, or load the lists "
                     "into a table and pass its name as members_table to sql.select")
    for segment in store.segments():
        if segment not in book:
            continue
        included, excluded = store.lists(segment)
        yield from ((segment, customer, "include") for customer in included)
        yield from ((segment, customer, "exclude") for customer in excluded)


# --- PostgreSQL ----------------------------------------------------------------------------


def _postgres_rows(book: Any, source: Any, names: list[str], connection: Any, schema: Any,
                   now: dt.date | None, store: str | None, members: Any
                   ) -> Iterator[tuple[str | None, tuple[bool, ...]]]:
    if not isinstance(source, str):
        raise _error("SR366", "on PostgreSQL the source is a table or view name",
                     "load profiles first with sql.tables.postgres_table")
    members_table = None
    with connection.cursor() as cursor:
        if members is not None:
            members_table = _LISTS
            cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_LISTS} (segment text, "
                           "customer_id text, kind text)")
            cursor.execute(f"TRUNCATE {_LISTS}")
            with cursor.copy(f"COPY {_LISTS} FROM STDIN") as copy:
                for row in _store_lists(book, names, members):
                    # PostgreSQL text cannot hold NUL, so no customer there has such an id.
                    if not any("\x00" in part for part in row):
                        copy.write_row(row)
        query = select(book, names, dialect="postgres", table=source, schema=schema, now=now,
                       store=store, members_table=members_table)
        cursor.execute(query.encode("utf-8"))  # bytes: a `%` in a literal is not a parameter
        for row in cursor:
            yield (None if row[0] is None else str(row[0]), tuple(row[1:]))

