"""Every evaluator's answer to one condition on one value of ``x``, asserted to agree.

The compiled code (with ``x`` read once, and read twice so it becomes a hoisted local),
``explain`` and the oracle each evaluate the condition on a dict profile and on an object
profile, so no evaluation path can keep its own idea of what a value means.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from oracle import Oracle
from segrules.explain import explain
from segrules.loader import loads

NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)


def verdicts(condition: str, value: object) -> set[bool]:
    """The distinct answers to ``condition`` (segment text) for a profile whose ``x`` is
    ``value``; one answer when every evaluator agrees. No evaluation may count an error."""
    found: set[bool] = set()
    for text in (condition, f"({condition}) and (x exists or x does not exist)"):
        book = loads(f"segment s {{ include where {text} }}")
        for profile in ({"x": value}, SimpleNamespace(x=value)):
            found.add(book.matches("s", profile, now=NOW))
            found.add(explain(book, "s", profile, now=NOW).matched)
            found.add(Oracle(book.document, profile, now=NOW).member("s"))
        assert book.evaluation_errors == 0, (condition, value)
    return found


def holds(condition: str, value: object) -> bool:
    """The one answer every evaluator gives to ``condition`` for ``x`` = ``value``."""
    found = verdicts(condition, value)
    assert len(found) == 1, (condition, value, found)
    return found.pop()
