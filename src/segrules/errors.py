"""Errors on bad input, rendered like a compiler's: ``file:line:col: error[SR101]: message``.

Every problem is a ``Diagnostic`` (code, message, span, hint). An error carries all the
diagnostics of one load, so a file with three mistakes reports three, each with its source line
and a caret. Errors pickle (``__reduce__``) so they cross process pools intact.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from attrs import frozen

from . import characters
from .source import Source, Span


@frozen
class Diagnostic:
    """One problem found in segment text: a stable code, a message, where, and a hint."""

    code: str
    message: str
    span: Span | None = None
    hint: str | None = None
    severity: str = "error"  # "error" | "warning"

    def render(self) -> str:
        """The rustc-style text: header, source line, carets under the span, ``help:`` line."""
        where = f"{self.span}: " if self.span is not None else ""
        lines = [f"{where}{self.severity}[{self.code}]: {self.message}"]
        if self.span is not None:
            text = self.span.source.line(self.span.line)
            if text:
                gutter = " " * len(str(self.span.line))
                start = self.span.column - 1
                end = self.span.end_column - 1 if self.span.end_line == self.span.line else None
                # Invisible characters are shown as <U+XXXX>, wide ones take two columns, and
                # tabs stay tabs under the source line: the caret lines up in any terminal.
                pad = "".join(
                    c if c == "\t" else " " * characters.width(c) for c in text[:start]
                )
                width = max(1, sum(characters.width(c) for c in text[start:end]))
                lines.append(f"{gutter} |")
                lines.append(f"{self.span.line} | {''.join(map(characters.shown, text))}")
                lines.append(f"{gutter} | {pad}{'^' * width}")
        if self.hint:
            lines.append(f"help: {self.hint}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render()


class SegrulesError(Exception):
    """Base of every error segrules raises on bad input (text, names, values)."""

    def __init__(self, message: str | Iterable[Diagnostic]) -> None:
        if isinstance(message, str):
            self.diagnostics: tuple[Diagnostic, ...] = (Diagnostic("SR000", message),)
        else:
            self.diagnostics = tuple(message)
        super().__init__(self.render())

    @property
    def message(self) -> str:
        return self.diagnostics[0].message if self.diagnostics else ""

    def render(self) -> str:
        return "\n\n".join(d.render() for d in self.diagnostics)

    def __str__(self) -> str:
        return self.render()

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.diagnostics,))


class SegrulesSyntaxError(SegrulesError):
    """Text that is not the segment language: a misspelled word, a missing brace, a bad escape."""


class SegrulesReferenceError(SegrulesError):
    """A name that does not resolve: an unknown segment, a reference cycle, a duplicate name."""


class SegrulesValueError(SegrulesError):
    """A value that cannot be right: an impossible date, an invalid regex, an empty range."""


class UnknownSegmentError(SegrulesError, KeyError):
    """Asking a book for a segment it does not have; a ``KeyError`` too, as a mapping's would be."""

    def __str__(self) -> str:  # KeyError quotes its argument; we want the rendered text
        return self.render()


_KINDS: dict[str, type[SegrulesError]] = {
    "SR1": SegrulesSyntaxError,
    "SR2": SegrulesReferenceError,
    "SR3": SegrulesValueError,
}


def error_for(diagnostics: Iterable[Diagnostic]) -> SegrulesError:
    """One exception carrying every error diagnostic, of the class of the first one."""
    errors = tuple(d for d in diagnostics if d.severity == "error")
    kind = _KINDS.get(errors[0].code[:3], SegrulesError) if errors else SegrulesError
    return kind(errors)


def in_file_order(
    diagnostics: Iterable[Diagnostic], sources: Sequence[Source] = ()
) -> list[Diagnostic]:
    """Diagnostics in the order a reader meets them: file by file (in the order of
    ``sources``, then as first seen), by position inside each; those without a place last.

    Parsing, building and checking find problems in passes, not in file order; a reader
    expects the first message to be about the first mistake, and the exception's class
    (``error_for``) to be the first message's.
    """
    rank = {source: index for index, source in enumerate(sources)}
    found = list(diagnostics)
    for diagnostic in found:
        if diagnostic.span is not None:
            rank.setdefault(diagnostic.span.source, len(rank))

    def where(diagnostic: Diagnostic) -> tuple[int, int]:
        span = diagnostic.span
        return (len(rank), 0) if span is None else (rank[span.source], span.start)

    return sorted(found, key=where)
