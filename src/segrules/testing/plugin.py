"""The pytest plugin: ``*.segtest.toml`` files collected as tests, one item per case and
relation, so segment tests run in the same ``pytest`` call as the code that uses the segments.

Registered through the ``pytest11`` entry point; a file pytest is asked to collect that is
malformed is a collection error with the same one-line message ``segrules test`` prints.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..book import Book
from ..errors import SegrulesError
from .runner import Outcome, check_relation, run_case
from .segtest import SUFFIX, Case, Relation, TestFile, read

__all__ = ["pytest_collect_file"]

_BOOKS: dict[Path, Book] = {}  # per pytest process: files testing one folder share its book


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.name.endswith(SUFFIX):
        return SegtestFile.from_parent(parent, path=file_path)
    return None


def _message(error: SegrulesError) -> str:
    """Segment text errors as the compiler renders them; a test file's own mistakes as one line."""
    if any(d.span is not None for d in error.diagnostics):
        return error.render()
    return "\n".join(f"error: {d.message}" for d in error.diagnostics)


class SegtestFailure(Exception):
    """A case or relation that did not hold; pytest shows its details, not a traceback."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.details)
        self.outcome = outcome


class SegtestFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        try:
            tests = read(self.path, _BOOKS)
        except SegrulesError as error:
            raise self.CollectError(_message(error)) from None
        for case in tests.cases:
            yield SegtestItem.from_parent(self, name=f"case: {case.name}", tests=tests, check=case)
        for relation in tests.relations:
            yield SegtestItem.from_parent(self, name=f"relation: {relation.name}", tests=tests,
                                          check=relation)


class SegtestItem(pytest.Item):
    def __init__(self, *, tests: TestFile, check: Case | Relation, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tests = tests
        self.check = check

    def runtest(self) -> None:
        if isinstance(self.check, Case):
            outcome = run_case(self.tests, self.check)
        else:
            outcome = check_relation(self.tests, self.check)
        if not outcome.passed:
            raise SegtestFailure(outcome)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        if isinstance(excinfo.value, SegtestFailure):
            return f"{self.name}\n{excinfo.value.outcome.details}"
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"{self.path.name}::{self.name}"
