"""Characters that are not what they look like: named by code point, and shown so they can be seen.

Text pasted from a document or a chat brings characters a reader cannot tell from the ones the
language means: a no-break space, a zero-width space, a curly quote, a full-width digit, a
text-direction mark that reorders how the line displays. An error about one names it
(``U+00A0 (no-break space)``) and says what to write instead, and the source line under the
message shows the invisible ones as ``<U+200B>`` and counts wide ones as two columns, so the
caret stands under the character the message is about.
"""

from __future__ import annotations

import unicodedata

# Quotes people type or paste instead of the straight double quote.
QUOTES = frozenset("'\"‘’‚‛“”„‟«»‹›″＂＇")
_DASHES = frozenset("‐‑‒–—―−﹣－")
# Marks that change the display order of the text around them ("Trojan Source").
_DIRECTION_MARKS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                             "\u2066\u2067\u2068\u2069")
_NAMES = {"\ufeff": "byte order mark"}
# Categories of characters a terminal does not show as themselves.
_INVISIBLE = frozenset(("Cc", "Cf", "Zl", "Zp", "Co", "Cn", "Cs"))


def describe(char: str) -> str:
    """``U+00A0 (no-break space)``: a character named so it can be read in any terminal."""
    name = _NAMES.get(char) or unicodedata.name(char, "").lower()
    if not name:
        name = "control character" if unicodedata.category(char) == "Cc" else "unnamed character"
    return f"U+{ord(char):04X} ({name})"


def is_suspect(char: str) -> bool:
    """Whether an unexpected ``char`` is better named by its code point than shown as is."""
    return not char.isascii() or not char.isprintable()


def advice(char: str) -> str | None:
    """What to write instead of ``char``, for the characters people paste by mistake."""
    category = unicodedata.category(char)
    if char == "\ufeff":
        return "a byte order mark is skipped only at the very start of a file; delete this one"
    if char in _DIRECTION_MARKS:
        return "delete it: a text-direction mark makes the line display out of order"
    if category in ("Zl", "Zp"):
        return "replace it with a plain line break"
    if category == "Zs":
        return "replace it with a plain space"
    if category in ("Cc", "Cf"):
        return "delete it: it is invisible, often pasted in with the text"
    if category == "Nd":
        return f"write numbers with the digits 0-9: {unicodedata.digit(char)}"
    if char in _DASHES:
        return "use a plain `-`"
    plain = unicodedata.normalize("NFKC", char)
    if len(plain) == 1 and plain.isascii() and plain.isprintable() and plain != char:
        return f"use the plain `{plain}`"
    return None


def is_invisible(char: str) -> bool:
    """Whether a terminal would hide ``char``, let it rearrange the line, or show it as a plain
    space (tabs and spaces are fine)."""
    if char in " \t":
        return False
    category = unicodedata.category(char)
    return category in _INVISIBLE or category == "Zs"


def shown(char: str) -> str:
    """``char`` as the source line under an error shows it."""
    return f"<U+{ord(char):04X}>" if is_invisible(char) else char


def width(char: str) -> int:
    """The columns ``shown(char)`` takes in a terminal: wide East Asian forms take two,
    combining marks none."""
    if is_invisible(char):
        return len(shown(char))
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
