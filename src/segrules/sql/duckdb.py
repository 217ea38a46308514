"""DuckDB: the embedded default. RE2 is its regex engine, so patterns run as written; list
lambdas (``LAMBDA x : …``, the syntax DuckDB 2 accepts) evaluate lists where the row is."""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from .dialect import MONEY, Dialect
from .truth import when

__all__ = ["DuckDB"]

_UNITS = 10_000  # ten-thousandths: MONEY's scale


def _lambda(var: str, body: exp.Expr) -> exp.Lambda:
    return exp.Lambda(this=body, expressions=[exp.to_identifier(var, quoted=True)])


class DuckDB(Dialect):
    """DuckDB 1.x/2.x (``LIST_FILTER``/``LIST_TRANSFORM`` lambdas, ``NFC_NORMALIZE``)."""

    name = "duckdb"
    sqlglot = "duckdb"
    # Identifiers are case-insensitive: "VIP" and "vip" would be one result column.
    caseless_names: ClassVar[bool] = True
    try_cast: ClassVar[bool] = True
    quick_sums: ClassVar[bool] = True
    narrows_decimals: ClassVar[bool] = True

    def string(self, value: str) -> exp.Expr:
        # The parser reads a query as a C string: a NUL inside a literal would end it, so a
        # NUL is written as CHR(0) between literal parts.
        if "\0" not in value:
            return exp.Literal.string(value)
        parts: list[exp.Expr] = []
        for index, piece in enumerate(value.split("\0")):
            if index:
                parts.append(exp.func("CHR", exp.Literal.number(0)))
            if piece:
                parts.append(exp.Literal.string(piece))
        result = parts[0]
        for part in parts[1:]:
            result = exp.DPipe(this=result, expression=part)
        return exp.Paren(this=result)

    def normal(self, text: exp.Expr) -> exp.Expr:
        return exp.func("NFC_NORMALIZE", text)

    def is_ascii(self, text: exp.Expr) -> exp.Expr:
        return exp.EQ(this=exp.Anonymous(this="STRLEN", expressions=[text]),
                      expression=exp.Anonymous(this="LENGTH", expressions=[text.copy()]))

    # DuckDB's own prefix, suffix and substring tests are several times faster than
    # comparing LEFT/RIGHT slices.
    def starts_with(self, text: exp.Expr, prefix: str) -> exp.Expr:
        return exp.Anonymous(this="STARTS_WITH", expressions=[text, self.string(prefix)])

    def ends_with(self, text: exp.Expr, suffix: str) -> exp.Expr:
        return exp.Anonymous(this="SUFFIX", expressions=[text, self.string(suffix)])

    def contains_text(self, text: exp.Expr, part: str) -> exp.Expr:
        return exp.Anonymous(this="CONTAINS", expressions=[text, self.string(part)])

    def regex(self, pattern: str) -> str:
        return pattern  # RE2 itself

    def matches(self, text: exp.Expr, pattern: str) -> exp.Expr:
        return exp.func("REGEXP_MATCHES", text, self.string(pattern))

    def length(self, items: exp.Expr) -> exp.Expr:
        return exp.func("LEN", items)

    def _filter(self, items: exp.Expr, var: str, where: exp.Expr | None
                ) -> exp.Expr:
        if where is None:
            return items
        return exp.func("LIST_FILTER", items, _lambda(var, when(where)))

    def any_element(self, items: exp.Expr, var: str, test: exp.Expr
                    ) -> exp.Expr:
        # LEN of a NULL list is NULL: the answer must still be FALSE.
        return exp.Coalesce(this=exp.GT(this=self.length(self._filter(items, var, test)),
                                        expression=exp.Literal.number(0)),
                            expressions=[exp.false()])

    def fold(self, func: str, items: exp.Expr, var: str, where: exp.Expr | None,
             value: exp.Expr) -> exp.Expr:
        body = value
        if func in ("sum", "fsum"):
            body = exp.cast(body, MONEY if func == "sum" else exp.DataType.build("DOUBLE"))
        if where is not None:
            # The unselected elements become NULL, which every fold skips: one pass over the
            # list, faster than LIST_FILTER and then LIST_TRANSFORM.
            body = exp.Case(ifs=[exp.If(this=when(where), true=body)])
        values = exp.func("LIST_TRANSFORM", items, _lambda(var, body))
        name = {"sum": "LIST_SUM", "fsum": "LIST_SUM", "min": "LIST_MIN", "max": "LIST_MAX",
                "count": "LIST_COUNT"}[func]
        return exp.func(name, values)

    def checked_sum(self, items: exp.Expr, var: str, where: exp.Expr | None,
                    value: exp.Expr) -> exp.Expr:
        # An ordinary value (below 2**33 in magnitude) counts as whole ten-thousandths,
        # ROUND(value * 10000): DuckDB casts a DOUBLE or DECIMAL to DECIMAL(p, 4) with the
        # same rounding (half away from zero; a test checks it), and integers add up faster
        # than DECIMALs. Any other value (NaN, an infinity, a huge one) counts 9 * 10**18,
        # more than 65,536 ordinary values can make up, so the sum then fails the narrowing
        # TRY_CAST below 10**18 and is NULL; so is the sum of a longer list. Where the sum is
        # kept, the DOUBLE sum is below 65,536 * 2**33 < 10**17.
        ordinary = exp.LT(this=exp.Abs(this=value), expression=exp.Literal.number(2**33))
        units = exp.cast(exp.Round(this=exp.Mul(this=value.copy(), expression=exp.Literal.number(
            _UNITS))), exp.DataType.build("BIGINT"))
        body: exp.Expr = exp.Case(ifs=[
            exp.If(this=ordinary, true=units),
            exp.If(this=exp.not_(exp.Is(this=value.copy(), expression=exp.Null())),
                   true=exp.Literal.number(9 * 10**18))])
        if where is not None:
            body = exp.Case(ifs=[exp.If(this=when(where), true=body)])
        total = exp.Coalesce(this=exp.func("LIST_SUM", exp.func(
            "LIST_TRANSFORM", items, _lambda(var, body))), expressions=[exp.Literal.number(0)])
        exact = exp.Mul(this=exp.TryCast(this=total, to=exp.DataType.build("DECIMAL(18, 0)")),
                        expression=exp.cast(exp.Literal.string("0.0001"),
                                            exp.DataType.build("DECIMAL(4, 4)")))
        return exp.Case(ifs=[exp.If(this=exp.GT(this=self.length(items.copy()),
                                                expression=exp.Literal.number(65536)),
                                    true=exp.Null())], default=exact)

    def bind(self, value: exp.Expr, var: str, body: exp.Expr) -> exp.Expr:
        # DuckDB hoists a subexpression written twice into a column computed for every row,
        # even inside a branch that rarely runs; a lambda over a one-element list computes
        # `value` only where `body` is evaluated.
        return exp.func("LIST_EXTRACT", exp.func("LIST_TRANSFORM", exp.Array(
            expressions=[value]), _lambda(var, body)), exp.Literal.number(1))

    def month_day_time(self, moment: exp.Expr) -> exp.Expr:
        return exp.func("STRFTIME", moment, exp.Literal.string("%m%d%H%M%S%f"))

    def micros_between(self, start: exp.Expr, end: exp.Expr) -> exp.Expr:
        # Anonymous: sqlglot would reorder a DATE_DIFF it parses as its own DateDiff.
        return exp.Anonymous(this="DATE_DIFF", expressions=[
            exp.Literal.string("microsecond"), start, end])
