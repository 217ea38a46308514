"""The three SQL engines as test fixtures: real engines, never mocks.

DuckDB runs in-process. PostgreSQL is a real server that ``pgserver`` starts once per test
session (2-3 s). Spark is one ``local[2]`` session for the whole run (about 15 s to start, then
seconds per query), used when Java and pyspark are installed and skipped with a message
otherwise — except under CI (``CI=true``), where a missing engine fails the run instead of
silently shrinking it.

Each engine is an ``Engine``: ``load`` puts profiles into a typed table, ``rows`` runs a query.
Tests batch their cases into few queries per engine (many segments in one select over one
table), because a Spark query costs seconds.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from segrules.sql import tables

__all__ = ["ENGINES", "Engine", "start_postgres", "start_spark"]

ENGINES = ("duckdb", "postgres", "spark")
IN_CI = os.environ.get("CI", "").lower() == "true"
_names = itertools.count(1)


class Engine:
    """One engine: a name (the dialect), ``load`` a typed table, ``rows`` of a query."""

    def __init__(self, dialect: str, handle: Any) -> None:
        self.dialect, self.handle = dialect, handle

    def load(self, profiles: Iterable[Mapping[str, Any]], schema: object = None, *,
             row: tables.TableType | None = None) -> str:
        """A new table holding ``profiles``; its name."""
        name = f"customers_{next(_names)}"
        if self.dialect == "duckdb":
            tables.duckdb_table(self.handle, name, profiles, schema, row=row)
        elif self.dialect == "postgres":
            tables.postgres_table(self.handle, name, profiles, schema, row=row)
        else:
            tables.spark_frame(self.handle, profiles, schema, row=row).createOrReplaceTempView(
                name)
        return name

    def rows(self, query: str) -> list[tuple[Any, ...]]:
        if self.dialect == "duckdb":
            return [tuple(row) for row in self.handle.execute(query).fetchall()]
        if self.dialect == "postgres":
            with self.handle.cursor() as cursor:
                cursor.execute(query.encode("utf-8"))  # bytes: `%` is never a placeholder
                if cursor.description is None:  # a statement without rows
                    return []
                return [tuple(row) for row in cursor.fetchall()]
        return [tuple(row) for row in self.handle.sql(query).collect()]

    def __repr__(self) -> str:
        return f"Engine({self.dialect})"


def _unavailable(engine: str, why: str) -> None:
    message = f"{engine} is not available here: {why}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: every engine must run)", pytrace=False)
    pytest.skip(message)


def start_postgres(folder: Path) -> Iterator[Any]:
    """A real PostgreSQL server in ``folder`` and an autocommit psycopg connection to it."""
    try:
        import pgserver
        import psycopg
    except ImportError as missing:
        _unavailable("PostgreSQL", f"{missing.name} is not installed (pip install -e '.[dev]')")
    server = pgserver.get_server(folder, cleanup_mode="stop")
    with psycopg.connect(server.get_uri(), autocommit=True) as connection:
        yield connection
    server.cleanup()


def start_spark() -> Iterator[Any]:
    """One local Spark session (2 cores, no UI, UTC) for the whole test run."""
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        _unavailable("Spark", "no Java runtime (apt-get install openjdk-17-jre-headless)")
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        _unavailable("Spark", "pyspark is not installed (pip install -e '.[spark]')")
    session = (
        SparkSession.builder.master("local[2]")
        .appName("segrules-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.log.level", "ERROR")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
        .config("spark.executor.extraJavaOptions", "-Duser.timezone=UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def members_by_segment(rows: Sequence[tuple[Any, ...]], names: Sequence[str]
                       ) -> dict[str, frozenset[str]]:
    """``select``'s rows (id, then one boolean per segment) as each segment's member ids."""
    return {name: frozenset(str(row[0]) for row in rows if row[1 + index] is True)
            for index, name in enumerate(names)}
