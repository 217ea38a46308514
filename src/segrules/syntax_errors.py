"""Syntax errors people can act on: where, what was found, and what was probably meant.

Lark reports an unexpected token or character and the terminals it would have taken. This
module turns that into a ``Diagnostic``: the caret under the whole mistaken word or phrase,
"expected" lists in the language's own words, hints for phrasings people reach for
(``not exists``), near-misses of keywords and operator spellings ("did you mean"), and the brace
left open when a file ends early.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable

from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from . import characters, lalr, mistakes
from .errors import Diagnostic
from .operators import SPELLINGS
from .source import ROUGH_TOKEN, Chunk, Source, Span

_TERMINAL_NAMES = {
    "STRING": 'a string ("…")',
    "NUMBER": "a number",
    "DATE": "a date (2026-01-31)",
    "DATETIME": "a datetime (2026-01-31T09:00:00Z)",
    "NAME": "an attribute name",
    "QUOTED_NAME": "a `backticked` name",
    "SEG_IDENT": "a segment name",
    "REGEX": "a /pattern/",
    "UNIT": "a time unit (days, weeks, months, …)",
    "$END": "the end of the file",
}
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_']*")


def _describe(expected: set[str]) -> list[str]:
    literals = lalr.literal_terminals()
    described = {
        f"`{literals[name]}`" if name in literals else _TERMINAL_NAMES.get(name, name)
        for name in expected
    }
    return sorted(described)


def diagnose(
    source: Source, error: UnexpectedInput, chunk: Chunk | None = None
) -> Diagnostic:
    """``chunk`` is what the parser saw during recovery (one segment, or one clause): the
    error's offset is mapped back through it, and its end is where "unexpected end of …"
    points."""
    text = source.text
    span = Span.of if chunk is None else chunk.span
    if error.pos_in_stream is None:
        pos = len(text) if chunk is None else chunk.end
    else:
        pos = error.pos_in_stream if chunk is None else chunk.offset(error.pos_in_stream)
    expected: set[str] = set()
    if isinstance(error, UnexpectedToken):
        # LALR's own expected set is widened by merged lookaheads (after `segment s` it lists
        # `}`); asking the parser state which terminals it really accepts is exact.
        parser_state = error.interactive_parser
        expected = set(
            parser_state.accepts()  # type: ignore[no-untyped-call]
            if parser_state else error.expected
        )
        token = error.token
        if token.type == "$END":
            return _end_of_file(source, expected, chunk)
        end = pos + len(token.value)
        # A keyword lexed off the front of a longer word ("does" of "doesnt"): show the word.
        while pos > 0 and text[pos - 1].isalnum() and token.value[:1].isalnum():
            pos -= 1
        found = text[pos:end]
        message = f"unexpected `{found}`"
    elif isinstance(error, UnexpectedCharacters):
        expected = set(error.allowed or ())
        char = text[pos] if pos < len(text) else ""
        word = _WORD.match(text, pos)
        end = word.end() if word else pos + 1
        recognised = mistakes.find(text, pos, expected) or mistakes.find_unquoted(
            text, pos, expected
        )
        if recognised is not None:
            return _mistake(source, recognised, span)
        if char == '"':
            return Diagnostic(
                "SR103", "unterminated string", span(source, pos, pos + 1),
                'close the string with `"` on the same line',
            )
        if char == "/":
            return Diagnostic(
                "SR103", "unterminated pattern", span(source, pos, pos + 1),
                "close the pattern with `/` on the same line; write `\\/` for a slash inside it",
            )
        found = word.group() if word else char
        message = f"unexpected `{found}`"
        if characters.is_suspect(char):
            message = f"unexpected character {characters.describe(char)}"
    elif isinstance(error, UnexpectedEOF):
        return _end_of_file(source, set(error.expected), chunk)
    else:  # pragma: no cover - lark has no other UnexpectedInput kinds
        raise error
    hint: str | None
    if isinstance(error, UnexpectedToken):  # a character error asked ``mistakes`` already
        recognised = mistakes.find(text, pos, expected)
        if recognised is not None:
            return _mistake(source, recognised, span)
    mistake = _known_mistake(text, pos, expected)
    if mistake is not None:
        # The caret goes under the whole mistaken phrase ("not exists"), or under the word the
        # hint is about (`count` in "count is 5"), not under the token that happened to fail.
        hint, pos, end = mistake
        message = f"unexpected `{text[pos:end]}`"
    else:
        hint = _did_you_mean(text, pos, expected)
        unquoted = None if hint else mistakes.find_unquoted(text, pos, expected)
        if unquoted is not None:
            return _mistake(source, unquoted, span)
        hint = hint or _expected_hint(expected)
    return Diagnostic("SR101", message, span(source, pos, max(end, pos + 1)), hint)


def _mistake(
    source: Source, mistake: mistakes.Mistake, span: Callable[[Source, int, int], Span]
) -> Diagnostic:
    """The caret under the whole mistaken text (`1,000`, `count orders`), not the token that
    happened to fail."""
    end = max(mistake.end, mistake.start + 1)
    message = mistake.message or f"unexpected `{source.text[mistake.start : end]}`"
    return Diagnostic("SR101", message, span(source, mistake.start, end), mistake.hint)


def _end_of_file(source: Source, expected: set[str], chunk: Chunk | None) -> Diagnostic:
    text = source.text
    span = Span.of if chunk is None else chunk.span
    # A chunk is a whole segment when it ends early: one piece of the source.
    first, last = (0, len(text)) if chunk is None else (chunk.offset(0), chunk.end)
    end = first + len(text[first:last].rstrip())
    start = max(0, end - 1)
    hint = _expected_hint(expected)
    if "RBRACE" in expected:
        opened = _unclosed_brace(text, first, last)
        hint = "a `}` may be missing"
        if opened is not None:
            hint += f": the `{{` at {span(source, opened, opened + 1)} is never closed"
    what = "file" if last == len(text) else "segment"
    return Diagnostic("SR103", f"unexpected end of {what}", span(source, start, end), hint)


def _unclosed_brace(text: str, start: int, end: int) -> int | None:
    """The offset of the innermost `{` left open in ``text[start:end]``, skipping strings,
    patterns and comments."""
    opened: list[int] = []
    for match in ROUGH_TOKEN.finditer(text, start, end):
        if match.group() == "{":
            opened.append(match.start())
        elif match.group() == "}" and opened:
            opened.pop()
    return opened[-1] if opened else None


def _expected_hint(expected: set[str]) -> str | None:
    names = _describe(expected)
    if not names:
        return None
    if len(names) > 10:
        names = [*names[:10], "…"]
    return "expected " + ", ".join(names)


# Phrasings people reach for that the language spells differently.
_KNOWN_MISTAKES = {
    "not exists": "does not exist",
    "not exist": "does not exist",
    "doesnt exist": "does not exist",
    "not contains": "does not contain",
    "not contain": "does not contain",
    "is in": "is one of",
    "is not in": "is not one of",
    "not equal": "is not",
    "in between": "is between",
    "starts": "starts with",
    "ends": "ends with",
    "within": "within last",
    "like": "matches",
    "not like": "does not match",
    "does not exists": "does not exist",
    "is not equal": "is not equal to",
    "is equal": "is equal to",
    "does not equal": "is not",
    "equals": "is",
    "isnt": "is not",
    "not one of": "is not one of",
    "within the last": "within last",
    "in the last": "within last",
    "in last": "within last",
    "ignore case": "ignoring case",
    "case insensitive": "ignoring case",
}
# Words that cannot start an attribute name where they stand (`ignoring`: after a condition).
_CONDITION_WORDS = {"not", "in", "all", "any", "none", "count", "sum", "avg", "min", "max",
                    "years_since", "days_since", "ignoring"}


def _known_mistake(text: str, pos: int, expected: set[str]) -> tuple[str, int, int] | None:
    """A hint for a phrasing people reach for, and the offsets of that phrase."""
    line_start = text.rfind("\n", 0, pos) + 1
    line_end = text.find("\n", pos)
    before = list(_WORD.finditer(text, line_start, pos))
    after = list(_WORD.finditer(text, pos, line_end if line_end >= 0 else len(text)))
    in_block = "RBRACE" in expected
    if in_block and after and after[0].start() == pos and after[0].group() in ("and", "or"):
        word = after[0].group()
        hint = (
            f"conditions in a block are listed without `{word}`; to use `and`/`or` there, "
            "put the expression in parentheses: ( … )"
        )
        return hint, pos, after[0].end()
    # Phrases of up to three words just before the error and three from it, longest first; a
    # phrase may end right before the error (`is not equal "a"` stops at the value).
    starts_here = bool(after) and after[0].start() == pos
    windows = sorted(
        ((lead, width) for lead in (1, 0, 2, 3) for width in (1, 2, 3, 0)
         if lead + width > 0 and (width == 0 or starts_here)
         and lead <= len(before) and width <= len(after)),
        key=lambda window: -sum(window),
    )
    for lead, width in windows:
        words = [*before[len(before) - lead :], *after[:width]]
        phrase = " ".join(m.group() for m in words)
        if phrase in _KNOWN_MISTAKES:
            end = max(words[-1].end(), pos + 1) if width else words[-1].end()
            return f"did you mean `{_KNOWN_MISTAKES[phrase]}`?", words[0].start(), end
    if before and before[-1].group() in _CONDITION_WORDS and expected <= {
        "LPAR", "LBRACE", "SEGMENT", "CASE"
    }:
        word = before[-1].group()
        hint = (
            f"`{word}` is a word of the language here; for an attribute of that name write it "
            f"in backticks: `{word}`"
        )
        return hint, before[-1].start(), before[-1].end()
    return None


def _did_you_mean(text: str, pos: int, expected: set[str]) -> str | None:
    """Suggest a keyword or operator spelling close to the words at the error."""
    literals = lalr.literal_terminals()
    keywords = {literals[t] for t in expected if t in literals and literals[t][:1].isalpha()}
    if not keywords:
        return None
    line_start = text.rfind("\n", 0, pos) + 1
    line_end = text.find("\n", pos)
    after = _WORD.findall(text[pos : line_end if line_end >= 0 else len(text)])
    before = _WORD.findall(text[line_start:pos])
    if not after or not _WORD.match(text, pos):
        return None  # the caret is on punctuation: a later word is not what it points at
    candidates: list[tuple[float, str]] = []
    for word in difflib.get_close_matches(after[0], keywords, n=1, cutoff=0.75):
        candidates.append((difflib.SequenceMatcher(None, after[0], word).ratio(), word))
    # A whole operator phrase, starting at the error or one word earlier ("is greather than").
    for lead in ([], before[-1:]):
        for spelling in SPELLINGS:
            width = len(spelling.split()) - len(lead)
            if width < 1 or spelling.startswith(("=", "!", "<", ">")):
                continue
            phrase = " ".join([*lead, *after[:width]])
            ratio = difflib.SequenceMatcher(None, phrase, spelling).ratio()
            if ratio >= 0.8 and phrase != spelling:
                candidates.append((ratio, spelling))
    if not candidates:
        return None
    return f"did you mean `{max(candidates)[1]}`?"
