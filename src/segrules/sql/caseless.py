"""``ignoring case`` in SQL: the exact caseless key, for literals whose key is ASCII.

Python compares ``text.caseless`` keys (NFC of the full case folding of the upper-cased NFD).
SQL's ``lower()`` is another function (``ß`` stays ``ß``, the Kelvin sign may or may not fold),
so it is not used. The key is built instead from what SQL does identically on every engine:
``TRANSLATE`` of A-Z to a-z, and ``REPLACE`` of the seventeen non-ASCII characters whose caseless
key holds an ASCII character (``ß`` -> ``ss``, ``ſ`` -> ``s``, ``K`` (Kelvin) -> ``k``, ``ﬁ`` ->
``fi``, …; computed from Python's own tables, and a test recomputes them). Every other
non-ASCII character is left as it is: its Python key holds no ASCII character either, so a
comparison with an ASCII key gives the same answer whichever form the character is in.
That is why a literal whose key is not ASCII is refused (``"É" ignoring case``): SQL would have
to fold ``É`` as Python does.

Equality and suffixes need nothing more. A prefix, a substring or an order must also
re-normalise the key (``ſ`` + combining acute is ``ś`` once folded, which does not start with
``s``); an engine that cannot normalise (Spark) refuses those.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlglot import exp

from ..text import caseless

__all__ = ["FOLDS", "ascii_key", "fold"]

#: Non-ASCII characters whose caseless key contains an ASCII character, with that key.
FOLDS: dict[str, str] = {
    "\u00df": "ss", "\u0130": "i\u0307", "\u0131": "i", "\u0149": "\u02bcn", "\u017f": "s",
    "\u037e": ";", "\u1e9a": "a\u02be", "\u1e9e": "ss", "\u1fef": "`", "\u212a": "k",
    "\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
    "\ufb05": "st", "\ufb06": "st",
}


def ascii_key(text: str) -> str | None:
    """The caseless key of a literal when it is ASCII, else None (the caller refuses)."""
    key = caseless(text)
    return key if key.isascii() else None


def fold(text: exp.Expr, keys: Iterable[str] | None) -> exp.Expr:
    """``text`` (already NFC) with the FOLDS replaced that can matter against literal keys
    ``keys`` (None: all of them, as an order needs); A-Z is lowered by the dialect.

    A fold whose key shares no character with any literal key is left out: the text it would
    produce cannot be part of a match, and the character left in place is not ASCII, so it
    cannot be either.
    """
    wanted = None if keys is None else set("".join(keys))
    for char, key in FOLDS.items():
        if wanted is not None and wanted.isdisjoint(key):
            continue
        text = exp.func("REPLACE", text, exp.Literal.string(char), exp.Literal.string(key))
    return text
