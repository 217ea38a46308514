"""Numbers as the language sees them: which values are numbers, how they compare, how they add up.

One rule, "numbers count as written": an int, ``Decimal`` or ``Fraction`` is itself, and a float
is the decimal its shortest representation shows (``0.1`` is one tenth, not the binary fraction
nearest it), so ten orders of 0.10 add up to exactly 1 and a float equals the literal it prints
as. Any ``numbers.Real`` is a number (NumPy scalars included, without importing NumPy) but a
``bool`` is not. NaN is never equal to or ordered with anything, so every positive test on it
is false.

Exactness has a fast path, because sums of float prices are what storefronts evaluate most:
floats below 2**33 in magnitude with at most four decimal places are added as whole
ten-thousandths, an exact integer sum, and the float nearest that total prints as exactly that
total. Anything else (more decimals, larger values, ``Decimal``, NaN) is added as ``Decimal``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from decimal import MAX_EMAX, MIN_EMIN, Context, Decimal
from fractions import Fraction
from numbers import Integral, Rational, Real
from typing import Any

__all__ = ["AVG_DIGITS", "FAST_LIMIT", "FAST_LIMIT_UNITS", "FAST_UNITS", "SUM_DIGITS",
           "equal_floats", "float_twin", "is_nan", "is_number", "mean",
           "ordering", "plain", "resumed_total", "total", "written"]

Number = int | float | Decimal | Fraction

#: Significant digits of an average whose exact quotient does not terminate (half-even).
AVG_DIGITS = 28
#: Digits an exact ``Decimal`` sum may span before it is rounded (every float sum fits).
SUM_DIGITS = 1000

#: Sums take a fast path while every value is an int or a float within ``FAST_LIMIT`` that
#: prints with at most four decimals: they add up exactly as whole ten-thousandths
#: (``_quick_total``, and the loops generated code inlines).
FAST_UNITS = 10_000
_floor = math.floor
# Below 2**33 a float's rounding interval is narrower than 1e-6, so it holds at most one
# multiple of 1e-4: a float that is such a multiple's nearest float prints as that multiple.
FAST_LIMIT = 2.0**33
FAST_LIMIT_UNITS = 2**33 * FAST_UNITS
# NaN and infinities propagate and nothing raises; no exponent is too large for the data.
_QUIET = Context(prec=SUM_DIGITS, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[])
_AVERAGE = Context(prec=AVG_DIGITS, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[])


def plain(x: object) -> Number | None:
    """``x`` as an int, float, ``Decimal`` or ``Fraction`` of the same written value, or None
    when ``x`` is not a number (bools, strings, complex numbers, …)."""
    kind = type(x)
    if kind is int or kind is float or kind is Decimal or kind is Fraction:
        return x  # type: ignore[return-value]
    if isinstance(x, bool) or not isinstance(x, Real | Decimal):
        return None
    if isinstance(x, Decimal):
        return x
    if isinstance(x, float):  # NumPy float64 and other float subclasses
        return float(x)
    if isinstance(x, Integral):  # NumPy integers, IntEnum members
        return int(x)
    if isinstance(x, Rational):
        return Fraction(int(x.numerator), int(x.denominator))
    return _other_real(x)


def _other_real(x: Real) -> Number:
    # A real of another type (NumPy float32, longdouble) counts as the decimal its str shows
    # when that text reads back as the same value, as NumPy's shortest digits do.
    text = str(x)
    try:
        if type(x)(text) == x:  # type: ignore[call-arg]
            return Decimal(text)
    except (TypeError, ValueError, ArithmeticError):
        pass
    return float(x)


def boolean(x: object) -> bool | None:
    """``x`` as a boolean: a ``bool``, or NumPy's bool (what pandas and Arrow conversions hand
    out), which is the boolean it holds rather than an opaque object; None for anything else."""
    if isinstance(x, bool):
        return x
    kind = type(x)
    if kind.__module__ == "numpy" and kind.__name__ in ("bool", "bool_"):
        return bool(x)
    return None


def is_number(x: object) -> bool:
    return plain(x) is not None


def is_nan(x: Number) -> bool:
    """Whether ``x`` (already plain) is a NaN, quiet or signalling."""
    if type(x) is float:
        return x != x
    return isinstance(x, Decimal) and x.is_nan()


def written(x: Number) -> Decimal | Fraction:
    """The exact value ``x`` (already plain) counts as: a float as its shortest decimal."""
    if isinstance(x, float):
        return Decimal(float.__repr__(x))
    if isinstance(x, int):
        return Decimal(x)
    return x


# --- comparisons with a literal ---------------------------------------------------------------


def _float_is_literal(literal: int | Decimal) -> tuple[float, bool]:
    """The float nearest ``literal``, and whether that float prints as the literal itself."""
    try:
        nearest = float(literal)
    except OverflowError:  # an int literal beyond the float range
        nearest = math.copysign(math.inf, literal)
    return nearest, written(nearest) == literal


def float_twin(literal: int | Decimal) -> float | None:
    """The float a float datum is compared with for ``literal``, when that float prints as the
    literal: then every comparison of a float with the literal is one of two floats. None for
    NaN and for literals whose nearest float prints otherwise (a 20-digit literal)."""
    if isinstance(literal, Decimal) and literal.is_nan():
        return None
    nearest, exact = _float_is_literal(literal)
    return nearest if exact else None


def equal_floats(literals: Iterable[int | Decimal]) -> frozenset[float]:
    """The floats equal to one of ``literals`` as written: those printing as a literal.

    A float datum equals a literal exactly when it is the literal's nearest float and that
    float prints as the literal (0.1 does; a 20-digit literal's nearest float does not).
    """
    found = set()
    for literal in literals:
        if not (isinstance(literal, Decimal) and literal.is_nan()):
            nearest, exact = _float_is_literal(literal)
            if exact:
                found.add(nearest)
    return frozenset(found)


def ordering(compare: Callable[[Any, Any], bool], literal: int | Decimal
             ) -> Callable[[object], bool]:
    """The test ``x OP literal`` of any datum: false for a non-number and for NaN."""
    if isinstance(literal, Decimal) and literal.is_nan():
        return lambda x: False
    nearest, exact = _float_is_literal(literal)

    def floating(x: float) -> bool:
        # Rounding to the nearest float is monotonic, so a float other than the literal's
        # nearest float orders as its binary value does; only that one float needs digits.
        if exact or x != nearest:
            return compare(x, nearest)
        return compare(written(x), literal)

    def test(x: object) -> bool:
        kind = type(x)
        if kind is float:
            return floating(x)  # type: ignore[arg-type]
        if kind is int:
            return compare(x, literal)
        number = plain(x)
        if number is None or is_nan(number):
            return False
        if type(number) is float:
            return floating(number)
        # int, Decimal and Fraction compare with ints and Decimals exactly in Python.
        return compare(number, literal)
    return test


# --- sum and avg ------------------------------------------------------------------------------


def total(values: Iterable[object]) -> Number:
    """The exact sum of the numbers among ``values`` (others are skipped); 0 for none.

    Ints add up as an int. With floats, the result is the float that prints as the exact
    decimal total when the fast path applies, else a ``Decimal`` (a ``Fraction`` when a
    ``Fraction`` is among them).
    """
    if type(values) is list:
        quick = _quick_total(values)
        if quick is not None:
            return quick
    units: int | None = 0  # ten-thousandths, while every value is on the fast path
    floats = False
    numbers: list[Number] = []
    for x in values:
        number: Any = x if type(x) is float or type(x) is int else plain(x)
        if number is None:
            continue
        numbers.append(number)
        if units is None:
            continue
        kind = type(number)
        if kind is int:
            units += number * FAST_UNITS
        elif kind is float and -FAST_LIMIT < number < FAST_LIMIT:
            scaled = round(number * FAST_UNITS)
            if scaled / FAST_UNITS == number:
                units += scaled
                floats = True
            else:
                units = None
        else:
            units = None
    if units is not None:
        if not floats:
            return units // FAST_UNITS
        if -FAST_LIMIT_UNITS < units < FAST_LIMIT_UNITS:
            return units / FAST_UNITS
    return _exact_total(numbers)


def _quick_total(values: list[Any]) -> Number | None:
    """``total`` of a list of ints, floats on the fast path and Nones (what a list of orders
    holds), in one pass without a copy; None when any other value needs the general path."""
    units = 0
    floats = False
    for x in values:
        kind = type(x)
        if kind is float:
            if not -FAST_LIMIT < x < FAST_LIMIT:
                return None
            # The only multiple of 1e-4 this float can print as is the nearest integer to
            # x * 10,000 (the error is far below one half); the division checks it is one.
            scaled = _floor(x * FAST_UNITS + 0.5)
            if scaled / FAST_UNITS != x:
                return None
            units += scaled
            floats = True
        elif kind is int:
            units += x * FAST_UNITS
        elif x is not None:
            return None
    if not floats:
        return units // FAST_UNITS
    if -FAST_LIMIT_UNITS < units < FAST_LIMIT_UNITS:
        return units / FAST_UNITS
    return None


def resumed_total(units: int, floats: bool, rest: list[object]) -> Number:
    """``total`` of values whose first ones added up to ``units`` ten-thousandths on the fast
    path (``floats``: some of them were floats), then ``rest``: how a generated sum finishes
    when it meets a value the fast path does not take. Exact to ``SUM_DIGITS``, like
    ``total``, whose exact path adds the same values as decimals."""
    so_far = _QUIET.divide(Decimal(units), FAST_UNITS) if floats else units // FAST_UNITS
    return total([so_far, *rest])


def _exact_total(numbers: list[Number]) -> Decimal | Fraction:
    exact = [written(x) for x in numbers]
    decimals = [x for x in exact if isinstance(x, Decimal)]
    if len(decimals) < len(exact) and all(x.is_finite() for x in decimals):
        return sum((Fraction(x) for x in exact), Fraction(0))
    # NaN absorbs everything and inf + -inf is NaN, as in floats; a Fraction does not matter
    # next to an infinity.
    summed = Decimal(0)
    for x in decimals:
        summed = _QUIET.add(summed, x)
    return summed


def mean(values: Iterable[object]) -> Decimal | None:
    """The average of the numbers among ``values``: the exact total divided by how many there
    are, rounded to ``AVG_DIGITS`` significant digits (half-even); None for none."""
    numbers = [number for x in values if (number := plain(x)) is not None]
    if not numbers:
        return None
    summed = written(total(numbers))
    if isinstance(summed, Fraction):
        return _AVERAGE.divide(Decimal(summed.numerator),
                              Decimal(summed.denominator * len(numbers)))
    return _AVERAGE.divide(summed, len(numbers))
