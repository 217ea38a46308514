"""The differential law: Python and every SQL engine give the same membership.

For the example library on generated customers, and for random segments over random typed
tables (NULLs, empty lists, lists of records, boundary values, hostile text), ``book.matches``
and the query ``sql.select`` compiles, run on DuckDB, PostgreSQL and Spark, agree on every
customer and every segment. Cases are batched: many segments in one select over one table, so
each engine answers a whole Hypothesis example in one query.

A segment the compiler refuses for a dialect (an error naming the construct, never a silent
difference) is left out of that engine's comparison and counted; the refusal itself is tested
where the compiler is.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import warnings
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st

import segrules
from engines import Engine, members_by_segment
from segrules import SegrulesError
from segrules.schema import Schema
from segrules.sql import tables
from segrules.sql.select import SqlWarning, select
from typed import NOW, ROW, batches, merge

ROOT = Path(__file__).parent.parent
EXAMPLES_NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
# Hypothesis examples per engine, and cases (documents of up to 4 segments over up to 8
# customers) per example: Spark spends seconds on a query, DuckDB milliseconds.
BUDGET = {"duckdb": (30, 4), "postgres": (12, 4), "spark": (3, 12)}
#: Comparisons made per engine (segment x customer), for the report at the end of the run.
COUNTS: Counter[str] = Counter()


def schema_for(row: tables.TableType) -> Any:
    """The ``segrules.Schema`` of a table type: the column types the query may rely on."""
    return Schema.from_json_schema(tables.json_schema(row))


def python_members(book: segrules.Book, names: Sequence[str], profiles: Sequence[dict[str, Any]],
                   now: dt.datetime, store: str | None) -> dict[str, frozenset[str]]:
    return {name: frozenset(str(p["id"]) for p in profiles
                            if book.matches(name, p, now=now, store=store)) for name in names}


def compiled(book: segrules.Book, dialect: str, schema: Any, now: dt.datetime = NOW,
             store: str | None = None) -> tuple[list[str], list[str]]:
    """The segments the compiler turns into SQL for ``dialect``, and those it refuses."""
    kept, refused = [], []
    for name in book.names:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SqlWarning)
                select(book, [name], dialect=dialect, now=now, schema=schema, store=store)
        except SegrulesError as error:
            assert error.diagnostics[0].code.startswith("SR6"), error
            refused.append(name)
        else:
            kept.append(name)
    return kept, refused


def agree(engine: Engine, book: segrules.Book, names: Sequence[str],
          profiles: Sequence[dict[str, Any]], table: str, schema: Any, now: dt.datetime,
          store: str | None) -> None:
    query = select(book, names, dialect=engine.dialect, table=table, schema=schema, now=now,
                   store=store)
    rows = engine.rows(query)
    assert len(rows) == len(profiles)
    for row in rows:
        for name, flag in zip(names, row[1:], strict=True):
            if not isinstance(flag, bool):
                shown = [p for p in profiles if str(p["id"]) == str(row[0])]
                pytest.fail(f"{engine.dialect} gives {flag!r} for segment {name!r}:\n"
                            f"{segrules.dumps(book[name])}\ncustomer {shown}")
    found = members_by_segment(rows, names)
    expected = python_members(book, names, profiles, now, store)
    for name in names:
        if found[name] != expected[name]:
            wrong = sorted(found[name] ^ expected[name])[:3]
            shown = [p for p in profiles if str(p["id"]) in wrong]
            note(query)
            pytest.fail(f"{engine.dialect} disagrees with Python on segment {name!r}:\n"
                        f"{segrules.dumps(book[name])}\n(store {store!r})\n"
                        f"customers {shown}\npython: {expected[name] & set(wrong)}, "
                        f"sql: {found[name] & set(wrong)}")
    COUNTS[engine.dialect] += len(names) * len(profiles)


# --- the example library ---------------------------------------------------------------------


def _generated(count: int) -> list[dict[str, Any]]:
    spec = importlib.util.spec_from_file_location(
        "generate_customers", ROOT / "examples" / "generate_customers.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.generate(count, seed=7))


@pytest.fixture(scope="module")
def example_customers() -> list[dict[str, Any]]:
    people = _generated(400)
    # The awkward ones: nothing at all, empty lists, orders with missing fields.
    people += [{"id": "bare"}, {"id": "empty", "orders": [], "tags": [], "interests": []},
               {"id": "holes", "orders": [{"total": None, "status": "paid"}, {}],
                "address": {}, "email": "o'brien+x@example.com", "income": 150000}]
    return people


def test_the_example_segments_agree_on_every_engine(
        engine: Engine, example_customers: list[dict[str, Any]]) -> None:
    book = segrules.load(ROOT / "examples" / "segments")
    assert len(book.names) == 47
    row = tables.table_type(example_customers)
    table = engine.load(example_customers, row=row)
    # Spark answers for one store only: each query costs it seconds.
    for store in ("main",) if engine.dialect == "spark" else ("main", None):
        names, refused = compiled(book, engine.dialect, schema_for(row), EXAMPLES_NOW, store)
        assert len(refused) <= 2, refused  # every construct the examples use has SQL
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SqlWarning)  # session reads are missing in a table
            agree(engine, book, names, example_customers, table, schema_for(row),
                  EXAMPLES_NOW, store)
        print(f"\n{engine.dialect}: {len(names)} example segments x "
              f"{len(example_customers)} customers agree (store {store!r}); refused: {refused}")


# --- random segments on random tables ----------------------------------------------------------


def test_random_segments_agree_on_every_engine(engine: Engine) -> None:
    examples, size = BUDGET[engine.dialect]
    schema = schema_for(ROW)

    # No shrinking: each step compiles and runs a batch, and the failure message already
    # names the one segment and customers that disagree.
    @settings(max_examples=examples, deadline=None, derandomize=engine.dialect == "spark",
              phases=[Phase.explicit, Phase.reuse, Phase.generate],
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(batch=batches(size, nul=engine.dialect != "postgres"),
           store=st.sampled_from(("main", None, "it's")))
    def check(batch: list[Any], store: str | None) -> None:
        book, profiles, _ = merge(batch)
        names, refused = compiled(book, engine.dialect, schema, NOW, store)
        COUNTS[f"{engine.dialect} refused"] += len(refused)
        table = engine.load(profiles, row=ROW)
        agree(engine, book, names, profiles, table, schema, NOW, store)

    check()
    print(f"\n{engine.dialect}: {COUNTS[engine.dialect]} (segment, customer) pairs agree so "
          f"far; {COUNTS[engine.dialect + ' refused']} random segments refused by the compiler")
