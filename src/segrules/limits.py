"""Limits on literal values, so that everything a load accepts can be compiled, evaluated,
printed and read back: the parser reports a literal past them with its place, the JSON form
names the element.

- A number has at most ``MAX_DIGITS`` digits as written without exponent: past about 300
  digits an integer has no float to compare float data with, and past 4,300 Python will not
  even read it.
- A duration reaches back at most ``MAX_YEARS`` years, so ``now`` minus it is still a date
  for any ``now`` after the year 1000.
- Text holds no lone surrogate (half of a UTF-16 pair): it is not a character, cannot be
  encoded, and a regular expression engine rejects it.
"""

from __future__ import annotations

import re
from decimal import Decimal

MAX_DIGITS = 100
MAX_YEARS = 1000
#: The longest duration per unit: 1000 years, a year counted as 366 days, a month as 31.
MAX_DURATION = {
    "years": MAX_YEARS,
    "months": MAX_YEARS * 12,
    "weeks": MAX_YEARS * 366 // 7,
    "days": MAX_YEARS * 366,
    "hours": MAX_YEARS * 366 * 24,
    "minutes": MAX_YEARS * 366 * 24 * 60,
}

_SURROGATE = re.compile("[\ud800-\udfff]")


def digits(value: int | Decimal) -> int:
    """How many digits ``value`` has written out without an exponent (as ``dumps`` writes it).

    Counted from the magnitude and the exponent, never by writing the number out, which for
    ``Decimal("1e-999999")`` would be a megabyte of zeros.
    """
    if isinstance(value, int):
        magnitude = abs(value)
        if magnitude.bit_length() > 4 * MAX_DIGITS:  # surely too long; str() may refuse it
            return MAX_DIGITS + 1
        return len(str(magnitude))
    _, numerals, exponent = value.as_tuple()
    assert isinstance(exponent, int), "only finite decimals are literals"
    if exponent >= 0:
        return len(numerals) + exponent
    return max(1, len(numerals) + exponent) - exponent


def duration_problem(amount: int | None, unit: str) -> str | None:
    """Why ``amount unit`` is too long a duration (None: too many digits to read), or None."""
    if amount is not None and amount <= MAX_DURATION[unit]:
        return None
    return f"a duration may reach back at most {MAX_YEARS} years ({MAX_DURATION['days']} days)"


def lone_surrogate(text: str) -> re.Match[str] | None:
    """The first lone surrogate in ``text`` (a Python string may hold one; text may not)."""
    return _SURROGATE.search(text)
