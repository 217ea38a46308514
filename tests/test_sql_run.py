"""The runners: ``sql.members``/``sql.rows`` on DuckDB (tables, files, profiles) and PostgreSQL,
``sql.spark_members`` on Spark, each with a membership store's lists joined in, answering as
``book.matches(…, members=store)`` does."""

from __future__ import annotations

import datetime as dt
import json
import warnings
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest

import segrules
from engines import Engine
from segrules import SegrulesError, sql
from segrules.sql import tables

NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
BOOK = segrules.loads('''
segment adults { include where age >= 18  exclude customers "c-3" }
segment spenders { include where sum(orders.total where status is "paid") >= 500 }
segment "it's vip" { include segment spenders  exclude where age < 21 }
segment listed { }
''')
PEOPLE: list[dict[str, Any]] = [
    {"id": f"c-{i}", "age": 15 + i % 20,
     "orders": [{"total": 100.5 * (i % 7), "status": "paid" if i % 3 else "refunded"}]}
    for i in range(1, 3001)
]


def _expected(members: Any = None) -> dict[str, frozenset[str]]:
    return {name: frozenset(p["id"] for p in PEOPLE
                            if BOOK.matches(name, p, now=NOW, members=members))
            for name in BOOK.names}


def _store(kind: type[Any], tmp_path: Path) -> Any:
    store = kind(tmp_path / "members.sqlite") if kind is segrules.MembershipStore else kind()
    store.add("listed", "c-1", "c-2", "it's me")
    store.add("adults", "c-3")  # the file's exclusion still wins
    store.exclude("spenders", "c-13", "c-20")  # reaches "it's vip" through the reference
    store.add("it's vip", "c-4")
    return store


def test_members_of_profiles_on_duckdb() -> None:
    assert sql.members(BOOK, PEOPLE, now=NOW) == _expected()


@pytest.mark.parametrize("kind", [segrules.MemoryMembership, segrules.MembershipStore])
def test_a_membership_store_is_joined_in(kind: type[Any], tmp_path: Path) -> None:
    store = _store(kind, tmp_path)
    assert sql.members(BOOK, PEOPLE, now=NOW, members=store) == _expected(store)


def test_duckdb_attaches_a_sqlite_store_when_it_can(tmp_path: Path) -> None:
    con = duckdb.connect()
    installed = con.execute("SELECT installed FROM duckdb_extensions() WHERE extension_name "
                            "= 'sqlite_scanner'").fetchone()
    if not (installed and installed[0]):
        pytest.skip("DuckDB's sqlite extension is not installed (segrules never downloads it); "
                    "the store's lists are copied instead, as the test above checks")
    store = _store(segrules.MembershipStore, tmp_path)
    assert sql.members(BOOK, PEOPLE, connection=con, now=NOW, members=store) == _expected(store)
    assert con.execute("SELECT count(*) FROM segrules_store_lists").fetchone() == (7,)


def test_rows_keep_the_order_of_the_source_with_a_store(tmp_path: Path) -> None:
    store = _store(segrules.MemoryMembership, tmp_path)
    shuffled = PEOPLE[1::2] + PEOPLE[::2]
    ids = [customer for customer, _ in sql.rows(BOOK, shuffled, now=NOW, members=store)]
    assert ids == [p["id"] for p in shuffled]


@pytest.mark.parametrize("suffix", [".parquet", ".jsonl"])
def test_members_of_a_file_and_of_a_table(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"customers{suffix}"
    if suffix == ".parquet":
        pq.write_table(tables.arrow_table(PEOPLE), path)
    else:
        path.write_text("".join(json.dumps(p) + "\n" for p in PEOPLE), encoding="utf-8")
    assert sql.members(BOOK, path, now=NOW) == _expected()
    con = duckdb.connect()
    tables.duckdb_table(con, "shop customers", PEOPLE)
    assert sql.members(BOOK, "shop customers", connection=con, now=NOW) == _expected()


def test_members_on_postgres(postgres_connection: Any, tmp_path: Path) -> None:
    tables.postgres_table(postgres_connection, "run_customers", PEOPLE)
    store = _store(segrules.MembershipStore, tmp_path)
    found = sql.members(BOOK, "run_customers", connection=postgres_connection, now=NOW,
                        members=store)
    assert found == _expected(store)


def test_spark_members_is_a_dataframe(spark_session: Any, tmp_path: Path) -> None:
    store = _store(segrules.MemoryMembership, tmp_path)
    frame = tables.spark_frame(spark_session, PEOPLE)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no session reads here, so no warning either
        result = sql.spark_members(BOOK, frame, now=NOW, members=store)
    assert result.columns == ["id", *BOOK.names]
    rows = result.collect()
    found = {name: frozenset(row["id"] for row in rows if row[name]) for name in BOOK.names}
    assert found == _expected(store)


def test_sources_and_stores_sql_cannot_use(postgres_connection: Any) -> None:
    class OneAtATime:
        def explicit(self, segment: str, customer_id: str) -> tuple[bool, bool]:
            return (False, False)

    with pytest.raises(SegrulesError) as raised:
        sql.members(BOOK, PEOPLE, now=NOW, members=OneAtATime())
    assert raised.value.diagnostics[0].code == "SR367"
    with pytest.raises(SegrulesError) as raised:
        sql.members(BOOK, Path("customers.xlsx"), now=NOW)
    assert raised.value.diagnostics[0].code == "SR366"
    with pytest.raises(SegrulesError) as raised:
        sql.members(BOOK, PEOPLE, connection=postgres_connection, now=NOW)
    assert raised.value.diagnostics[0].code == "SR366"


def test_engines_report_the_same_rows_for_the_same_table(engine: Engine) -> None:
    """The table fixture and the runners agree: the query text runs as is on each engine."""
    table = engine.load(PEOPLE[:50])
    query = sql.select(BOOK, dialect=engine.dialect, table=table, now=NOW)
    rows = sorted(engine.rows(query))
    expected = {name: {p["id"] for p in PEOPLE[:50] if BOOK.matches(name, p, now=NOW)}
                for name in BOOK.names}
    assert {name: {r[0] for r in rows if r[1 + i]} for i, name in enumerate(BOOK.names)} \
        == expected
