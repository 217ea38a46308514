"""Checking what conditions read against what the customer data holds.

Without a schema the checker can only warn about literals that look like a mistake
(``lookalikes``). With one, each condition's attribute path is looked up and everything that
could never be true is an error at load instead of a silent false.
"""

from __future__ import annotations

from collections.abc import Iterator

from . import nodes as n
from .errors import Diagnostic
from .lookalikes import warning
from .visitor import walk

__all__ = ["check_types"]


def check_types(document: n.Document) -> Iterator[Diagnostic]:
    """The warnings and errors about what ``document``'s conditions compare."""
    for segment in document.segments:
        for expr in (*segment.includes, *segment.excludes):
            for node in walk(expr):
                if isinstance(node, n.Compare):
                    yield from _lookalikes(node)


def _lookalikes(compare: n.Compare) -> Iterator[Diagnostic]:
    for value in compare.values:
        found = warning(compare, value)
        if found is not None:
            code, message, hint = found
            yield Diagnostic(code, message, value.span or compare.span, hint, severity="warning")
