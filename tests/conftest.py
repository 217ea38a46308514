"""Session-wide fixtures: the SQL engines (see engines.py), started once and shared."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engines import Engine, start_postgres, start_spark


@pytest.fixture(scope="session")
def postgres_connection() -> Iterator[Any]:
    # Not pytest's tmp_path: its folders are private to root, and the server runs as the
    # `pgserver` system user pgserver creates when started as root.
    folder = Path(tempfile.mkdtemp(prefix="segrules-postgres-"))
    folder.chmod(0o755)
    try:
        yield from start_postgres(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


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
