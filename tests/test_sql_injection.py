"""Injection: every string a marketer writes and every name reaches SQL as data, never as code.

Attribute names (top-level columns, record fields, fields of list elements), segment names,
string literals, explicit customer ids, store names and regex patterns are all hostile here:
quotes, backslashes, ``--``, ``;``, ``/*``, NUL, placeholders of every driver (``%s``, ``$1``,
``?``, ``:p``) and non-ASCII text. On each engine the query runs, answers exactly as Python, and
a canary table that a smuggled ``DROP TABLE`` would remove is still there afterwards.
"""

from __future__ import annotations

import datetime as dt
import warnings
from typing import Any

import pytest

from engines import Engine, members_by_segment
from segrules import SegrulesError
from segrules import nodes as n
from segrules.book import Book
from segrules.schema import Schema
from segrules.sql import tables
from segrules.sql.select import SqlWarning, select

NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
HOSTILE = [
    "it's", "'", "''", 'say "hi"', '"', "back\\slash", "\\", "\\'", "'\\", "x'); DROP TABLE "
    "canary; --", "a -- b", "/* c */", "*/", "x; SELECT 1", "100%", "%s", "%(p)s", "$1", "?",
    ":p", "{x}", "${x}", "${spark.app.name}", "a${x}b${", "$${x}",
    "\\n", "line\nbreak", "tab\there", "é中😀", "\u202eevil", "Zu\u0308rich",
    "",
]
WITH_NUL = [*HOSTILE, "a\x00b", "\x00"]
# Attribute names a column or field may have (distinct ignoring case, as engines need).
NAMES = ["it's", 'dq"name', "back\\slash", "--dash", "semi;colon", "DROP TABLE canary",
         "é中", "$1", "%s", "sp ace"]


def _book(strings: list[str], nul_names: bool = True, variable_names: bool = True) -> Book:
    """Segments named after hostile strings, each comparing a hostile attribute with them."""
    segments = []
    ops = [("eq", 1), ("in", 2), ("starts_with", 1), ("ends_with", 1), ("contains_any", 1),
           ("gt", 1)]
    for index, text in enumerate(strings):
        attribute = NAMES[index % len(NAMES)]
        op, arity = ops[index % len(ops)]
        if op == "gt" and "\x00" in text:
            op = "eq"  # PostgreSQL refuses to order text holding NUL (SR601)
        values = tuple(n.String(v) for v in (text, "x")[:arity])
        conditions: list[n.Expr] = [
            n.Compare(n.Attr((attribute,)), op, values, index % 2 == 1,
                      index % 3 == 0 and text.isascii()),
            n.Compare(n.Attr(("rec", attribute)), "eq", (n.String(text),)),
            n.Compare(n.Aggregate("count", n.Attr(("items",)), (), n.Compare(
                n.Attr((attribute,)), "eq", (n.String(text),))), "ge", (n.Number(1),)),
            n.Compare(n.Attr(("tags",)), "contains_any", (n.String(text),)),
        ]
        name = text if nul_names else text.replace(chr(0), "<NUL>")
        # Spark cannot name a column `${…}` (SR602, tested below); its literals still hold it.
        name = name if variable_names else name.replace("${", "$ {")
        segments.append(n.Segment(
            name=f"{name}#{index}",
            stores=(text, "main") if index % 4 == 0 else (),
            includes=(n.AnyOf(tuple(conditions)),),
            excludes=(n.Compare(n.Attr((attribute,)), "eq", (n.String(f"{text}!"),)),),
            include_customers=(text,) if index % 2 else (),
            exclude_customers=(f"{text}-x",)))
    return Book(n.Document(tuple(segments)))


def _profiles(strings: list[str]) -> list[dict[str, Any]]:
    people: list[dict[str, Any]] = []
    for index, text in enumerate(strings):
        name = NAMES[index % len(NAMES)]
        people.append({"id": text, name: text, "rec": {name: text},
                       "items": [{name: text}, {name: None}], "tags": [text, None]})
        people.append({"id": f"{text}-x", name: f"{text}!", "rec": {name: "other"},
                       "items": [], "tags": []})
    return people


def _row() -> tables.TableType:
    text = tables.Column("string")
    record = tables.Column("record", fields=tuple((name, text) for name in NAMES))
    return tables.Column("record", fields=(
        ("id", text), *((name, text) for name in NAMES), ("rec", record),
        ("items", tables.Column("list", item=record)),
        ("tags", tables.Column("list", item=text))))


def _canary(engine: Engine) -> None:
    if engine.dialect == "spark":
        engine.handle.sql("SELECT 1 AS alive").createOrReplaceTempView("canary")
    else:
        engine.rows("CREATE TABLE IF NOT EXISTS canary AS SELECT 1 AS alive")


def test_hostile_strings_and_names_are_data_on_every_engine(
        engine: Engine) -> None:
    strings = HOSTILE if engine.dialect == "postgres" else WITH_NUL  # PostgreSQL text has no NUL
    # The literals hold NUL on every engine; a PostgreSQL column name cannot (SR602, below).
    book = _book(WITH_NUL, nul_names=engine.dialect != "postgres",
                 variable_names=engine.dialect != "spark")
    profiles = _profiles(strings)
    row = _row()
    table = engine.load(profiles, row=row)
    _canary(engine)
    schema = Schema.from_json_schema(tables.json_schema(row))
    for store in ("main", "it's", "x'); DROP TABLE canary; --", None):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SqlWarning)
            query = select(book, dialect=engine.dialect, table=table, schema=schema, now=NOW,
                           store=store)
        found = members_by_segment(engine.rows(query), book.names)
        for name in book.names:
            expected = {p["id"] for p in profiles
                        if book.matches(name, p, now=NOW, store=store)}
            assert found[name] == expected, (name, store)
        assert any(found.values())  # the hostile values do match where Python says so
    assert engine.rows("SELECT alive FROM canary") == [(1,)]
    assert len(engine.rows(f"SELECT id FROM {table}")) == len(profiles)


def test_a_segment_name_postgres_cannot_hold_is_an_error() -> None:
    with pytest.raises(SegrulesError) as raised:
        select(_book(WITH_NUL), dialect="postgres", now=NOW)
    assert raised.value.diagnostics[0].code == "SR602"


@pytest.mark.parametrize("text", ["${x}", "${", "a${b}${c", "$${x}", "${}", "x$", "{$"])
def test_spark_literals_never_hold_a_variable_reference(text: str) -> None:
    """Spark replaces `${name}` in the query text, string literals included, before parsing:
    a literal holding `${` is written as pieces that do not, which join back to the text."""
    book = Book(n.Document((n.Segment("s", includes=(n.Compare(
        n.Attr(("a",)), "eq", (n.String(text),)),)),)))
    query = select(book, dialect="spark", now=NOW)
    assert "${" not in query
    for dialect in ("duckdb", "postgres"):
        assert select(book, dialect=dialect, now=NOW).count(text.replace("'", "''")) >= 1


def test_spark_refuses_names_holding_a_variable_reference() -> None:
    named = Book(n.Document((n.Segment("a${x}", includes=(n.Everyone(),)),)))
    with pytest.raises(SegrulesError) as raised:
        select(named, dialect="spark", now=NOW)
    assert raised.value.diagnostics[0].code == "SR602"
    assert "variable" in str(raised.value)
    reading = Book(n.Document((n.Segment("s", includes=(n.Compare(
        n.Attr(("a${x}",)), "eq", (n.String("v"),)),)),)))
    with pytest.raises(SegrulesError) as raised:
        select(reading, dialect="spark", now=NOW)
    assert raised.value.diagnostics[0].code == "SR601"
    select(named, dialect="duckdb", now=NOW)  # other engines hold such names
    select(reading, dialect="postgres", now=NOW)
