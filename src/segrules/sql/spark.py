"""Spark SQL: higher-order functions (``EXISTS``, ``FILTER``, ``AGGREGATE``) over arrays of
structs; Java regexes, translated where they give RE2's answers and refused where not; no
Unicode normalisation function, so a Spark table's text must already be NFC."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from sqlglot import exp

from .dialect import MONEY, Dialect
from .regexes import translate

__all__ = ["Spark"]


def _lambda(body: exp.Expr, *names: str) -> exp.Lambda:
    return exp.Lambda(this=body, expressions=[exp.to_identifier(n, quoted=True) for n in names])


class Spark(Dialect):
    """Spark 3.4+/4 SQL, ANSI mode on or off; timestamps are ``TIMESTAMP_NTZ`` (naive UTC)."""

    name = "spark"
    sqlglot = "spark"
    # Column names are case-insensitive by default (spark.sql.caseSensitive=false).
    caseless_names: ClassVar[bool] = True
    # spark.sql.variable.substitute is on by default: `${x}` anywhere in the text is replaced.
    substitutes_variables: ClassVar[bool] = True
    text_type: ClassVar[str] = "STRING"
    normalizes: ClassVar[bool] = False
    caseless_affixes: ClassVar[bool] = False
    narrows_decimals: ClassVar[bool] = True

    def timestamp(self, moment: dt.datetime) -> exp.Expr:
        text = moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")
        return exp.cast(exp.Literal.string(text), exp.DataType.build("TIMESTAMP_NTZ",
                                                                     dialect="spark"))

    def normal(self, text: exp.Expr) -> exp.Expr:
        return text  # the table's text is NFC (Spark cannot normalise)

    def regex(self, pattern: str) -> str:
        return translate(pattern, "spark")

    def matches(self, text: exp.Expr, pattern: str) -> exp.Expr:
        return exp.RegexpLike(this=text, expression=self.string(pattern))

    def length(self, items: exp.Expr) -> exp.Expr:
        return exp.func("SIZE", items)

    def _filter(self, items: exp.Expr, var: str, where: exp.Expr | None
                ) -> exp.Expr:
        if where is None:
            return items
        return exp.Anonymous(this="FILTER", expressions=[items, _lambda(where, var)])

    def any_element(self, items: exp.Expr, var: str, test: exp.Expr
                    ) -> exp.Expr:
        return exp.Coalesce(this=exp.Anonymous(this="EXISTS", expressions=[
            items, _lambda(test, var)]), expressions=[exp.false()])

    def fold(self, func: str, items: exp.Expr, var: str, where: exp.Expr | None,
             value: exp.Expr) -> exp.Expr:
        chosen = self._filter(items, var, where)
        kind = MONEY if func == "sum" else exp.DataType.build("DOUBLE")
        if func in ("sum", "fsum"):
            value = exp.cast(value, kind)
        values = exp.Anonymous(this="TRANSFORM", expressions=[chosen, _lambda(value, var)])
        if func in ("min", "max"):
            return exp.Anonymous(this=f"ARRAY_{func.upper()}", expressions=[values])
        if func == "count":
            probe = exp.not_(exp.Is(this=exp.column("_v", quoted=True), expression=exp.Null()))
            return self.length(exp.Anonymous(this="FILTER", expressions=[
                values, _lambda(probe, "_v")]))
        # Sum the non-NULL values; NULL when there are none. The accumulator is cast back
        # to MONEY at every step: Spark widens decimal sums, which AGGREGATE refuses.
        acc, item = exp.column("_acc", quoted=True), exp.column("_v", quoted=True)
        step = exp.Case(ifs=[exp.If(this=exp.Is(this=item, expression=exp.Null()), true=acc)],
                        default=exp.cast(exp.Add(this=exp.Coalesce(
                            this=acc.copy(), expressions=[exp.cast(exp.Literal.number(0), kind)]),
                            expression=item.copy()), kind))
        return exp.Anonymous(this="AGGREGATE", expressions=[
            values, exp.cast(exp.Null(), kind), _lambda(step, "_acc", "_v")])

    def month_day_time(self, moment: exp.Expr) -> exp.Expr:
        return exp.Anonymous(this="DATE_FORMAT", expressions=[
            moment, exp.Literal.string("MMddHHmmssSSSSSS")])

    def micros_between(self, start: exp.Expr, end: exp.Expr) -> exp.Expr:
        return exp.Anonymous(this="TIMESTAMPDIFF", expressions=[
            exp.var("MICROSECOND"), start, end])
