"""String literals that look like another kind of value: a quoted date, `"true"`, a quoted number.

`signup_at > "2025-01-01"` compares text, not dates; `email_opt_in is "true"` never holds for a
real boolean; `age >= "18"` orders "9" after "18". Each is valid text that is almost always a
mistake, so the checker warns (SR402-SR404) where it cannot know the attribute's type, and with
a schema the same recognition names the literal that was meant in the error's hint.
"""

from __future__ import annotations

import datetime as dt
import re

from attrs import frozen
from dateutil.parser import isoparse

from . import limits
from . import nodes as n
from .lexer import _DATE, _DATETIME
from .operators import spelling

__all__ = ["Lookalike", "lookalike", "warning"]

_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")
_BOOLEANS = ("true", "false")
#: Operators whose value a quoted date, a quoted boolean or a quoted number changes the meaning
#: of. `contains`, `starts with`, `matches` … work on text, so a quoted value there is right.
_EQUALITY = ("eq", "in")
_ORDER = ("gt", "ge", "lt", "le", "between")


@frozen
class Lookalike:
    """What a string literal looks like: ``kind`` (date, datetime, boolean or number) and the
    literal that was probably meant, as it is written unquoted (``2025-01-01``, ``true``)."""

    kind: str
    literal: str


def lookalike(value: n.Value) -> Lookalike | None:
    """The kind of literal the string ``value`` spells, if it spells one exactly."""
    if not isinstance(value, n.String):
        return None
    text = value.value
    if re.fullmatch(_DATETIME, text):
        try:
            isoparse(text)
        except (ValueError, OverflowError):
            return None
        return Lookalike("datetime", text)
    if re.fullmatch(_DATE, text):
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            return None
        return Lookalike("date", text)
    if text.lower() in _BOOLEANS:
        return Lookalike("boolean", text.lower())
    if _NUMBER.fullmatch(text) and sum(c.isdigit() for c in text) <= limits.MAX_DIGITS:
        return Lookalike("number", text)
    return None


def unquoted_hint(compare: n.Compare, found: Lookalike) -> str:
    """The hint that names the literal meant: ``write `is true` without quotes``."""
    if found.kind == "boolean" and compare.op == "eq":
        return f"write `{spelling('eq', compare.negated)} {found.literal}` without quotes"
    return f"write {found.literal} without quotes"


def warning(compare: n.Compare, value: n.Value) -> tuple[str, str, str] | None:
    """``(code, message, hint)`` when ``value`` of ``compare`` looks like a mistake, else None.

    A quoted date is suspect in equality and order (a date operator is chosen by the literal's
    kind); a quoted boolean in equality; a quoted number only in order, because `zip is "02134"`
    is how a code that happens to be digits is written.
    """
    found = lookalike(value)
    if found is None:
        return None
    text = f'"{_text(value)}"'
    if found.kind in ("date", "datetime") and compare.op in _EQUALITY + _ORDER:
        return ("SR402", f"{text} is a string, compared as text and never as a {found.kind}",
                unquoted_hint(compare, found))
    if found.kind == "boolean" and compare.op in _EQUALITY:
        return ("SR403", f"{text} is a string, never equal to the boolean {found.literal}",
                unquoted_hint(compare, found))
    if found.kind == "number" and compare.op in _ORDER and not _code_range(compare):
        return ("SR404",
                f'{text} is a string, so it is ordered as text, where "9" comes after "10"',
                unquoted_hint(compare, found))
    return None


def _code_range(compare: n.Compare) -> bool:
    """Whether ``compare`` orders codes made of digits, as text on purpose: a bound with a
    leading zero (`zip >= "01000"`), or `between` two digit strings of one length
    (`postcode is between "10000" and "19999"`), where text order is number order."""
    texts = [_text(v) for v in compare.values]
    if any(re.match(r"[+-]?0[0-9]", text) for text in texts):
        return True
    return (compare.op == "between" and len({len(t) for t in texts}) == 1
            and all(t.isascii() and t.isdigit() for t in texts))


def _text(value: n.Value) -> str:
    return value.value if isinstance(value, n.String) else ""
