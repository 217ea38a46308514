"""Loading segment text into a checked ``Book``: from a string, a file, or a folder of files.

Every file of a folder is parsed, then the checker runs over all of them together (references
cross files). All errors of all files are raised at once; warnings go on ``book.warnings``.
"""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import nodes as n
from .checker import check
from .errors import Diagnostic, SegrulesError, error_for, in_file_order
from .parser import parse_source
from .source import Source

if TYPE_CHECKING:
    from .book import Book
    from .schema import Schema


def loads(text: str, source: str = "<string>", *, attributes: Any = None,
          schema: Schema | None = None) -> Book:
    """Parse and check segment ``text``; ``source`` names it in error messages.

    With a ``schema``, what conditions read is checked against it (docs/schema.md).
    """
    return _build([Source(source, text)], attributes, schema)


def load(path: str | os.PathLike[str], *, attributes: Any = None,
         schema: Schema | None = None) -> Book:
    """Load a ``.seg`` file, or every ``*.seg`` file under a folder (recursive, sorted)."""
    return _build([read_source(file) for file in seg_files(path)], attributes, schema)


def seg_files(path: str | os.PathLike[str]) -> list[Path]:
    """The files ``load(path)`` reads, in the order it reads them."""
    root = Path(path)
    try:
        if root.is_dir():
            files = sorted(p for p in root.rglob("*.seg") if p.is_file())
            if not files:
                raise SegrulesError(f"{root}: no .seg files in this folder")
            return files
        if not root.exists():
            raise SegrulesError(f"{root}: no such file or folder")
    except OSError as error:  # a name too long, a folder we may not list, …
        raise SegrulesError(f"{root}: cannot read ({error.strerror})") from None
    if not root.is_file():  # a pipe or a device: reading it could block for ever
        raise SegrulesError(f"{root}: not a file or folder")
    return [root]


def read_source(path: Path) -> Source:
    """A file's text as a ``Source``; unreadable or non-UTF-8 files are a ``SegrulesError``."""
    try:
        return Source(str(path), path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        reason = f"{error.reason} at byte {error.start}"
        raise SegrulesError(f"{path}: not UTF-8 text ({reason})") from None
    except OSError as error:
        raise SegrulesError(f"{path}: cannot read ({error.strerror})") from None


def parse_all(sources: Iterable[Source], *, schema: Schema | None = None,
              computed: Iterable[str] = ()) -> tuple[n.Document, list[Diagnostic]]:
    """Parse and check several sources as one document (against ``schema``, if given)."""
    segments: list[n.Segment] = []
    diagnostics: list[Diagnostic] = []
    read = list(sources)
    for source in read:
        document, found = parse_source(source)
        segments.extend(document.segments)
        diagnostics.extend(found)
    document = n.Document(segments)
    diagnostics.extend(check(document, schema=schema, computed=computed))
    return document, in_file_order(_without_echoes(diagnostics), read)


def _without_echoes(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Leave out a warning about the very text an error is about (`is before "2025-01-01"`
    is SR305): the error says what to fix, the warning would repeat it."""
    wrong = {(d.span.source, d.span.start, d.span.end)
             for d in diagnostics if d.severity == "error" and d.span is not None}
    return [d for d in diagnostics if d.severity == "error" or d.span is None
            or (d.span.source, d.span.start, d.span.end) not in wrong]


def _schema(schema: object) -> Schema | None:
    """``schema=`` as given, when it is a ``Schema`` (or None); a clear error otherwise."""
    if schema is None:
        return None
    from .schema import Schema

    if isinstance(schema, Schema):
        return schema
    raise SegrulesError(
        f"schema= takes a segrules.Schema, not {type(schema).__name__}: build one with "
        "Schema.from_json_schema(path), Schema.from_type(cls) or Schema.infer(profiles)"
    )


# How many threads are inside `collector_paused`, and whether the collector was on before the
# first of them: a thread must not take another's pause for the caller's own setting.
_pauses = [0, False]
_pauses_lock = threading.Lock()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a book is built (or compiled).

    Building allocates hundreds of thousands of tree nodes and tokens that all stay alive, so
    every collection the allocations trigger walks a growing heap and frees nothing: about half
    of a large load's time. Pauses may overlap across threads; the collector is restored as the
    caller had it when the last one ends.
    """
    with _pauses_lock:
        if not _pauses[0]:
            _pauses[1] = gc.isenabled()
            gc.disable()
        _pauses[0] += 1
    try:
        yield
    finally:
        with _pauses_lock:
            _pauses[0] -= 1
            if not _pauses[0] and _pauses[1]:
                gc.enable()


def _build(sources: Iterable[Source], attributes: Any, schema: Schema | None) -> Book:
    from .book import Book

    with collector_paused():
        document, diagnostics = parse_all(sources, schema=_schema(schema),
                                          computed=attributes or ())
        if any(d.severity == "error" for d in diagnostics):
            raise error_for(diagnostics)
        warnings = tuple(d for d in diagnostics if d.severity == "warning")
        return Book(document, warnings=warnings, attributes=attributes)
