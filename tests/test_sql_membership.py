"""The membership formula in SQL: references, explicit lists, a membership store's table,
windows, stores and ``disabled``, with hostile names and ids, on DuckDB against Python."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pytest

import segrules
from segrules import sql
from sqltables import schema_for, table

NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)
HOSTILE = ["o'brien", 'say "hi"', "back\\slash", "-- comment", "x; DROP TABLE customers",
           "nul\0byte", "zürich", "😀", "tab\tnew\nline", "$1", "?", "%s", "'; --"]
COLUMNS = {"id": "VARCHAR", "age": "INTEGER", "name": "VARCHAR"}
PEOPLE = [{"id": f"c-{i}", "age": 10 * i, "name": name} for i, name in enumerate(HOSTILE)] + [
    {"id": name, "age": 40, "name": name} for name in HOSTILE]


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    return table(PEOPLE, COLUMNS)


def agree(con: duckdb.DuckDBPyConnection, book: segrules.Book, *, store: str | None = None,
          members: Any = None, members_table: str | None = None, now: dt.datetime = NOW
          ) -> None:
    query = sql.select(book, now=now, store=store, members_table=members_table,
                       schema=schema_for(COLUMNS))
    result = con.execute(query)
    assert [d[0] for d in result.description] == ["id", *book.names]
    rows = {row[0]: row[1:] for row in result.fetchall()}
    for person in PEOPLE:
        want = tuple(book.matches(name, person, now=now, store=store, members=members)
                     for name in book.names)
        assert rows[person["id"]] == want, person["id"]


def quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace(
        "\t", "\\t").replace("\0", "\\u0000") + '"'


def test_references_chains_and_shared_references(con: duckdb.DuckDBPyConnection) -> None:
    book = segrules.loads("""
        segment base { include where age >= 30 }
        segment left { include segment base exclude where age > 90 }
        segment right { include where in segment base and not in segment young }
        segment young { include where age < 50 }
        segment top { include all { in segment left  in segment right } }
        segment off { disabled include everyone }
        segment uses_off { include where not in segment off }
    """)
    agree(con, book)
    query = sql.select(book, ["top"], now=NOW)
    # Each referenced segment is computed once, as a column, however often it is used.
    assert query.count(">= 30") == 1


def test_a_long_chain_of_references_stays_one_column_each(con: duckdb.DuckDBPyConnection
                                                         ) -> None:
    lines = ["segment s0 { include where age >= 20 }"] + [
        f"segment s{i} {{ include where in segment s{i - 1} or in segment s{i - 1} }}"
        for i in range(1, 40)]
    book = segrules.loads("\n".join(lines))
    assert len(sql.select(book, ["s39"], now=NOW)) < 20_000
    agree(con, book)


def test_explicit_lists_with_hostile_ids(con: duckdb.DuckDBPyConnection) -> None:
    ids = ", ".join(quoted(i) for i in HOSTILE[::2])
    out = ", ".join(quoted(i) for i in HOSTILE[1::3])
    book = segrules.loads(f"""
        segment listed {{ include customers {ids} }}
        segment both {{ include where age >= 40 include customers {ids} exclude customers {out} }}
        segment only_out {{ include everyone exclude customers {out} }}
    """)
    agree(con, book)


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_segment_names_and_strings_are_never_spliced(
        con: duckdb.DuckDBPyConnection, name: str) -> None:
    text = quoted(name)
    book = segrules.loads(f"segment {text} {{ include where name is {text} or name contains "
                          f"{text} or name starts with {text} }}\n"
                          f"segment other {{ include where in segment {text} }}")
    agree(con, book)
    assert sum(row[1] for row in con.execute(sql.select(book, now=NOW)).fetchall()) >= 1


def test_windows_stores_and_disabled_are_decided_when_the_query_is_made(
        con: duckdb.DuckDBPyConnection) -> None:
    book = segrules.loads("""
        segment summer { active from 2026-06-01T12:00:00Z until 2026-09-01 include everyone }
        segment spring { active until 2026-06-01T12:00:00Z include everyone }
        segment shop { stores "main", "o'utlet" include everyone }
        segment off { disabled include everyone include customers "c-1" }
    """)
    for store in (None, "main", "o'utlet", "other"):
        for now in (NOW, NOW - dt.timedelta(microseconds=1), dt.datetime(2026, 9, 1)):
            agree(con, book, store=store, now=now)


def test_a_membership_store_joined_as_a_table_is_merged_with_the_text(
        con: duckdb.DuckDBPyConnection) -> None:
    book = segrules.loads("""
        segment vip { include where age >= 60 exclude customers "c-7" }
        segment "o'brien; --" { include customers "c-1" }
        segment refs { include segment vip }
        segment empty { }
    """)
    store = segrules.MemoryMembership()
    store.add("vip", "c-2", "c-3", "o'brien")
    store.exclude("vip", "c-10", "c-3")
    store.add("o'brien; --", "c-4")
    store.exclude("o'brien; --", "c-1")
    store.add("empty", "back\\slash", "zürich")
    store.add("not in the book", "c-5")
    rows = [(segment, customer, kind) for segment in store.segments()
            for kind, ids in zip(("include", "exclude"), store.lists(segment), strict=True)
            for customer in ids]
    con.execute("CREATE OR REPLACE TABLE lists (segment VARCHAR, customer_id VARCHAR, "
                "kind VARCHAR)")
    con.executemany("INSERT INTO lists VALUES (?, ?, ?)", rows)
    agree(con, book, members=store, members_table="lists")
    con.execute("CREATE OR REPLACE TABLE lists (segment VARCHAR, customer_id VARCHAR, "
                "kind VARCHAR)")
    agree(con, book, members=segrules.MemoryMembership(), members_table="lists")
