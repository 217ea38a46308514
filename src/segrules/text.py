"""How strings compare: one rule for every string operator, literal and data alike.

Text is compared in Unicode NFC, so the "Zürich" a Mac keyboard sends (u followed by a
combining diaeresis) equals the "Zürich" a web form stores. With ``ignoring case`` both sides are
compared by their *caseless key*: the text in canonical decomposition, upper-cased, then fully
case-folded (``str.casefold``: "ß" and "ẞ" are "ss", "ﬁ" is "fi", final "ς" is "σ"), and
recomposed. Upper-casing first makes the key blind to every change of case, including the one
plain folding misses: dotless "ı" upper-cases to "I", so it equals "i" ignoring case (Unicode's
default folding keeps it apart, which only a Turkish collation would want).

Literals are keyed once at load; data is keyed per comparison, and ASCII data — most of it —
skips the Unicode tables.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable

__all__ = ["ASCII_FROM_OTHER_TEXT", "caseless", "folding", "nfc", "normal", "plain_ascii"]

#: NFC as one C call, for generated code that has tested ``str.isascii`` already.
nfc: Callable[[str], str] = functools.partial(unicodedata.normalize, "NFC")


#: The ASCII characters whose NFC is also the NFC of a non-ASCII character: the Greek question
#: mark (U+037E), the Greek varia (U+1FEF) and the Kelvin sign (U+212A) are singletons that
#: normalise to them. Composition only makes non-ASCII characters, so a non-ASCII text whose
#: NFC is ASCII is made of ASCII and these three (tests/test_text.py checks every code point).
ASCII_FROM_OTHER_TEXT = frozenset(";`K")


def plain_ascii(literal: str) -> bool:
    """Whether no text but ``literal`` itself has ``literal`` as its NFC: an ASCII literal
    without ``ASCII_FROM_OTHER_TEXT``. A datum then equals it exactly when it is the same
    string, with no normalisation of non-ASCII data."""
    return literal.isascii() and ASCII_FROM_OTHER_TEXT.isdisjoint(literal)


def normal(text: str) -> str:
    """``text`` in NFC, the form every string comparison uses."""
    if str.isascii(text):
        return text
    return unicodedata.normalize("NFC", text)


def caseless(text: str) -> str:
    """The key ``ignoring case`` compares: equal for any two texts that differ only in case
    or composition (NFC of the full case folding of the upper-cased NFD)."""
    if str.isascii(text):
        return str.lower(text)
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", str.casefold(str.upper(decomposed)))


def folding(ignore_case: bool) -> Callable[[str], str]:
    """The form strings are compared in: ``caseless`` with ``ignoring case``, else ``normal``.
    Chosen once per condition, at load."""
    return caseless if ignore_case else normal
