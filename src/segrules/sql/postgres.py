"""PostgreSQL: records are composite types, lists arrays (of composites), read with correlated
``UNNEST`` subqueries; text orders by ``COLLATE "C"`` (code points, as Python); patterns are
translated to its ARE flavour where that gives RE2's answers, and refused where it cannot."""

from __future__ import annotations

from typing import ClassVar

from sqlglot import exp

from .dialect import MONEY, Dialect
from .regexes import translate

__all__ = ["Postgres"]


class Postgres(Dialect):
    """PostgreSQL 13+ in a UTF-8 database (``NORMALIZE``, ``CARDINALITY``, exact ``EXTRACT``)."""

    name = "postgres"
    sqlglot = "postgres"
    # Longer identifiers are silently truncated to 63 bytes.
    max_name_bytes: ClassVar[int | None] = 63
    text_type: ClassVar[str] = "TEXT"

    def field(self, record: exp.Expr, name: str) -> exp.Expr:
        # `a.b.c` would read table `a`: a composite's field is `(a).b`.
        return exp.Dot(this=exp.Paren(this=record), expression=exp.to_identifier(name,
                                                                                 quoted=True))

    def present(self, value: exp.Expr, kind: object) -> exp.Expr:
        # A composite whose fields are all NULL IS NULL, but it is a present record.
        return exp.NullSafeNEQ(this=value, expression=exp.Null())

    def normal(self, text: exp.Expr) -> exp.Expr:
        return exp.Anonymous(this="NORMALIZE", expressions=[text, exp.var("NFC")])

    def ordered(self, text: exp.Expr) -> exp.Expr:
        return exp.Collate(this=text, expression=exp.Identifier(this="C", quoted=True))

    def lower(self, text: exp.Expr) -> exp.Expr:
        # Under a Turkish locale LOWER('I') is 'ı'; the "C" collation lowers A-Z only.
        return exp.Lower(this=self.ordered(text))

    def regex(self, pattern: str) -> str:
        return translate(pattern, "postgres")

    def matches(self, text: exp.Expr, pattern: str) -> exp.Expr:
        return exp.RegexpLike(this=text, expression=self.string(pattern))

    def length(self, items: exp.Expr) -> exp.Expr:
        # ARRAY_LENGTH(x, 1) is NULL for an empty array.
        return exp.func("CARDINALITY", items)

    def _rows(self, items: exp.Expr, var: str, where: exp.Expr | None,
              *columns: exp.Expr) -> exp.Select:
        unnest = exp.Unnest(expressions=[items], alias=exp.TableAlias(
            this=exp.to_identifier(var, quoted=True)))
        query = exp.select(*columns).from_(unnest)
        return query.where(where) if where is not None else query

    def any_element(self, items: exp.Expr, var: str, test: exp.Expr
                    ) -> exp.Expr:
        return exp.Exists(this=self._rows(items, var, test, exp.Literal.number(1)))

    def count(self, items: exp.Expr, var: str, where: exp.Expr | None
              ) -> exp.Expr:
        return exp.Subquery(this=self._rows(items, var, where, exp.Count(this=exp.Star())))

    def fold(self, func: str, items: exp.Expr, var: str, where: exp.Expr | None,
             value: exp.Expr) -> exp.Expr:
        if func in ("sum", "fsum"):
            aggregate: exp.Expr = exp.Sum(this=exp.cast(
                value, MONEY if func == "sum" else exp.DataType.build("DOUBLE")))
        elif func == "count":
            aggregate = exp.Count(this=value)
        else:
            aggregate = (exp.Min if func == "min" else exp.Max)(this=value)
        return exp.Subquery(this=self._rows(items, var, where, aggregate))

    def month_day_time(self, moment: exp.Expr) -> exp.Expr:
        return exp.Anonymous(this="TO_CHAR", expressions=[
            moment, exp.Literal.string("MMDDHH24MISSUS")])

    def micros_between(self, start: exp.Expr, end: exp.Expr) -> exp.Expr:
        # EXTRACT(EPOCH …) is an exact NUMERIC since PostgreSQL 14; a DATE is cast first
        # (DATE - DATE would be whole days).
        stamp = exp.DataType.build("TIMESTAMP")
        span = exp.Sub(this=exp.cast(end, stamp), expression=exp.cast(start, stamp))
        return exp.Mul(this=exp.Extract(this=exp.var("EPOCH"), expression=exp.Paren(this=span)),
                       expression=exp.Literal.number(1_000_000))
