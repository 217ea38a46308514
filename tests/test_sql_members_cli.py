"""``segrules members`` on DuckDB writes exactly the rows the Python path writes.

Parquet and JSON Lines files go to DuckDB (``--engine auto``); files DuckDB would read
differently from Python (an attribute of several kinds, CSV's typed headers) fall back to the
Python path, so the output never depends on the engine. ``--engine duckdb`` on such a file is
one clear error line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner, Result

from segrules import customers as customers_module
from segrules.cli import cli
from segrules.sql import tables
from test_sql_engines import _generated

ROOT = Path(__file__).parent.parent
SEGMENTS = ROOT / "examples" / "segments"
NOW = "2026-11-01T00:00:00Z"


def run(*args: Any) -> Result:
    return CliRunner().invoke(cli, [str(arg) for arg in args])


@pytest.fixture(scope="module")
def customers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("customers")
    people = _generated(300)
    people[5]["store"] = None  # evaluated for no store: a warning, the same on both paths
    del people[6]["id"]
    jsonl = folder / "customers.jsonl"
    jsonl.write_text("".join(json.dumps(p) + "\n" for p in people), encoding="utf-8")
    mixed = folder / "mixed.jsonl"
    mixed.write_text("".join(json.dumps({**p, "age": str(p.get("age"))} if i % 7 == 0 else p)
                             + "\n" for i, p in enumerate(people)), encoding="utf-8")
    parquet = folder / "customers.parquet"
    pq.write_table(tables.arrow_table(people), parquet)
    return {"jsonl": jsonl, "mixed": mixed, "parquet": parquet}


def _members(path: Path, engine: str, *extra: Any) -> Result:
    return run("members", "--segments", SEGMENTS, "--customers", path, "--now", NOW,
               "--engine", engine, *extra)


@pytest.mark.parametrize("kind", ["jsonl", "parquet", "mixed"])
@pytest.mark.parametrize("extra", [(), ("--store", "main"), ("--format", "csv")],
                         ids=["store-field", "store-main", "csv-out"])
def test_duckdb_writes_the_rows_python_writes(customers: dict[str, Path], kind: str,
                                               extra: tuple[str, ...]) -> None:
    python = _members(customers[kind], "python", *extra)
    auto = _members(customers[kind], "auto", *extra)
    assert python.exit_code == 0, python.output
    assert auto.exit_code == 0, auto.output
    assert auto.stdout == python.stdout
    assert auto.stderr == python.stderr  # the same warnings (no store, no id)
    assert len(python.stdout.splitlines()) >= 300


@pytest.mark.parametrize("kind", ["jsonl", "parquet"])
def test_duckdb_writes_the_rows_python_writes_remembering_few_combinations(
        customers: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        kind: str) -> None:
    # Rows are worked out and written once per combination of segments; remembering only
    # two (one bound for both) makes both forget and work them out again, with the same rows.
    monkeypatch.setattr(customers_module, "_COMBINATIONS", 2)
    out = {engine: tmp_path / f"{engine}.parquet" for engine in ("python", "duckdb")}
    for engine, path in out.items():
        result = _members(customers[kind], engine, "--out", path)
        assert result.exit_code == 0, result.output
    python = pq.read_table(out["python"]).to_pylist()
    assert pq.read_table(out["duckdb"]).to_pylist() == python
    assert len(python) >= 300
    assert len({(tuple(row["segments"]), tuple(row["groups"])) for row in python}) > 2
    assert _members(customers[kind], "duckdb").stdout == _members(customers[kind],
                                                                    "python").stdout


def test_the_duckdb_path_is_taken_for_faithful_files(customers: dict[str, Path]) -> None:
    for kind in ("jsonl", "parquet"):
        assert _members(customers[kind], "duckdb").exit_code == 0


@pytest.mark.parametrize("kind", ["mixed", "csv"])
def test_engine_duckdb_refuses_what_it_would_read_differently(
        customers: dict[str, Path], tmp_path: Path, kind: str) -> None:
    path = customers.get(kind)
    if path is None:
        path = tmp_path / "customers.csv"
        path.write_text("id,age:int\nc-1,30\n", encoding="utf-8")
    result = _members(path, "duckdb")
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "--engine duckdb cannot" in result.output
