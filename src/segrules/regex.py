"""The one place patterns are compiled: RE2, linear time, quiet, and folded like every string.

RE2 never backtracks, so no pattern a marketer writes can stall a storefront. Its C++ side logs
parse errors to stderr by default; we report them as diagnostics instead, so logging is off.

A pattern matches the text in the form every string operator compares (``text.folding``): NFC,
and with ``ignoring case`` the caseless key, so ``matches /straße/ ignoring case`` holds for
"STRASSE" exactly as ``is "straße" ignoring case`` does. RE2's own case-insensitive mode only
knows one-to-one folding (ß is never "ss"), so the pattern's *literal text* — plain characters,
``\\Q…\\E`` quotes, ``\\x`` escapes and escaped punctuation — is put in the same form as the
text, and RE2's case-insensitive mode is kept for the rest. Nothing else is touched: classes
(``\\S``, ``\\W``, ``\\p{Lu}``, ``[A-Z]``), anchors, groups and flags stay as written. A
character that folds to several (``ß``) and is followed by a repetition is grouped first, so
``ß+`` is ``(?:ss)+``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Generator, Iterator
from typing import Any

import re2

from .limits import lone_surrogate
from .text import folding

__all__ = ["compile_pattern", "pattern_error"]

_METACHARACTERS = frozenset("\\.+*?()|[]{}^$")
_REPEATS = frozenset("*+?")


@functools.lru_cache(maxsize=4096)
def compile_pattern(pattern: str, ignore_case: bool = False) -> Any:
    """``pattern`` compiled to search text in the form ``text.folding(ignore_case)`` gives;
    raises ``re2.error`` on an invalid pattern (see ``pattern_error``)."""
    return _compile(_translate(pattern, folding(ignore_case)), ignore_case)


def pattern_error(pattern: str) -> str | None:
    """Why ``pattern`` is not valid RE2, or None when it is."""
    if lone_surrogate(pattern):  # RE2 reads UTF-8, which cannot hold one
        return "a lone surrogate is not a character"
    try:
        _compile(pattern, False)
    except re2.error as error:
        reason = error.args[0] if error.args else error
        return reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
    return None


def _compile(pattern: str, ignore_case: bool) -> Any:
    options = re2.Options()
    options.log_errors = False
    options.case_sensitive = not ignore_case
    return re2.compile(pattern, options)


# --- literal text in the compared form --------------------------------------------------------
#
# The pattern is read as a sequence of tokens: ("text", c) for a character that stands for
# itself, ("syntax", s) for anything else, kept as written, and ("repeat", s) for a repetition,
# which applies to the token before it. Only patterns RE2 accepts get here (the checker rejects
# the rest at load), so the scan need not diagnose anything.


def _translate(pattern: str, fold: Callable[[str], str]) -> str:
    out: list[str] = []
    run: list[str] = []  # consecutive text characters, folded together so they can compose
    tokens = list(_tokens(pattern))
    for index, (kind, value) in enumerate(tokens):
        repeated = index + 1 < len(tokens) and tokens[index + 1][0] == "repeat"
        if kind == "text" and not repeated:
            run.append(value)
            continue
        out.append(_quote(fold("".join(run))))
        run.clear()
        if kind == "text":
            folded = _quote(fold(value))
            out.append(folded if len(fold(value)) == 1 else f"(?:{folded})")
        else:
            out.append(value)
    out.append(_quote(fold("".join(run))))
    return "".join(out)


def _quote(text: str) -> str:
    return "".join(
        "\\" + c if c in _METACHARACTERS
        else c if c.isprintable()
        else f"\\x{{{ord(c):x}}}"
        for c in text)


def _tokens(pattern: str) -> Iterator[tuple[str, str]]:
    i, end = 0, len(pattern)
    while i < end:
        c = pattern[i]
        if c == "\\" and i + 1 < end:
            i = yield from _escape(pattern, i)
        elif c == "[":
            stop = _class_end(pattern, i)
            yield "syntax", pattern[i:stop]
            i = stop
        elif c == "(" and pattern.startswith("(?", i):
            # A group's options or name, up to where its contents start.
            closer = ">" if pattern.startswith(("(?P<", "(?<"), i) else ":)"
            stop = next((j for j in range(i + 2, end) if pattern[j] in closer), end - 1)
            yield "syntax", pattern[i:stop + 1]
            i = stop + 1
        elif c in _REPEATS or (c == "{" and _counted(pattern, i)):
            stop = pattern.index("}", i) + 1 if c == "{" else i + 1
            if pattern.startswith("?", stop):  # non-greedy
                stop += 1
            yield "repeat", pattern[i:stop]
            i = stop
        elif c in "().|^$":
            yield "syntax", c
            i += 1
        else:
            yield "text", c
            i += 1


def _escape(pattern: str, i: int) -> Generator[tuple[str, str], None, int]:
    """The tokens of the escape at ``pattern[i]``; returns where the next token starts."""
    c = pattern[i + 1]
    if c == "Q":  # quoted text, up to \E or the end of the pattern
        stop = pattern.find("\\E", i + 2)
        stop = len(pattern) if stop < 0 else stop
        for char in pattern[i + 2:stop]:
            yield "text", char
        return stop + 2
    if c == "x":  # \xHH or \x{H…}: a character written by its code
        braced = pattern.startswith("{", i + 2)
        stop = pattern.index("}", i + 2) + 1 if braced else i + 4
        digits = pattern[i + 3:stop - 1] if braced else pattern[i + 2:stop]
        yield "text", chr(int(digits, 16))
        return stop
    if c in "pP":  # a Unicode class, \pL or \p{Greek}
        stop = pattern.index("}", i) + 1 if pattern.startswith("{", i + 2) else i + 3
        yield "syntax", pattern[i:stop]
        return stop
    if c.isascii() and not c.isalnum():  # escaped punctuation is itself
        yield "text", c
    else:  # \d \S \w \b \A \z \C \n \t \0…: kept as written
        yield "syntax", pattern[i:i + 2]
    return i + 2


def _class_end(pattern: str, i: int) -> int:
    """Where the bracketed class starting at ``pattern[i]`` ends (one past its ``]``)."""
    j = i + 1
    if pattern.startswith("^", j):
        j += 1
    if pattern.startswith("]", j):  # a leading ] is a member
        j += 1
    while j < len(pattern) and pattern[j] != "]":
        if pattern[j] == "\\":
            braced = pattern.startswith("{", j + 2) and pattern[j + 1] in "pPx"
            j = pattern.index("}", j) + 1 if braced else j + 2
        elif pattern.startswith("[:", j) and ":]" in pattern[j + 2:]:
            j = pattern.index(":]", j + 2) + 2
        else:
            j += 1
    return j + 1


def _counted(pattern: str, i: int) -> bool:
    """Whether ``{`` at ``pattern[i]`` starts ``{n}``, ``{n,}`` or ``{n,m}`` (else it is text)."""
    stop = pattern.find("}", i)
    if stop < 0:
        return False
    low, _, high = pattern[i + 1:stop].partition(",")
    return low.isdigit() and low.isascii() and (not high or (high.isdigit() and high.isascii()))
