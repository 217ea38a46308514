"""Where text came from: a named source and the spans inside it that nodes and errors point at."""

from __future__ import annotations

import bisect
import re

from attrs import field, frozen

#: A rough token, for tools that read text that may not parse (error recovery, comment
#: scanning): strings, patterns and backticked names whole, even unterminated, so a `#` or a
#: brace inside them is not taken for code; comments; words; single characters.
ROUGH_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"?|/(?:[^/\\\n]|\\.)*/?|`[^`\n]*`?|#[^\n]*|\w+|\S')

#: The byte order mark some editors write at the start of a UTF-8 file.
BOM = "\ufeff"


def without_bom(text: str) -> str:
    """``text`` without a leading byte order mark: it marks the encoding, it is not text, so
    (as Python and compilers do) it is skipped and columns count from the first visible
    character. A BOM anywhere else stays, and is a syntax error."""
    return text.removeprefix(BOM)


@frozen
class Source:
    """A piece of segment text and the name it is reported under (a path or ``<string>``)."""

    name: str
    text: str = field(repr=False, converter=without_bom)

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

    @classmethod
    def of(cls, source: Source, start: int, end: int) -> Span:
        """The span of ``source.text[start:end]``, lines and columns counted from offsets."""
        text = source.text
        line = text.count("\n", 0, start) + 1
        column = start - (text.rfind("\n", 0, start) + 1) + 1
        end_line = line + text.count("\n", start, end)
        end_column = end - (text.rfind("\n", 0, end) + 1) + 1
        return cls(source, start, end, line, column, end_line, end_column)

    def __str__(self) -> str:
        return f"{self.source.name}:{self.line}:{self.column}"


class Lines:
    """Line numbers of a source's offsets by binary search, for code that makes many spans.

    ``Span.of`` counts newlines from the start of the text, which is fine once but quadratic
    when error recovery makes a span per segment of a large file.
    """

    def __init__(self, source: Source) -> None:
        self.source = source
        self.starts = [0, *(m.end() for m in re.finditer("\n", source.text))]

    def line(self, offset: int) -> int:
        """The 1-based line of ``offset``."""
        return bisect.bisect_right(self.starts, offset)

    def span(self, start: int, end: int) -> Span:
        """The span of ``source.text[start:end]``, as ``Span.of`` makes it."""
        line, end_line = self.line(start), self.line(end)
        return Span(
            self.source, start, end, line, start - self.starts[line - 1] + 1,
            end_line, end - self.starts[end_line - 1] + 1,
        )


@frozen
class Chunk:
    """Pieces of a source joined into one text for the parser, with the way back to the source.

    Error recovery parses one segment, or one clause under its segment's header, on its own.
    Each piece starts at the start of a line in the source and in the chunk, so a column needs
    no mapping; offsets and line numbers are shifted per piece. Text after the last piece
    (``tail``, a closing brace) belongs to no piece of the source.
    """

    text: str
    end: int  # the source offset where the last piece ends
    pieces: tuple[tuple[int, int, int], ...]  # (chunk offset, source offset, lines to add)
    lines: Lines = field(eq=False, repr=False)

    @classmethod
    def cut(cls, lines: Lines, *ranges: tuple[int, int], tail: str = "") -> Chunk:
        """``ranges`` of the source, each starting at a line start, joined by newlines."""
        text = lines.source.text
        pieces, at, line = [], 0, 1
        for start, end in ranges:
            pieces.append((at, start, lines.line(start) - line))
            line += text.count("\n", start, end) + 1
            at += end - start + 1
        joined = "\n".join(text[start:end] for start, end in ranges)
        return cls(joined + tail, ranges[-1][1], tuple(pieces), lines)

    def _piece(self, offset: int) -> tuple[int, int, int]:
        found = self.pieces[0]
        for piece in self.pieces:
            if piece[0] <= offset:
                found = piece
        return found

    def offset(self, offset: int) -> int:
        """The source offset of a chunk offset."""
        at, start, _ = self._piece(offset)
        return start + offset - at

    def end_offset(self, offset: int) -> int:
        """The source offset of a chunk offset that ends a range (it belongs to the piece
        before it, even at the start of the next piece)."""
        return self.offset(offset - 1) + 1 if offset > 0 else self.offset(0)

    def line(self, offset: int, line: int) -> int:
        """The source line of chunk line ``line``, which holds chunk offset ``offset``."""
        return line + self._piece(offset)[2]

    def span(self, source: Source, start: int, end: int) -> Span:
        """``Span.of(source, start, end)`` for source offsets, without counting lines again."""
        assert source is self.lines.source
        return self.lines.span(start, end)
