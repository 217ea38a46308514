"""A Pygments lexer for ``.seg`` files, so docs, notebooks and code review highlight segments.

Highlighting is not parsing: the lexer never rejects text the parser accepts, and it marks as
``Error`` only what no reading of the language allows (a stray character, an unknown string
escape). Operator spellings are built from ``operators.SPELLINGS`` — longest first, any whitespace
between words — so a spelling added to the operator table is highlighted without touching this
file. The language reserves few words (docs/language.md, "Backticks and reserved words"): a word is
a keyword only where the grammar could take it as one, which the rules approximate with lookaheads
(``title`` is a keyword before a string, an attribute name before an operator).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar

from pygments.lexer import RegexLexer, default
from pygments.token import (
    Comment,
    Error,
    Keyword,
    Literal,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Whitespace,
)

from .operators import AGGREGATES, SPELLINGS, TIME_FUNCTIONS, UNITS

__all__ = ["SegrulesLexer"]

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_QUOTED_NAME = r"`[^`\n]+`"
_SEGMENT_NAME = r"[A-Za-z_][A-Za-z0-9_-]*"
_STRING_BODY = r'"(?:[^"\\\n]|\\.)*"'
_END = r"(?![A-Za-z0-9_])"
# Digits are the ASCII 0-9, as in the grammar (`\d` would also take `１` or `٣`).
_DATETIME = (r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?"
             r"(?:Z|[+-][0-9]{2}:[0-9]{2})?" + _END)
_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?![A-Za-z0-9_:.-])"
# `more than N UNIT ago` is one spelling in the table, written around its operand: the head
# is highlighted where it stands and `ago` after the unit.
_POSTFIX = "ago"


def _phrase(spelling: str) -> str:
    """A regex for one spelling: any whitespace between words, words never cut mid-name."""
    body = r"\s+".join(re.escape(word) for word in spelling.split(" "))
    if spelling[0].isalpha():
        return rf"(?<![A-Za-z0-9_]){body}{_END}"
    return body


def _operator_rules() -> list[tuple[str, object]]:
    phrases = {spelling.removesuffix(f" {_POSTFIX}") for spelling in SPELLINGS}
    rules = [
        (_phrase(text), Operator.Word if text[0].isalpha() else Operator)
        for text in sorted(phrases, key=lambda text: (-len(text), text))
    ]
    return [*rules, (_phrase(_POSTFIX), Operator.Word)]


def _alternatives(words: Iterable[str]) -> str:
    return "|".join(sorted(map(re.escape, words), key=lambda word: (-len(word), word)))


_HEADER_WITH_STRINGS = r"(?:title|description|groups|stores)"
_CLAUSE_START = r"(?:title|description|groups|stores|active|disabled|include|exclude)"
_BLOCK_KINDS = r"(?:all|any|where|everyone|segment|customers)"


class SegrulesLexer(RegexLexer):
    """Tokens of the segment language: keywords, operators, values, attribute paths."""

    name = "segrules"
    aliases = ("segrules", "seg")
    filenames = ("*.seg",)
    mimetypes = ("text/x-segrules",)

    tokens: ClassVar[dict[str, list[tuple[object, ...] | default]]] = {
        "root": [
            (r"\s+", Whitespace),
            (r"#[^\n]*", Comment.Single),
            (r'"', String.Double, "string"),
            (r"/(?:[^/\\\n]|\\.)+/", String.Regex),
            (_DATETIME, Literal.Date),
            (_DATE, Literal.Date),
            # A number followed by a unit is a duration (`within last 30 days`).
            (rf"[0-9]+(?=\s+(?:{_alternatives(UNITS)}){_END})", Number.Integer, "unit"),
            (r"[+-]?[0-9]+\.[0-9]+" + _END, Number.Float),
            (r"[+-]?[0-9]+" + _END, Number.Integer),
            # After a dot every word is an attribute name: `flags.all`, `orders.is`.
            (r"\.", Punctuation, "attribute"),
            (r"\b(?:session|profile)(?=\s*\.)", Name.Builtin.Pseudo),
            (_QUOTED_NAME, Name.Attribute),
            (rf"\bsegment(?=\s+(?:{_SEGMENT_NAME}|{_STRING_BODY})\s*\{{)", Keyword.Declaration,
             "segment_name"),
            (rf"\bsegment{_END}", Keyword, "segment_name"),
            (rf"\bnot(?=\s+in\s+segment{_END})", Operator.Word),
            (rf"\bin(?=\s+segment{_END})", Keyword),
            (rf"\bignoring(?=\s+case{_END})", Keyword, "case"),
            (rf"\b(?:{_alternatives((*AGGREGATES, *TIME_FUNCTIONS))})(?=\s*\()", Name.Builtin),
            (rf"\b(?:true|false){_END}", Keyword.Constant),
            (rf"\b{_HEADER_WITH_STRINGS}(?=\s*\")", Keyword),
            (rf"\bactive(?=\s+(?:from|until){_END})", Keyword, "window"),
            (rf"\bdisabled(?=\s*(?:#|}}|$|{_CLAUSE_START}{_END}))", Keyword),
            (rf"\b(?:include|exclude)(?=\s+{_BLOCK_KINDS}{_END})", Keyword),
            (r"\b(?:all|any|none)(?=\s*\{)", Keyword),
            (rf"\b(?:where|everyone){_END}", Keyword),
            (r"\bcustomers(?=\s*\")", Keyword),
            *_operator_rules(),
            (rf"\b(?:and|or|not){_END}", Operator.Word),
            (_NAME, Name.Attribute),
            (r"[{}()\[\],]", Punctuation),
        ],
        "string": [
            (r'\\(?:["\\nt]|u[0-9A-Fa-f]{4})', String.Escape),
            # Any other backslash is an error in the language: patterns belong in /…/.
            (r"\\.", Error),
            (r'[^"\\\n]+', String.Double),
            (r'"', String.Double, "#pop"),
            (r"\n", Error, "#pop"),
        ],
        "attribute": [
            (r"\s+", Whitespace),
            (rf"{_NAME}|{_QUOTED_NAME}", Name.Attribute, "#pop"),
            default("#pop"),
        ],
        "segment_name": [
            (r"\s+", Whitespace),
            (rf"{_SEGMENT_NAME}|{_STRING_BODY}", Name.Class, "#pop"),
            default("#pop"),
        ],
        "unit": [
            (r"\s+", Whitespace),
            (rf"(?:{_alternatives(UNITS)}){_END}", Keyword.Type, "#pop"),
        ],
        "case": [
            (r"\s+", Whitespace),
            (r"case", Keyword, "#pop"),
        ],
        "window": [
            (r"\s+", Whitespace),
            (rf"(?:from|until){_END}", Keyword),
            (_DATETIME, Literal.Date),
            (_DATE, Literal.Date),
            default("#pop"),
        ],
    }
