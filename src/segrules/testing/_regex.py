"""RE2 patterns as Python ``re`` patterns, so ``hypothesis.strategies.from_regex`` can build text.

Only the generation side uses this; membership is always decided by RE2 (``segrules.regex``).
The translation keeps the strings it leads to inside what RE2 accepts: ``$`` is end of text in
RE2 but "before a final newline" in Python, so it becomes ``\\Z``; the Perl classes ``\\d``,
``\\w``, ``\\s`` are ASCII in RE2 and Unicode in Python, so they are spelled out; ``\\Q…\\E``
quotes, POSIX classes and ``\\pL``/``\\p{…}`` have no Python spelling and become their ASCII
approximations. A pattern that still does not compile gives None, and the caller falls back to
plain text (which the compiled predicate then judges).
"""

from __future__ import annotations

import re

__all__ = ["python_pattern"]

_PERL = {
    "d": "0-9", "w": "0-9A-Za-z_", "s": "\\t\\n\\f\\r ",
}
_POSIX = {
    "alnum": "0-9A-Za-z", "alpha": "A-Za-z", "ascii": "\\x00-\\x7f", "blank": "\\t ",
    "cntrl": "\\x00-\\x1f\\x7f", "digit": "0-9", "graph": "!-~", "lower": "a-z",
    "print": " -~", "punct": "!-/:-@\\[-`{-~", "space": "\\t\\n\\v\\f\\r ", "upper": "A-Z",
    "word": "0-9A-Za-z_", "xdigit": "0-9A-Fa-f",
}
# \pL, \p{L}, \p{Lu}…: the ASCII letters stand for every letter class (generation only).
_UNICODE = {"L": "A-Za-z", "Lu": "A-Z", "Ll": "a-z", "N": "0-9", "Nd": "0-9"}


def python_pattern(pattern: str) -> str | None:
    """``pattern`` (RE2 syntax) in Python syntax with the same or a smaller language."""
    try:
        translated = "".join(_translate(pattern))
        re.compile(translated)
    except (re.error, ValueError, IndexError):
        return None
    return translated


def _translate(pattern: str) -> list[str]:
    out: list[str] = []
    i, in_class = 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            if nxt == "Q":
                end = pattern.find("\\E", i + 2)
                end = len(pattern) if end < 0 else end
                out.append(re.escape(pattern[i + 2:end]))
                i = end + 2
                continue
            if nxt.lower() in _PERL:
                chars = _PERL[nxt.lower()]
                if in_class:
                    if nxt.isupper():
                        raise ValueError("a negated Perl class inside a class")
                    out.append(chars)
                else:
                    out.append(f"[{'^' if nxt.isupper() else ''}{chars}]")
                i += 2
                continue
            if nxt in "pP":
                name, i = _unicode_name(pattern, i + 2)
                found = _UNICODE.get(name)
                if found is None:
                    raise ValueError(f"no approximation for \\p{name}")
                if in_class:
                    out.append(found)
                else:
                    out.append(f"[{'^' if nxt == 'P' else ''}{found}]")
                continue
            if nxt == "z":
                out.append("\\Z")
            elif nxt == "C":
                out.append(".")
            else:
                out.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            if c == "[" and pattern.startswith("[:", i):
                end = pattern.index(":]", i)
                name = pattern[i + 2:end]
                negated = name.startswith("^")
                if negated:
                    raise ValueError("negated POSIX class")
                out.append(_POSIX[name])
                i = end + 2
                continue
            if c == "]" and out and not out[-1].endswith(("[", "[^")):
                in_class = False
            out.append(c)
        elif c == "[":
            in_class = True
            out.append("[")
            if pattern.startswith("^", i + 1):
                out.append("^")
                i += 1
            if pattern.startswith("]", i + 1):  # a leading ] is a literal
                out.append("\\]")
                i += 1
        elif c == "$":
            out.append("\\Z")
        else:
            out.append(c)
        i += 1
    return out


def _unicode_name(pattern: str, i: int) -> tuple[str, int]:
    if pattern.startswith("{", i):
        end = pattern.index("}", i)
        return pattern[i + 1:end].lstrip("^"), end + 1
    return pattern[i], i + 1
