"""Segments as SQL on 1M customers: generated against handwritten SQL, DuckDB against Python.

Run: ``.venv/bin/python benchmarks/bench_sql.py [--customers 1000000] [--runs 3]
[--python-sample 20000] [--postgres 200000] [--spark]``. Needs the ``sql`` extra (and
``postgres``/``spark`` for those rows). Prints, each over ``--runs`` runs (min–max):

1. generated DuckDB SQL against the query an engineer would write by hand, for two rules of the
   example library (``big_spenders``: a sum over paid orders; ``north_america_adults``: stores,
   explicit lists, nested conditions), on a DuckDB table and over the Parquet file
   (target: at most 1.2×), and, for information, against the same handwritten query with the
   faster CASE-in-LIST_TRANSFORM idiom;
2. ``segrules members`` over the whole example library on the Parquet file: ``--engine duckdb``
   against ``--engine python``; the Python path runs on the first ``--python-sample`` customers
   and is extrapolated linearly (it is one call per customer) (target: at least 20× faster);
3. PostgreSQL (a pgserver server, ``--postgres`` customers) and Spark (``local[2]``, the
   Parquet file) throughput for the whole library, in customers per second.

The customers are the example generator's, ``--base`` of them (50,000) repeated with fresh ids
until there are ``--customers``; written once under ``benchmarks/data/`` (gitignored).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

import segrules
from segrules.sql import select

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data"
SEGMENTS = ROOT / "examples" / "segments"
NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
RULES = ("big_spenders", "north_america_adults")

# What an engineer writes for the two rules, knowing the table: DOUBLE sums, no NULL care
# beyond what the rule needs, the store and window folded by hand for store 'main'.
HANDWRITTEN = """
SELECT id,
  coalesce(list_sum(list_transform(list_filter(orders, LAMBDA o: o.status = 'paid'),
                                   LAMBDA o: o.total)), 0) >= 1000 AS big_spenders,
  id <> 'c-2000' AND (id IN ('c-1001', 'c-1002') OR (
      ((country = 'United States' AND state IN ('Alaska', 'Florida', 'Alabama'))
       OR (country = 'Canada' AND state IN ('British Columbia', 'Nova Scotia')))
      AND NOT coalesce(age < 18, false) AND age IS NOT NULL)) AS north_america_adults
FROM {table}
"""
# The same query with the paid orders picked inside LIST_TRANSFORM (a CASE; NULLs are skipped
# by the sum) instead of by LIST_FILTER: a less common idiom, and faster. Shown for
# information; the target is against the idiom above.
HANDWRITTEN_CASE = HANDWRITTEN.replace(
    """list_transform(list_filter(orders, LAMBDA o: o.status = 'paid'),
                                   LAMBDA o: o.total)""",
    "list_transform(orders, LAMBDA o: CASE WHEN o.status = 'paid' THEN o.total END)")


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("generate_customers",
                                                  ROOT / "examples" / "generate_customers.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def customers_parquet(count: int, base: int) -> Path:
    """The Parquet file of ``count`` customers (made once)."""
    path = DATA / f"customers-{count}.parquet"
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    jsonl = DATA / f"base-{base}.jsonl"
    if not jsonl.exists():
        with jsonl.open("w", encoding="utf-8") as out:
            for person in _generator().generate(base, seed=42):
                out.write(json.dumps(person) + "\n")
    copies = -(-count // base)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    # Fresh ids per copy; the first copy keeps the generator's ids (c-001001 … as written).
    con.execute(f"""
        COPY (
          SELECT * REPLACE (CASE WHEN k = 0 THEN id ELSE id || '-' || k END AS id)
          FROM read_json('{jsonl}', sample_size = -1), range({copies}) AS r(k)
          ORDER BY k, id LIMIT {count}
        ) TO '{path}' (FORMAT parquet)""")
    return path


def timed(action: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return times


def shown(times: list[float]) -> str:
    return (f"{statistics.median(times):8.3f} s  (min {min(times):.3f}, max {max(times):.3f}, "
            f"{len(times)} runs)")


def generated_vs_handwritten(book: segrules.Book, parquet: Path, runs: int) -> None:
    con = duckdb.connect()
    con.execute(f"CREATE TABLE customers AS SELECT * FROM read_parquet('{parquet}')")
    for label, table in (("table", "customers"), ("parquet", f"read_parquet('{parquet}')")):
        source = "customers" if table == "customers" else "parquet_view"
        if table != "customers":
            con.execute(f"CREATE OR REPLACE VIEW parquet_view AS SELECT * FROM {table}")
        generated = select(book, RULES, dialect="duckdb", table=source, now=NOW, store="main")
        counts = ", ".join(f'count(*) FILTER (WHERE "{r}")' for r in RULES)
        queries = {name: f"SELECT {counts} FROM ({query})" for name, query in (
            ("generated", generated), ("handwritten", HANDWRITTEN.format(table=source)),
            ("handwritten-case", HANDWRITTEN_CASE.format(table=source)))}
        answers = {name: con.execute(wrapped).fetchone() for name, wrapped in queries.items()}
        assert len(set(answers.values())) == 1, answers
        # The queries take turns (in alternating order), so that a change in the load of a
        # shared machine falls on all; the k-th fastest runs of each are compared.
        results: dict[str, list[float]] = {name: [] for name in queries}
        for run in range(runs):
            for name in sorted(queries, reverse=run % 2 == 1):
                results[name] += timed(lambda w=queries[name]: con.execute(w).fetchone(), 1)
        for name in queries:
            print(f"  {label:8} {name:16} {shown(results[name])}")
        for name, target in (("handwritten", "target ≤ 1.2"),
                             ("handwritten-case", "for information")):
            ratios = [g / h for g, h in zip(sorted(results["generated"]),
                                            sorted(results[name]), strict=True)]
            print(f"  {label:8} ratio to {name:16} {statistics.median(ratios):.2f}×  (range "
                  f"{min(ratios):.2f}–{max(ratios):.2f}; {target})")
        print(f"  {label:8} members {answers['generated']}")


def members_cli(parquet: Path, sample: int, runs: int) -> None:
    segrules_cli = [sys.executable, "-m", "segrules", "members", "--segments", str(SEGMENTS),
                    "--now", "2026-11-01T00:00:00Z"]
    con = duckdb.connect()
    total = con.execute(f"SELECT count(*) FROM read_parquet('{parquet}')").fetchone()[0]
    with tempfile.TemporaryDirectory() as folder:
        small = Path(folder) / "sample.parquet"
        con.execute(f"COPY (SELECT * FROM read_parquet('{parquet}') LIMIT {sample}) "
                    f"TO '{small}' (FORMAT parquet)")
        out = Path(folder) / "members.jsonl"

        def cli(path: Path, engine: str) -> None:
            subprocess.run([*segrules_cli, "--customers", str(path), "--engine", engine,
                            "--out", str(out)], check=True)

        one = Path(folder) / "one.parquet"
        con.execute(f"COPY (SELECT * FROM read_parquet('{parquet}') LIMIT 1) "
                    f"TO '{one}' (FORMAT parquet)")
        duck = timed(lambda: cli(parquet, "duckdb"), runs)
        python = timed(lambda: cli(small, "python"), runs)
        # What does not grow with the customers (start-up, loading the segments) is not
        # multiplied: the Python path's time per customer is (sample - one) / (sample - 1).
        fixed = min(timed(lambda: cli(one, "python"), runs))
    scale = total / sample
    python_total = [fixed + (t - fixed) * (total - 1) / (sample - 1) for t in python]
    speedups = [p / d for p, d in zip(sorted(python_total), sorted(duck), strict=True)]
    print(f"  duckdb, {total:,} customers      {shown(duck)}")
    print(f"  python, {sample:,} customers       {shown(python)}")
    print(f"  python, 1 customer (start-up)     {fixed:8.3f} s")
    print(f"  python, extrapolated ×{scale:.0f}   {shown(python_total)}")
    print(f"  speed-up {statistics.median(speedups):.1f}×  (range {min(speedups):.1f}–"
          f"{max(speedups):.1f}; target ≥ 20)")


def postgres_throughput(book: segrules.Book, parquet: Path, count: int, runs: int) -> None:
    import pgserver
    import psycopg
    import pyarrow.parquet as pq

    from segrules.sql import tables

    profiles = pq.read_table(parquet).slice(0, count).to_pylist()
    with tempfile.TemporaryDirectory() as folder:
        Path(folder).chmod(0o755)
        server = pgserver.get_server(folder, cleanup_mode="stop")
        with psycopg.connect(server.get_uri(), autocommit=True) as pg:
            load = timed(lambda: tables.postgres_table(pg, "customers", profiles), 1)
            query = select(book, dialect="postgres", table="customers", now=NOW, store="main")
            # Counting each segment's members makes the server compute every column.
            counts = ", ".join(f'count(*) FILTER (WHERE q."{name.replace(chr(34), 2 * chr(34))}")'
                               for name in book.names)
            wrapped = f"SELECT {counts} FROM ({query}) AS q"
            times = timed(lambda: pg.execute(wrapped.encode()).fetchone(), runs)
        server.cleanup()
    print(f"  load {count:,} customers {load[0]:.1f} s; the whole library: {shown(times)}"
          f"  → {count / statistics.median(times):,.0f} customers/s")


def spark_throughput(book: segrules.Book, parquet: Path, runs: int) -> None:
    from pyspark.sql import SparkSession

    from segrules.sql import spark_members

    spark = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
             .config("spark.sql.session.timeZone", "UTC").config("spark.log.level", "ERROR")
             .getOrCreate())
    frame = spark.read.parquet(str(parquet))
    count = frame.count()
    result = spark_members(book, frame, now=NOW, store="main")
    times = timed(lambda: result.write.format("noop").mode("overwrite").save(), runs)
    print(f"  the whole library over {count:,} customers (Parquet): {shown(times)}"
          f"  → {count / statistics.median(times):,.0f} customers/s")
    spark.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--base", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--python-sample", type=int, default=20_000)
    parser.add_argument("--postgres", type=int, default=0, help="customers (0: skip)")
    parser.add_argument("--spark", action="store_true")
    parser.add_argument("--parts", default="12", help="which of rows 1 and 2 to run")
    args = parser.parse_args(argv)
    parquet = customers_parquet(args.customers, args.base)
    book = segrules.load(SEGMENTS)
    print(f"{args.customers:,} customers in {parquet}")
    if "1" in args.parts:
        print("1. generated DuckDB SQL vs handwritten, big_spenders + north_america_adults")
        generated_vs_handwritten(book, parquet, args.runs)
    if "2" in args.parts:
        print("2. segrules members, the example library (47 segments)")
        members_cli(parquet, args.python_sample, args.runs)
    if args.postgres:
        print("3. PostgreSQL")
        postgres_throughput(book, parquet, args.postgres, args.runs)
    if args.spark:
        print("4. Spark")
        spark_throughput(book, parquet, args.runs)


if __name__ == "__main__":
    main()
