"""Session-wide fixtures: the SQL engines (see engines.py), started once and shared."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from engines import Engine, start_postgres, start_spark


@pytest.fixture(scope="session")
def postgres_connection(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    yield from start_postgres(tmp_path_factory.mktemp("postgres"))


@pytest.fixture(scope="session")
def spark_session() -> Iterator[Any]:
    yield from start_spark()


@pytest.fixture(params=["duckdb", "postgres", "spark"])
def engine(request: pytest.FixtureRequest) -> Engine:
    """Each engine in turn; PostgreSQL and Spark are started on first use."""
    if request.param == "duckdb":
        import duckdb

        return Engine("duckdb", duckdb.connect())
    fixture = "postgres_connection" if request.param == "postgres" else "spark_session"
    return Engine(request.param, request.getfixturevalue(fixture))
