"""Where text came from: a named source and the spans inside it that nodes and errors point at."""

from __future__ import annotations

from attrs import field, frozen


@frozen
class Source:
    """A piece of segment text and the name it is reported under (a path or ``<string>``)."""

    name: str
    text: str = field(repr=False)

    def line(self, number: int) -> str:
        """The 1-based line ``number`` without its newline (empty past the end).

        Lines end at ``\n`` only, as spans count them; ``splitlines`` would also break at form
        feeds and Unicode separators and point the caret at the wrong line.
        """
        lines = self.text.split("\n")
        return lines[number - 1].removesuffix("\r") if 0 < number <= len(lines) else ""


@frozen
class Span:
    """A range of a source: offsets for slicing, 1-based line and column for people."""

    source: Source = field(repr=False, eq=False)
    start: int
    end: int
    line: int
    column: int
    end_line: int
    end_column: int

    @property
    def text(self) -> str:
        return self.source.text[self.start : self.end]

    def __str__(self) -> str:
        return f"{self.source.name}:{self.line}:{self.column}"
