"""The base of the SQL dialects: what every engine shares, and the hooks one engine overrides.

Modelled on sqlglot's own dialects: a dialect is a few flags and small overrides, and sqlglot
writes the text. The compiler asks a dialect only for what the engines spell differently (a
list's elements, a record's field, normalisation, dates); everything here is the shape the three
engines agree on. A hook that has no identical answer on an engine raises ``Unsupported``, which
the compiler turns into an error naming the construct and the dialect.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from sqlglot import exp

from .types import Type

__all__ = ["Dialect", "Unsupported"]

# Money sums and averages: decimals with four places. Each value is cast first, and every
# engine's DOUBLE -> DECIMAL(38, 4) cast gives the value as written for numbers of up to four
# decimal places below 2**33 (a wider scale does not: DuckDB's DECIMAL(38, 10) cast shows the
# binary error of large doubles), the domain in which sums are promised to be exact.
MONEY = exp.DataType.build("DECIMAL(38, 4)")
_DAY_MICROS = 86_400_000_000


class Unsupported(Exception):  # a signal inside the compiler, never raised out
    """A construct this dialect cannot evaluate with Python's answers; ``args[0]`` says which,
    ``span`` where it is written (set by the compiler)."""

    span: object = None


class Dialect:
    """Flags and hooks of one engine; subclasses override what their engine spells otherwise."""

    #: The name ``select(dialect=…)`` takes, and sqlglot's name for the dialect.
    name: ClassVar[str] = ""
    sqlglot: ClassVar[str] = ""
    #: The longest column name the engine keeps (bytes of UTF-8), None when unlimited.
    max_name_bytes: ClassVar[int | None] = None
    # Whether the engine replaces `${name}` in the query text before parsing it.
    substitutes_variables: ClassVar[bool] = False
    #: Whether two column names equal ignoring case are the same column.
    caseless_names: ClassVar[bool] = False
    #: The text type the customer id is cast to for explicit lists and the membership join.
    text_type: ClassVar[str] = "VARCHAR"
    #: Whether the engine can put text in NFC in a query (else the table's text must be NFC).
    normalizes: ClassVar[bool] = True
    #: Whether `ignoring case` can re-normalise its key (needed for prefixes, substrings, order).
    caseless_affixes: ClassVar[bool] = True
    #: Whether a failed cast can be NULL (TRY_CAST): money sums then need one pass less.
    try_cast: ClassVar[bool] = False
    #: Whether the dialect has ``checked_sum`` and ``bind``: a money sum of DOUBLEs then costs
    #: one pass over the list, and the passes for NaN, infinities and huge values run only
    #: where they are.
    quick_sums: ClassVar[bool] = False
    #: Whether a comparison of two DECIMALs whose common type needs more than 38 digits
    #: rounds one of them (Spark) or fails on a value that does not fit (DuckDB): a number
    #: column is then compared with a literal only after both are cast to one DECIMAL type.
    narrows_decimals: ClassVar[bool] = False

    # --- values ----------------------------------------------------------------------------

    def string(self, value: str) -> exp.Expr:
        """A string literal; the dialect's quoting does the escaping (never spliced)."""
        return exp.Literal.string(value)

    def timestamp(self, moment: dt.datetime) -> exp.Expr:
        """A naive-UTC timestamp literal (the table's dates are DATE or naive-UTC TIMESTAMP)."""
        text = moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")
        return exp.cast(exp.Literal.string(text), exp.DataType.build("TIMESTAMP"))

    # --- reading the row -------------------------------------------------------------------

    def field(self, record: exp.Expr, name: str) -> exp.Expr:
        """Field ``name`` of a record (STRUCT) value."""
        return exp.Dot(this=record, expression=exp.to_identifier(name, quoted=True))

    def present(self, value: exp.Expr, kind: Type | None) -> exp.Expr:
        """TRUE when ``value`` exists (not NULL)."""
        return exp.not_(exp.Is(this=value, expression=exp.Null()))

    # --- text ------------------------------------------------------------------------------

    def normal(self, text: exp.Expr) -> exp.Expr:
        """``text`` in NFC, the form strings compare in."""
        raise NotImplementedError

    def ordered(self, text: exp.Expr) -> exp.Expr:
        """``text`` as it orders: by code point."""
        return text

    def starts_with(self, text: exp.Expr, prefix: str) -> exp.Expr:
        return exp.EQ(this=exp.Left(this=text, expression=exp.Literal.number(len(prefix))),
                      expression=self.string(prefix))

    def ends_with(self, text: exp.Expr, suffix: str) -> exp.Expr:
        if not suffix:
            return exp.true()
        return exp.EQ(this=exp.Right(this=text, expression=exp.Literal.number(len(suffix))),
                      expression=self.string(suffix))

    def contains_text(self, text: exp.Expr, part: str) -> exp.Expr:
        return exp.GT(this=exp.StrPosition(this=text, substr=self.string(part)),
                      expression=exp.Literal.number(0))

    def matches(self, text: exp.Expr, pattern: str) -> exp.Expr:
        """A search for ``pattern`` (already in this engine's flavour) in ``text``."""
        return exp.RegexpLike(this=text, expression=self.string(pattern))

    def regex(self, pattern: str) -> str:
        """``pattern`` (RE2) in this engine's flavour; ``Unsupported`` when it cannot be."""
        raise NotImplementedError

    def is_ascii(self, text: exp.Expr) -> exp.Expr:
        """TRUE when ``text`` is ASCII: as many bytes of UTF-8 as characters."""
        return exp.EQ(this=exp.Anonymous(this="OCTET_LENGTH", expressions=[text]),
                      expression=exp.Anonymous(this="CHAR_LENGTH", expressions=[text.copy()]))

    def lower(self, text: exp.Expr) -> exp.Expr:
        """``LOWER`` of ASCII text, which lowers A-Z only."""
        return exp.Lower(this=text)

    def lower_ascii(self, text: exp.Expr) -> exp.Expr:
        """``text`` with A-Z lowered and nothing else changed (SQL lower() does more)."""
        return exp.func("TRANSLATE", text, exp.Literal.string("ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
                        exp.Literal.string("abcdefghijklmnopqrstuvwxyz"))

    # --- lists -----------------------------------------------------------------------------

    def length(self, items: exp.Expr) -> exp.Expr:
        """How many elements ``items`` has (NULL for a NULL list)."""
        raise NotImplementedError

    def any_element(self, items: exp.Expr, var: str, test: exp.Expr
                    ) -> exp.Expr:
        """TRUE when ``test`` (two-valued, reading ``variable(var)``) holds for some element;
        FALSE for an empty or NULL list."""
        raise NotImplementedError

    def _filter(self, items: exp.Expr, var: str, where: exp.Expr | None
                ) -> exp.Expr:
        """The list of the elements ``where`` selects (all when None), for engines with list
        functions."""
        raise NotImplementedError

    def count(self, items: exp.Expr, var: str, where: exp.Expr | None
              ) -> exp.Expr:
        """How many elements satisfy ``where`` (all when None); 0 for a NULL list."""
        return exp.Coalesce(this=self.length(self._filter(items, var, where)),
                            expressions=[exp.Literal.number(0)])

    def fold(self, func: str, items: exp.Expr, var: str, where: exp.Expr | None,
             value: exp.Expr) -> exp.Expr:
        """``sum`` (a MONEY decimal), ``fsum`` (a DOUBLE), ``min``, ``max`` or ``count`` (of
        non-NULL values) of ``value`` over the elements ``where`` selects; NULL when there are
        none."""
        raise NotImplementedError

    def checked_sum(self, items: exp.Expr, var: str, where: exp.Expr | None,
                    value: exp.Expr) -> exp.Expr:
        """The exact sum (a DECIMAL) of ``value`` over the elements ``where`` selects, in one
        pass, when every selected value is ordinary; else NULL. Where it is not NULL it must
        be the MONEY sum, and the DOUBLE sum must be below 10**17 (``quick_sums``)."""
        raise NotImplementedError

    def bind(self, value: exp.Expr, var: str, body: exp.Expr) -> exp.Expr:
        """``body`` with ``variable(var)`` standing for ``value``, which is computed once,
        and only where ``body`` is evaluated (``quick_sums``)."""
        raise NotImplementedError

    # --- time ------------------------------------------------------------------------------

    def month_day_time(self, moment: exp.Expr) -> exp.Expr:
        """``MMDDhhmmssffffff`` of a DATE or TIMESTAMP, a text that orders as the moment
        within its year does (``years_since`` counts a birthday only once reached)."""
        raise NotImplementedError

    def year(self, moment: exp.Expr) -> exp.Expr:
        return exp.Extract(this=exp.var("YEAR"), expression=moment)

    def micros_between(self, start: exp.Expr, end: exp.Expr) -> exp.Expr:
        """Whole microseconds from ``start`` to ``end``, exact (an integer or a decimal)."""
        raise NotImplementedError

    def days(self, micros: exp.Expr) -> exp.Expr:
        """Whole days in ``micros``, truncated toward zero."""
        day = exp.Literal.number(_DAY_MICROS)
        magnitude = exp.IntDiv(this=exp.Abs(this=micros), expression=day)
        return exp.Case(ifs=[exp.If(this=exp.GTE(this=micros, expression=exp.Literal.number(0)),
                                    true=magnitude)],
                        default=exp.Neg(this=exp.Paren(this=magnitude.copy())))

    # --- names -----------------------------------------------------------------------------

    def variable(self, name: str) -> exp.Expr:
        """A lambda or subquery variable, as the element it stands for."""
        return exp.column(name, quoted=True)
