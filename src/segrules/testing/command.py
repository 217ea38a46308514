"""``segrules test``: run segment test files from a shell or a CI job.

Exit codes as the other commands: 0 every case and relation passed, 1 one failed, 2 bad input
(malformed TOML, an unknown segment name or key, segments that do not load, no test files).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from ..book import Book
from .coverage import Coverage
from .runner import run_file
from .segtest import find, read

__all__ = ["run_tests"]


@click.command("test")
@click.argument("paths", nargs=-1)
@click.option("--coverage", "with_coverage", is_flag=True,
              help="Also list conditions no case made true or false, blocks that never "
                   "decided, and listed customer ids no case used.")
def run_tests(paths: tuple[str, ...], with_coverage: bool) -> None:
    """Run segment test files (*.segtest.toml) found under PATHS (default: this folder).

    A failing case prints why, as `segrules explain` would; exit code 1 when one fails.
    """
    from ..cli import _reported  # the CLI's bad-input reporting; imported late: cli imports us

    _reported(_run)(paths or (os.curdir,), with_coverage)


def _run(paths: tuple[str, ...], with_coverage: bool) -> None:
    books: dict[Path, Book] = {}
    files = [read(path, books) for path in find(paths)]  # every file checked before any runs
    coverage = Coverage()
    passed = failed = 0
    for tests in files:
        click.echo(str(tests.path))
        for outcome in run_file(tests):
            label = "ok  " if outcome.passed else "FAIL"
            click.echo(f"  {label} {outcome.kind} {outcome.name}")
            if outcome.details:
                click.echo("\n".join(f"       {line}" for line in outcome.details.splitlines()))
            passed += outcome.passed
            failed += not outcome.passed
        if with_coverage:
            for case in tests.cases:
                coverage.add(tests.book, tests.segments, case)
    if with_coverage:
        click.echo()
        for line in coverage.report():
            click.echo(line)
    click.echo()
    click.echo(f"{passed} passed, {failed} failed")
    if failed:
        sys.exit(1)
