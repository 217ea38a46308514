"""Text in SQL: ``ignoring case`` keys and regexes give Python's answers, or are refused.

The caseless key and the regex translations are built from rules argued in their modules;
these tests check the rules against Python itself, on text chosen to break them.
"""

from __future__ import annotations

import datetime as dt
import string

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import segrules
from segrules import sql
from segrules.sql.caseless import FOLDS
from segrules.sql.dialect import Unsupported
from segrules.sql.regexes import translate
from segrules.text import caseless
from sqltables import schema_for

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
SCHEMA = schema_for({"id": "VARCHAR", "name": "VARCHAR"})

# Characters that fold to ASCII, fold to several characters, compose, or only look alike.
TRICKY = "".join(FOLDS) + "ÉéEeKkSsIiJjǰΣσς\u0345\u0301\u0307\u0323ÅåAa;`Zz"
TEXT = st.text(alphabet=string.ascii_letters[:8] + "sSkKiI;` " + TRICKY, max_size=6)


def test_the_folds_are_every_non_ascii_character_whose_key_holds_ascii() -> None:
    found = {}
    for code in range(0x80, 0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        key = caseless(chr(code))
        if any(c.isascii() for c in key):
            found[chr(code)] = key
    assert found == FOLDS


@settings(max_examples=40, deadline=None)
@given(literal=st.text(alphabet="abskiSKI;` \u00df\u017f", min_size=0, max_size=4),
       data=st.lists(TEXT, min_size=1, max_size=25),
       op=st.sampled_from(["is", "starts with", "ends with", "contains", ">", "<=",
                           "is one of"]))
def test_ignoring_case_on_duckdb_agrees_with_python(literal: str, data: list[str],
                                                    op: str) -> None:
    quoted = '"' + literal.replace("\\", "\\\\").replace('"', '\\"') + '"'
    values = f"{quoted}, \"ss\"" if op == "is one of" else quoted
    book = segrules.loads(f"segment s {{ include where name {op} {values} ignoring case }}")
    try:
        query = sql.select(book, now=NOW, schema=SCHEMA)
    except segrules.SegrulesError as error:
        assert not caseless(literal).isascii(), error  # only non-ASCII keys are refused
        return
    con = duckdb.connect()
    con.execute("CREATE TABLE customers (id VARCHAR, name VARCHAR)")
    con.executemany("INSERT INTO customers VALUES (?, ?)",
                    [[str(i), text] for i, text in enumerate(data)])
    got = dict(con.execute(query).fetchall())
    want = {str(i): book.matches("s", {"name": text}) for i, text in enumerate(data)}
    assert got == want


@pytest.mark.parametrize("dialect", ["duckdb", "postgres", "spark"])
def test_a_literal_whose_caseless_key_is_not_ascii_is_refused_naming_the_dialect(
        dialect: str) -> None:
    book = segrules.loads('segment s {\n  include where city is "Zürich" ignoring case\n}')
    with pytest.raises(segrules.SegrulesError) as caught:
        sql.select(book, dialect=dialect, now=NOW)
    problem = caught.value.diagnostics[0]
    assert problem.code == "SR601" and dialect in problem.message
    assert "Zürich" in problem.message and problem.span is not None
    assert problem.span.line == 2


def test_spark_refuses_ignoring_case_where_the_key_needs_renormalising() -> None:
    book = segrules.loads('segment s { include where email starts with "a" ignoring case }\n'
                          'segment t { include where email ends with "a" ignoring case }')
    with pytest.raises(segrules.SegrulesError, match="spark"):
        sql.select(book, ["s"], dialect="spark", now=NOW)
    assert sql.select(book, ["t"], dialect="spark", now=NOW)
    assert sql.select(book, ["s"], dialect="postgres", now=NOW)


# --- regexes ---------------------------------------------------------------------------------

TRANSLATIONS = [
    # (RE2, PostgreSQL ARE, Java)
    (r"^a.c$", r"^a[^\n]c$", r"^a[^\n]c\z"),
    (r"\d+\s\w", r"[0-9]+[\t\n\f\r ][0-9A-Za-z_]", r"[0-9]+[\t\n\f\r ][0-9A-Za-z_]"),
    (r"[^@\s]+@[a-z.]", r"[^\@\t\n\f\r ]+\@[a-z\.]", r"[^\@\t\n\f\r ]+\@[a-z\.]"),
    (r"(?:ab|cd){2,3}?", r"(?:ab|cd){2,3}?", r"(?:ab|cd){2,3}?"),
    (r"(?P<x>a)\Qa.b\E", r"(a)a\.b", r"(a)a\.b"),
    (r"[[&]x{", r"[\[\&]x\{", r"[\[\&]x\{"),
    ("\\x{1F600}\\t", "\U0001f600\\u0009", "\U0001f600\\x{9}"),
    (r"\Aab\z", r"^ab$", r"^ab\z"),
    (r"a{300}", None, r"a{300}"),
]


@pytest.mark.parametrize(("re2", "postgres", "java"), TRANSLATIONS)
def test_patterns_are_translated_construct_by_construct(re2: str, postgres: str | None,
                                                        java: str) -> None:
    assert translate(re2, "spark") == java
    if postgres is None:
        with pytest.raises(Unsupported, match="repetition"):
            translate(re2, "postgres")
    else:
        assert translate(re2, "postgres") == postgres


@pytest.mark.parametrize(("pattern", "construct"), [
    (r"\bword\b", "word boundary"), (r"\p{Lu}", "Unicode class"), (r"(?i)abc", "flag group"),
    (r"[[:alpha:]]", "POSIX class"), (r"[à-ü]", "range beyond ASCII"), (r"[\W]", r"\W"),
    (r"\C", "any byte"),
])
@pytest.mark.parametrize("dialect", ["postgres", "spark"])
def test_constructs_with_other_meanings_are_refused_naming_construct_and_dialect(
        pattern: str, construct: str, dialect: str) -> None:
    book = segrules.loads(f"segment s {{ include where name matches /{pattern}/ }}")
    with pytest.raises(segrules.SegrulesError) as caught:
        sql.select(book, dialect=dialect, now=NOW)
    message = caught.value.diagnostics[0].message
    assert construct in message and dialect in message
    assert sql.select(book, dialect="duckdb", now=NOW)  # RE2 itself


def test_matches_ignoring_case_is_refused_everywhere() -> None:
    book = segrules.loads("segment s { include where name matches /ab/ ignoring case }")
    for dialect in sql.DIALECTS:
        with pytest.raises(segrules.SegrulesError, match="ignoring case"):
            sql.select(book, dialect=dialect, now=NOW)


def test_only_three_characters_become_ascii_in_nfc() -> None:
    import unicodedata

    from segrules.sql.compiler import NFC_TARGETS
    found = set()
    for code in range(0x80, 0x110000):
        if not 0xD800 <= code <= 0xDFFF:
            found.update(c for c in unicodedata.normalize("NFC", chr(code)) if c.isascii())
    assert found == NFC_TARGETS
