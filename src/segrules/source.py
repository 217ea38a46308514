"""Where text came from: a named source and the spans inside it that nodes and errors point at."""

from __future__ import annotations

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
