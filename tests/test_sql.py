"""``segrules.sql.select``: the query's shape, its errors, and the same answers as Python on
DuckDB for the example segments (the cross-engine law lives in the engines' tests)."""

from __future__ import annotations

import datetime as dt
import warnings

import pytest
from click.testing import CliRunner

import segrules
from segrules import sql
from segrules.cli import cli
from segrules.schema import Schema
from sqltables import EXAMPLE_COLUMNS, ROOT, example_customers, schema_for, table

NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def book() -> segrules.Book:
    return segrules.load(ROOT / "examples" / "segments")


@pytest.fixture(scope="module")
def people() -> list[dict[str, object]]:
    return example_customers(600)


@pytest.fixture(scope="module")
def con(people: list[dict[str, object]]):  # type: ignore[no-untyped-def]
    return table(people, EXAMPLE_COLUMNS)


def schema_of(typed: str) -> object:
    if typed == "columns":
        return schema_for(EXAMPLE_COLUMNS)
    if typed == "json-schema":
        return Schema.from_json_schema(ROOT / "examples" / "customers.schema.json")
    return None


@pytest.mark.parametrize("typed", ["columns", "json-schema", "none"])
@pytest.mark.parametrize("now", [NOW, dt.datetime(2026, 2, 28, 13, 30, tzinfo=dt.UTC)],
                         ids=["reference", "february"])
@pytest.mark.parametrize("store", [None, "outlet"])
def test_the_example_segments_agree_with_python_on_duckdb(
        book: segrules.Book, people: list[dict[str, object]], con, typed: str,  # type: ignore[no-untyped-def]
        now: dt.datetime, store: str | None) -> None:
    schema = schema_of(typed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sql.SqlWarning)
        query = sql.select(book, now=now, schema=schema, store=store)
    rows = {row[0]: row[1:] for row in con.execute(query).fetchall()}
    assert len(rows) == len(people)
    differences = []
    for person in people:
        got = {name for name, value in zip(book.names, rows[person["id"]], strict=True) if value}
        want = book.segments_for(person, now=now, store=store)
        if got != want:
            differences.append((person["id"], sorted(got ^ want)))
    assert differences == []
    # Not a vacuous agreement: the sample has members and non-members of most segments.
    counts = [sum(bool(r[i]) for r in rows.values()) for i in range(len(book.names))]
    assert sum(0 < c < len(people) for c in counts) >= 25


def test_columns_are_id_then_one_boolean_per_segment_in_the_order_asked(con) -> None:  # type: ignore[no-untyped-def]
    book = segrules.loads('segment "b" { include everyone }\nsegment a { }\n'
                          'segment "Mixed Case -- ;" { include where age >= 30 }')
    query = sql.select(book, ["Mixed Case -- ;", "a", "b"], now=NOW)
    result = con.execute(query)
    assert [d[0] for d in result.description] == ["id", "Mixed Case -- ;", "a", "b"]
    rows = result.fetchall()
    assert all(type(v) is bool for row in rows for v in row[1:])
    assert {row[3] for row in rows} == {True} and {row[2] for row in rows} == {False}


def test_an_unknown_dialect_or_segment_is_an_error() -> None:
    book = segrules.loads("segment vip { include everyone }")
    with pytest.raises(segrules.SegrulesError) as caught:
        sql.select(book, dialect="oracle")
    assert caught.value.diagnostics[0].code == "SR603"
    assert "duckdb, postgres, spark" in str(caught.value)
    with pytest.raises(segrules.UnknownSegmentError):
        sql.select(book, ["vpi"])


def test_names_the_engine_cannot_hold_are_errors_naming_both() -> None:
    book = segrules.loads('segment vip { include everyone }\nsegment "VIP" { include everyone }\n'
                          f'segment "{"x" * 64}" {{ include everyone }}\n'
                          'segment "ID" { include everyone }')
    for dialect in ("duckdb", "spark"):
        with pytest.raises(segrules.SegrulesError) as caught:
            sql.select(book, ["vip", "VIP"], dialect=dialect)
        assert caught.value.diagnostics[0].code == "SR602"
        assert "'vip' and 'VIP'" in str(caught.value)
        with pytest.raises(segrules.SegrulesError, match="same column as `id`"):
            sql.select(book, ["ID"], dialect=dialect)
    assert sql.select(book, ["vip", "VIP"], dialect="postgres", now=NOW)
    with pytest.raises(segrules.SegrulesError, match="63 bytes"):
        sql.select(book, ["x" * 64], dialect="postgres")
    assert sql.select(book, ["x" * 64], dialect="duckdb", now=NOW)


def test_session_attributes_are_missing_in_a_table_and_select_warns(con) -> None:  # type: ignore[no-untyped-def]
    book = segrules.loads('segment m { include where session.device is "mobile" }\n'
                          "segment n { include where session.device does not exist }")
    with pytest.warns(sql.SqlWarning, match="session"):
        query = sql.select(book, now=NOW)
    assert {row[1:] for row in con.execute(query).fetchall()} == {(False, True)}


def test_the_sql_command_prints_the_query_select_makes(tmp_path, con) -> None:  # type: ignore[no-untyped-def]
    schema = ROOT / "examples" / "customers.schema.json"
    args = ["sql", "newsletter_vip", "vip", "--segments", str(ROOT / "examples" / "segments"),
            "--now", "2026-11-01", "--schema", str(schema), "--dialect", "duckdb"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    book = segrules.load(ROOT / "examples" / "segments")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sql.SqlWarning)
        expected = sql.select(book, ["newsletter_vip", "vip"], now=NOW,
                              schema=Schema.from_json_schema(schema), pretty=True)
    assert result.stdout.strip() == expected
    assert "session attributes" in result.stderr
    assert con.execute(result.stdout).fetchall() == con.execute(expected).fetchall()


@pytest.mark.parametrize(("args", "message"), [
    (["nope"], "no segment named 'nope'"),
    (["vip", "--dialect", "oracle"], "Invalid value for '--dialect'"),
    (["vip", "--table", "a..b"], "not a table name"),
    (["vip", "--schema", "missing.json"], "missing.json"),
])
def test_the_sql_command_reports_bad_input_in_one_line_and_exits_2(
        args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, ["sql", *args, "--segments",
                                      str(ROOT / "examples" / "segments")])
    assert result.exit_code == 2 and message in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("block", ["all", "any"])
def test_a_block_of_thousands_of_conditions_compiles_and_agrees(block: str) -> None:
    """A block is an AND or OR chain as deep as it is long; compiling it must not recurse."""
    import duckdb

    lines = "\n".join(f"        age is not {i}" if block == "all" else f"        age is {i}"
                      for i in range(3000))
    book = segrules.loads(f"segment long {{\n    include {block} {{\n{lines}\n    }}\n}}\n")
    con = duckdb.connect()
    con.execute("CREATE TABLE customers (id VARCHAR, age BIGINT)")
    con.execute("INSERT INTO customers VALUES ('in', 5000), ('out', 7), ('none', NULL)")
    rows = dict(con.execute(sql.select(book, ["long"], table="customers")).fetchall())
    profiles = {"in": {"age": 5000}, "out": {"age": 7}, "none": {}}
    assert rows == {key: book.matches("long", profile) for key, profile in profiles.items()}
    for dialect in ("postgres", "spark"):  # their queries are built by the same compiler
        assert sql.select(book, ["long"], dialect=dialect, table="customers").count("age") >= 3000
