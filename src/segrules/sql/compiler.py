"""Conditions to SQL: each node of the checked AST to a sqlglot expression that is TRUE or FALSE.

The two-valued rule is applied at the leaves, once: a comparison is ``COALESCE(test, FALSE)``
(a NULL attribute, a NULL list element, NaN — anything SQL would call unknown — is false), and a
negative operator is ``present AND NOT positive``, so ``not``, ``none`` and exclude blocks can be
plain ``NOT`` and mean what they mean in Python. A test the column's type can never pass is the
constant FALSE, as a type mismatch is in Python.

Literals follow the Python predicates (``runtime``): strings in NFC (``text``), numbers exact as
written (``numeric``), dates as naive-UTC instants; ``now`` is a constant of the query, so
``within last``, ``more than … ago`` and windows are comparisons with timestamps computed here,
with Python's calendar arithmetic (pitfall-free: no interval arithmetic in SQL).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from sqlglot import exp

from .. import nodes as n
from .. import numeric, runtime
from ..regex import _translate
from ..text import normal
from ..visitor import walk
from . import caseless
from .dialect import MONEY, Dialect, Unsupported
from .types import ANY, MISSING, Type, literal_kind, lookup

__all__ = ["Conditions", "text_paths"]

_ORDER = {"gt": exp.GT, "ge": exp.GTE, "lt": exp.LT, "le": exp.LTE}
_FALSE = exp.false
#: Number kinds: ``number`` may be a DOUBLE column; ``decimal`` is exact (a sum).
_NUMERIC = ("number", "integer", "decimal")


def _nan() -> exp.Expr:
    return exp.cast(exp.Literal.string("NaN"), exp.DataType.build("DOUBLE"))


def _and(*items: exp.Expr) -> exp.Expr:
    return exp.and_(*items, copy=False) if len(items) > 1 else items[0]


def _or(items: Sequence[exp.Expr]) -> exp.Expr:
    return exp.or_(*items, copy=False) if len(items) > 1 else items[0]


def _is_false(e: exp.Expr) -> bool:
    return isinstance(e, exp.Boolean) and not e.this


def _two_valued(test: exp.Expr) -> exp.Expr:
    if isinstance(test, exp.Boolean):
        return test
    return exp.Coalesce(this=test, expressions=[exp.false()])


class _Scope:
    """Where profile-rooted paths read: the table's row, or the element of an aggregate."""

    def __init__(self, row: exp.Expr | None, row_type: Type | None, depth: int) -> None:
        self.row, self.row_type, self.depth = row, row_type, depth


class _Total:
    """``sum`` or ``avg``: the exact sum (a MONEY decimal) and, for ``avg``, the count, so a
    comparison needs no division. ``special`` is the sum as a DOUBLE when a value is NaN,
    infinite or too large for MONEY (else NULL): then it decides, as Python's NaN and
    infinities do. ``checked`` is the exact sum found in one pass, NULL when the full
    computation must decide (``Dialect.checked_sum``); ``bound`` names the DOUBLE sum that
    ``special`` reads as a variable."""

    def __init__(self, total: exp.Expr, count: exp.Expr | None, special: exp.Expr | None,
                 checked: exp.Expr | None = None,
                 bound: tuple[str, exp.Expr] | None = None) -> None:
        self.total, self.count, self.special = total, count, special
        self.checked, self.bound = checked, bound


class Conditions:
    """Compiles conditions for one dialect.

    ``column(name)`` is the SQL of an attribute column of the customer table; ``segment(name)``
    the membership of a referenced segment; ``computed`` the names of computed attributes
    (Python functions a table cannot run); ``texts`` the paths the book reads with an
    operator only text has (``starts with``, ``matches``, …), which without a schema says
    that ``contains`` on them is a substring test. ``sessions`` counts ``session.`` reads.
    """

    def __init__(self, dialect: Dialect, schema: Any, now: dt.datetime,
                 column: Callable[[str], exp.Expr],
                 segment: Callable[[str], exp.Expr], computed: frozenset[str],
                 texts: frozenset[tuple[str, ...]] = frozenset()) -> None:
        self.dialect, self.schema, self.now = dialect, schema, now
        self.texts = texts
        self.column, self.segment, self.computed = column, segment, computed
        self.sessions = 0
        self._variables = 0
        self._common: exp.DataType | None = None  # the DECIMAL a sum is compared in

    def fresh(self, prefix: str) -> str:
        """A new lambda or subquery variable name (never a column name: they are quoted)."""
        self._variables += 1
        return f"_{prefix}{self._variables}"

    # --- conditions --------------------------------------------------------------------------

    def condition(self, node: n.Expr, scope: _Scope | None = None) -> exp.Expr:
        scope = scope or _Scope(None, None, 0)
        if isinstance(node, n.Compare):
            try:
                return self.compare(node, scope)
            except Unsupported as error:
                if getattr(error, "span", None) is None:
                    error.span = node.span
                raise
        if isinstance(node, n.AllOf):
            return exp.Paren(this=_and(*(self.condition(i, scope) for i in node.items)))
        if isinstance(node, n.AnyOf):
            return exp.Paren(this=_or([self.condition(i, scope) for i in node.items]))
        if isinstance(node, n.Not):
            return exp.Not(this=exp.Paren(this=self.condition(node.item, scope)))
        if isinstance(node, n.InSegment):
            return self.segment(node.name)
        if isinstance(node, n.Everyone):
            return exp.true()
        raise TypeError(f"not a condition: {node!r}")

    def compare(self, node: n.Compare, scope: _Scope) -> exp.Expr:
        left = node.left
        if isinstance(left, n.Aggregate):
            value, kind = self.aggregate(left, node, scope)
        elif isinstance(left, n.TimeSince):
            value, kind = self.time_since(left, scope), Type("integer")
        else:
            value, kind = self.read(left, node, scope)
        if value is None:  # missing: only `does not exist` holds
            return exp.true() if node.op == "exists" and node.negated else _FALSE()
        if isinstance(value, _Total):
            present: exp.Expr = exp.true() if value.count is None else exp.GT(
                this=value.count, expression=exp.Literal.number(0))
            if node.op == "exists":
                return exp.Not(this=exp.Paren(this=present)) if node.negated else present
            positive = self.totals(value, node)
        else:
            present = self.dialect.present(value, kind)
            if node.op == "exists":
                return exp.Not(this=exp.Paren(this=present)) if node.negated else present
            positive = self.positive(value, kind, node, scope)
        if not node.negated:
            return positive
        if _is_false(positive):
            return present
        return exp.Paren(this=_and(present, exp.Not(this=exp.Paren(this=positive))))

    def positive(self, value: exp.Expr, kind: Type, node: n.Compare, scope: _Scope
                 ) -> exp.Expr:
        """The positive operator on a present value: any element of a list, unless the
        operator looks at the whole value."""
        if kind.is_list and node.op not in ("contains_any", "contains_all", "empty"):
            var = self.fresh("x")
            test = self.test(self.dialect.variable(var), kind.element, node)
            if _is_false(test):
                return test
            return self.dialect.any_element(value, var, _two_valued(test))
        return _two_valued(self.test(value, kind, node))

    # --- reading attributes --------------------------------------------------------------------

    def read(self, attr: n.Attr, node: n.Compare | None, scope: _Scope
             ) -> tuple[exp.Expr | None, Type]:
        """The SQL reading ``attr`` and its type; None when it is always missing."""
        if attr.root == "session":
            # A table has no session: the attribute is missing, as with session=None.
            self.sessions += 1
            return None, ANY
        names = attr.names
        if scope.row is None:
            if names[0] in self.computed:
                raise Unsupported(f"the computed attribute `{names[0]}`")
            known = lookup(self.schema, None, names)
            value: exp.Expr = self.column(names[0])
        else:
            known = lookup(None, scope.row_type, names) if scope.row_type is not None else None
            value = scope.row
        if known is MISSING:
            return None, ANY
        for name in names[1 if scope.row is None else 0:]:
            value = self.dialect.field(value, name)
        return value, known if known is not None else self.guess(node)

    def guess(self, node: n.Compare | None) -> Type:
        """Without a schema: the column's kind is the literal's; lists where only a list fits."""
        if node is None:
            return ANY
        if node.op in ("within_last", "more_than_ago"):
            return Type("datetime")
        if node.op == "matches":
            return Type("string")
        kinds = {literal_kind(v) for v in node.values} - {None}
        if len(kinds) > 1:
            raise Unsupported("literals of different kinds against a column of unknown type "
                              "(pass a schema)")
        kind = kinds.pop() if kinds else None
        kind = kind or "any"
        listed = node.op in ("contains_any", "contains_all", "empty")
        if listed and isinstance(node.left, n.Attr) and node.left.names in self.texts:
            return Type("string")  # read as text elsewhere in the book
        return Type(kind, listed)

    # --- element tests ---------------------------------------------------------------------------

    def test(self, x: exp.Expr, kind: Type, node: n.Compare) -> exp.Expr:
        """``x OP literals`` for one present, non-list value (may be NULL-valued: wrapped)."""
        op, values = node.op, node.values
        if op in ("eq", "in"):
            return self.equal(x, kind, values, node.ignore_case)
        if op in _ORDER:
            return self.bound(x, kind, op, values[0], node.ignore_case)
        if op == "between":
            low = self.bound(x, kind, "ge", values[0], node.ignore_case)
            high = self.bound(x.copy(), kind, "le", values[1], node.ignore_case)
            return _FALSE() if _is_false(low) or _is_false(high) else _and(low, high)
        if op in ("starts_with", "ends_with"):
            return self.affix(x, kind, op, values, node.ignore_case)
        if op in ("contains_any", "contains_all"):
            return self.contains(x, kind, values, node.ignore_case, op == "contains_all")
        if op == "matches":
            return self.regex(x, kind, values[0], node.ignore_case)
        if op == "empty":
            if kind.is_list:
                return exp.EQ(this=self.dialect.length(x), expression=exp.Literal.number(0))
            if kind.kind == "string":
                return exp.EQ(this=x, expression=exp.Literal.string(""))
            return _FALSE()
        if op in ("within_last", "more_than_ago"):
            return self.recent(x, kind, op, values[0])
        raise TypeError(f"no SQL for operator {op!r}")

    def text(self, x: exp.Expr, ignore_case: bool, affix: bool = False,
             keys: Sequence[str] | None = None) -> exp.Expr:
        """The data side of a string comparison against literal ``keys``: NFC, or the
        caseless key."""
        d = self.dialect
        data = d.normal(x) if d.normalizes else x
        if not ignore_case:
            return data
        if affix and not d.caseless_affixes:
            raise Unsupported("`ignoring case` with a prefix, substring, order or pattern "
                              "(it needs Unicode normalisation)")
        key = d.lower_ascii(caseless.fold(data, keys))
        if affix:
            key = d.normal(key)
        # ASCII text (most of it) needs neither the folds nor TRANSLATE, which is slow.
        return exp.Case(ifs=[exp.If(this=d.is_ascii(x.copy()), true=d.lower(x.copy()))],
                        default=key)

    def literal_text(self, value: str, ignore_case: bool) -> str:
        if not ignore_case:
            return normal(value)
        key = caseless.ascii_key(value)
        if key is None:
            raise Unsupported(f"`ignoring case` with the non-ASCII text {value!r}")
        return key

    def equal(self, x: exp.Expr, kind: Type, values: Sequence[n.Value],
              ignore_case: bool) -> exp.Expr:
        d = self.dialect
        literals: list[exp.Expr] = []
        data = x
        if kind.kind == "string":
            if any(isinstance(v, n.Date | n.DateTime) for v in values):
                raise Unsupported("a date compared with a text column (give it a date type)")
            texts = [self.literal_text(v.value, ignore_case)
                     for v in values if isinstance(v, n.String)]
            kept = [t for t in dict.fromkeys(texts) if self.storable(t)]
            literals = [d.string(t) for t in kept]
            data = self.text(x, ignore_case, keys=kept) if literals else x
            if not ignore_case and all(_raw_equal(t) for t in kept):
                data = x  # NFC(x) equals such a literal exactly when x does: skip NFC
        elif kind.kind in _NUMERIC:
            numbers = [v.value for v in values if isinstance(v, n.Number)]
            if numbers and self.narrowed(kind, numbers):
                return _or([self.exact(x.copy(), kind, exp.EQ, v) for v in numbers])
            literals = [self.number(v, kind) for v in numbers]
        elif kind.kind == "boolean":
            literals = [exp.Boolean(this=v.value) for v in values if isinstance(v, n.Boolean)]
        elif kind.kind in ("date", "datetime"):
            literals = [d.timestamp(runtime.aware(v.value)) for v in values
                        if isinstance(v, n.Date | n.DateTime)]
        if not literals:
            return _FALSE()
        if len(literals) == 1:
            return exp.EQ(this=data, expression=literals[0])
        return exp.In(this=data, expressions=literals)

    def storable(self, text: str) -> bool:
        """Whether the engine can hold ``text`` (PostgreSQL text cannot hold a NUL: no datum
        there equals, starts or ends with such a literal)."""
        return "\0" not in text or self.dialect.name != "postgres"

    def number(self, value: int | Decimal, kind: Type) -> exp.Expr:
        """A number literal, exact; refused when a DOUBLE column would answer otherwise."""
        if kind.kind == "number" and not numeric.equal_floats([value]):
            # No float prints as this literal: a DOUBLE and a DECIMAL column would differ.
            raise Unsupported(f"the number {value} (more digits than a DOUBLE column "
                              "can compare as written)")
        if kind.kind == "decimal" and self._common is not None:
            # exp.Cast, not exp.cast: sqlglot's helper keeps a cast to another DECIMAL as is.
            return exp.Cast(this=_decimal(value), to=self._common.copy())
        return _decimal(value)

    def narrowed(self, kind: Type, numbers: Sequence[int | Decimal]) -> bool:
        """Whether ``x OP numbers`` on a column of ``kind`` needs ``exact``: a literal with a
        fraction or beyond INT. An INT literal is left as is, so that ``age >= 18`` stays
        plain: the engines round a column compared with one only past 28 places."""
        return kind.kind == "number" and self.dialect.narrows_decimals and any(
            not isinstance(v, int) or abs(v) >= 2**31 for v in numbers)

    def exact(self, x: exp.Expr, kind: Type, build: type[exp.Expr], value: int | Decimal
              ) -> exp.Expr:
        """``x OP value`` where ``x`` may be a DECIMAL(38, s) column of any scale.

        Spark compares DECIMAL(38, 3) with 0.0000001 after rounding the literal to three
        places (and DECIMAL(38, 0) with 0.5 after rounding it to 1); DuckDB casts a
        DECIMAL(38, 18) holding 10**19 to DECIMAL(38, 19) and fails. So a DECIMAL ``x`` is
        cast to DECIMAL(38, S), S the most places that leave room for the literal's integer
        digits, as the literal is: one type, nothing rounded. A value too large for that type
        (TRY_CAST gives NULL) is larger in magnitude than the literal, so its sign decides.
        Any other column (DOUBLE, BIGINT) is compared as before: the engine widens exactly.
        """
        plain = self.number(value, kind)  # refuses what a DOUBLE column would answer otherwise
        number = Decimal(value)
        digits = len(str(int(abs(number)))) if abs(number) >= 1 else 0
        common = exp.DataType.build(f"DECIMAL(38, {38 - digits})")
        literal = exp.Cast(this=exp.Literal.string(format(number, "f")), to=common)
        fitted = exp.TryCast(this=x.copy(), to=common.copy(), safe=True)  # Spark: TRY_CAST
        if build is exp.EQ:
            huge: exp.Expr = _FALSE()
        else:
            sign = exp.GT if build in (exp.GT, exp.GTE) else exp.LT
            huge = sign(this=x.copy(), expression=exp.Literal.number(0))
        decimal = exp.Case(ifs=[exp.If(this=exp.Is(this=fitted, expression=exp.Null()),
                                       true=huge)],
                           default=build(this=fitted.copy(), expression=literal))
        is_decimal = exp.Like(this=exp.Lower(this=exp.Typeof(this=x.copy())),
                              expression=exp.Literal.string("decimal%"))
        return exp.Case(ifs=[exp.If(this=is_decimal, true=decimal)],
                        default=build(this=x, expression=plain))

    def bound(self, x: exp.Expr, kind: Type, op: str, value: n.Value, ignore_case: bool
              ) -> exp.Expr:
        d, build = self.dialect, _ORDER[op]
        if isinstance(value, n.String) and kind.kind == "string":
            text = self.literal_text(value.value, ignore_case)
            if not self.storable(text):
                raise Unsupported("an order against a text holding NUL")
            return build(this=d.ordered(self.text(x, ignore_case, affix=True)),
                         expression=d.ordered(d.string(text)))
        if isinstance(value, n.Number) and kind.kind in _NUMERIC:
            test: exp.Expr = self.exact(x, kind, build, value.value) \
                if self.narrowed(kind, [value.value]) else \
                build(this=x, expression=self.number(value.value, kind))
            if kind.kind == "number" and op in ("gt", "ge"):
                # NaN sorts above every number in these engines; in Python it is unordered.
                test = _and(test, exp.NEQ(this=x.copy(), expression=_nan()))
            return test
        if isinstance(value, n.Date | n.DateTime) and kind.kind in ("date", "datetime"):
            return build(this=x, expression=d.timestamp(runtime.aware(value.value)))
        if isinstance(value, n.Date | n.DateTime) and kind.kind == "string":
            raise Unsupported("a date compared with a text column (give it a date type)")
        return _FALSE()

    def affix(self, x: exp.Expr, kind: Type, op: str, values: Sequence[n.Value],
              ignore_case: bool) -> exp.Expr:
        first = values[0]
        if kind.kind != "string" or not all(isinstance(v, n.String) for v in values) or \
                not isinstance(first, n.String):
            return _FALSE()
        text = self.literal_text(first.value, ignore_case)
        if not self.storable(text):
            return _FALSE()
        if op == "starts_with":
            return self.dialect.starts_with(self.text(x, ignore_case, True, [text]), text)
        return self.dialect.ends_with(self.text(x, ignore_case, keys=[text]), text)

    def contains(self, x: exp.Expr, kind: Type, values: Sequence[n.Value],
                 ignore_case: bool, every: bool) -> exp.Expr:
        if kind.is_list and not every:
            var = self.fresh("x")
            probe = self.equal(self.dialect.variable(var), kind.element, values, ignore_case)
            return probe if _is_false(probe) else self.dialect.any_element(
                x, var, _two_valued(probe))
        if kind.is_list:
            tests = []
            for value in values:
                var = self.fresh("x")
                probe = self.equal(self.dialect.variable(var), kind.element, (value,),
                                   ignore_case)
                tests.append(probe if _is_false(probe) else self.dialect.any_element(
                    x.copy(), var, _two_valued(probe)))
            if every:
                return _FALSE() if any(map(_is_false, tests)) else exp.Paren(this=_and(*tests))
            kept = [t for t in tests if not _is_false(t)]
            return exp.Paren(this=_or(kept)) if kept else _FALSE()
        if kind.kind != "string":
            return _FALSE()
        parts = [self.literal_text(v.value, ignore_case) for v in values
                 if isinstance(v, n.String)]
        if every and len(parts) != len(values):
            return _FALSE()
        data = self.text(x, ignore_case, affix=True, keys=parts)
        tests = [self.dialect.contains_text(data.copy(), p) if self.storable(p) else _FALSE()
                 for p in parts]
        if every:
            return _FALSE() if any(map(_is_false, tests)) else exp.Paren(this=_and(*tests))
        kept = [t for t in tests if not _is_false(t)]
        return exp.Paren(this=_or(kept)) if kept else _FALSE()

    def regex(self, x: exp.Expr, kind: Type, value: n.Value, ignore_case: bool
              ) -> exp.Expr:
        if kind.kind != "string":
            return _FALSE()
        if ignore_case:
            raise Unsupported("`matches … ignoring case` (engines fold case in patterns "
                              "differently from Python)")
        pattern = value.pattern if isinstance(value, n.Regex) else getattr(value, "value", "")
        translated = self.dialect.regex(_translate(pattern, normal))
        if not self.storable(translated):
            raise Unsupported("a pattern holding NUL")
        return self.dialect.matches(self.text(x, False), translated)

    def recent(self, x: exp.Expr, kind: Type, op: str, value: n.Value
               ) -> exp.Expr:
        assert isinstance(value, n.Duration)
        if kind.kind == "string":
            raise Unsupported("a relative date on a text column (give it a date type)")
        if kind.kind not in ("date", "datetime"):
            return _FALSE()
        start = self.dialect.timestamp(self.now - runtime.duration_shift(value))
        if op == "more_than_ago":
            return exp.LT(this=x, expression=start)
        return _and(exp.GTE(this=x, expression=start),
                    exp.LTE(this=x.copy(), expression=self.dialect.timestamp(self.now)))

    # --- computed operands ---------------------------------------------------------------------

    def aggregate(self, node: n.Aggregate, compare: n.Compare, scope: _Scope
                  ) -> tuple[exp.Expr | _Total | None, Type]:
        """The value of an aggregate and its type; an exact sum is a MONEY decimal."""
        items, items_type = self.read(node.items, None, scope)
        if items is not None and items_type.kind == "any" and not items_type.is_list:
            items_type = Type("record" if node.value_path or node.where else "any", True)
        zero = exp.cast(exp.Literal.number(0), MONEY)
        if items is None or not items_type.is_list:
            # Not a list: no elements. count 0, sum 0, the others missing.
            if node.func == "count":
                return exp.Literal.number(0), Type("integer")
            return (zero, Type("decimal")) if node.func == "sum" else (None, ANY)
        element = items_type.element
        row = element if element.kind == "record" else None
        var = self.fresh("e")
        variable = self.dialect.variable(var)
        where = None
        if node.where is not None:
            where = self.condition(node.where, _Scope(variable, row, scope.depth + 1))
        if node.func == "count":
            return self.dialect.count(items, var, where), Type("integer")
        value_type = self._value_type(node, compare, element, row)
        if value_type is None:  # the records have no such field: every value is missing
            return (zero, Type("decimal")) if node.func == "sum" else (None, ANY)
        value: exp.Expr = variable.copy()
        for name in node.value_path:
            value = self.dialect.field(value, name)
        if node.func in ("sum", "avg"):
            if value_type.kind not in _NUMERIC:
                return (zero, Type("decimal")) if node.func == "sum" else (None, ANY)
            return self.total(node.func, items, var, where, value, value_type), ANY
        if value_type.kind not in (*_NUMERIC, "date", "datetime"):
            if value_type.kind == "string":
                raise Unsupported(f"{node.func} over a text field (give it a date type)")
            return None, ANY
        extreme = self.dialect.fold(node.func, items, var, where, value)
        if value_type.kind == "number":
            # A NaN makes Python's min and max NaN (unordered); the engines skip it or sort
            # it last, so a list holding one gives NaN here too.
            nan = _nan()
            found: exp.Expr = exp.EQ(this=value.copy(), expression=nan)
            if where is not None:
                found = _and(where.copy(), found)
            extreme = exp.Case(ifs=[exp.If(this=self.dialect.any_element(
                items.copy(), var, _two_valued(found)), true=nan.copy())], default=extreme)
        return extreme, Type(value_type.kind)

    def total(self, func: str, items: exp.Expr, var: str, where: exp.Expr | None,
              value: exp.Expr, value_type: Type) -> _Total:
        d, zero = self.dialect, exp.cast(exp.Literal.number(0), MONEY)
        exact = value
        special: exp.Expr | None = None
        if value_type.kind == "number" and d.try_cast:
            # A value MONEY cannot hold (NaN, an infinity, 10^18 or more) is left out of the
            # exact sum; the DOUBLE sum of all the values then shows it (NaN, infinite or
            # huge) and decides. Values that large cancelling out is beyond what sums promise.
            exact = exp.TryCast(this=value.copy(), to=exp.DataType.build("DECIMAL(22, 4)"))
            doubled = d.fold("fsum", items.copy(), var, where.copy() if where else None,
                             value.copy())
            bound = d.quick_sums and func == "sum"
            # With a name for the DOUBLE sum, it is computed only when `checked` is NULL.
            name = self.fresh("s") if bound else ""
            read = d.variable(name) if bound else doubled
            special = exp.Case(ifs=[exp.If(this=exp.Not(this=exp.Paren(this=exp.LT(
                this=exp.Abs(this=read), expression=exp.Literal.number("1e17")))),
                true=read.copy())])
            if bound:
                total = exp.Coalesce(this=d.fold("sum", items, var, where, exact),
                                     expressions=[zero])
                return _Total(total, None, special, d.checked_sum(
                    items.copy(), var, where.copy() if where else None, value), (name, doubled))
        elif value_type.kind == "number":
            # NaN, the infinities and values beyond MONEY's 28 integer digits cannot be cast
            # to MONEY; they are left out of the exact sum and decide through `special`.
            finite = exp.LT(this=exp.Abs(this=value.copy()), expression=exp.Literal.number(
                "1e27"))
            exact = exp.Case(ifs=[exp.If(this=finite, true=value.copy())])
            odd: exp.Expr = exp.Not(this=exp.Paren(this=finite.copy()))
            if where is not None:
                odd = _and(where.copy(), odd)
            special = exp.Case(ifs=[exp.If(
                this=d.any_element(items.copy(), var, _two_valued(odd)),
                true=d.fold("fsum", items.copy(), var, where.copy() if where else None,
                            value.copy()))])
        total = exp.Coalesce(this=d.fold("sum", items, var, where, exact),
                             expressions=[zero])
        if func == "sum":
            return _Total(total, None, special)
        count = exp.Coalesce(this=d.fold("count", items.copy(), var,
                                         where.copy() if where else None, value.copy()),
                             expressions=[exp.Literal.number(0)])
        if special is not None:
            special = exp.Div(this=special, expression=count.copy())
        return _Total(total, count, special)

    def totals(self, value: _Total, node: n.Compare) -> exp.Expr:
        """``sum``/``avg OP literal``: exact on the MONEY sum, else by the DOUBLE special.

        Both sides are cast to one DECIMAL type whose scale holds every literal's: Spark
        rounds the operand of larger scale when two DECIMAL(38, s) differ in scale, so
        0.0001 > 0.00009 would be false there."""
        scales = [max(0, -Decimal(v.value).as_tuple().exponent)  # type: ignore[operator]
                  for v in node.values if isinstance(v, n.Number)]
        scale = max([4, *scales])
        if scale > 18:
            raise Unsupported("a number with more than 18 decimal places against a sum")
        common = exp.DataType.build(f"DECIMAL(38, {scale})")
        exact_value = _Total(exp.cast(value.total, common), value.count, value.special)
        self._common = common
        try:
            if value.count is None:
                exact = _two_valued(self.test(exact_value.total, Type("decimal"), node))
            else:
                exact = self.average(exact_value, node)
            # exp.Cast, not exp.cast: sqlglot's helper keeps a cast to another DECIMAL as is.
            quick = None if value.checked is None else self.test(
                exp.Cast(this=value.checked, to=common.copy()), Type("decimal"), node)
        finally:
            self._common = None
        if value.special is None:
            return exact
        answer = self.decided(value.special, exact, node)
        if value.bound is None:
            return answer
        name, doubled = value.bound
        answer = self.dialect.bind(doubled, name, answer)
        if quick is None or isinstance(quick, exp.Boolean):
            return answer
        # A test of a NULL `checked` is NULL (comparisons of it, joined by AND or OR): the
        # full answer is computed only then.
        return exp.Coalesce(this=quick, expressions=[answer])

    def decided(self, special: exp.Expr, exact: exp.Expr, node: n.Compare) -> exp.Expr:
        """The test on the DOUBLE ``special`` where it is not NULL, else ``exact``."""
        odd = _two_valued(self.test(special, Type("decimal"), node))
        if not _is_false(odd):
            # NaN is unordered and equal to nothing: every test on it is false.
            odd = _and(exp.NEQ(this=special.copy(), expression=_nan()), odd)
        return _two_valued(exp.Case(ifs=[exp.If(this=exp.Is(this=special.copy(),
                                                             expression=exp.Null()),
                                                true=exact)], default=odd))

    def _value_type(self, node: n.Aggregate, compare: n.Compare, element: Type,
                    row: Type | None) -> Type | None:
        """The type of the values aggregated; None when the records cannot have them."""
        found = element if not node.value_path else (
            lookup(None, row, node.value_path) if row is not None else None)
        if found is MISSING:
            return None
        if found is not None and found.kind != "any":
            return found
        guessed = self.guess(compare).kind
        # Without a type, sum and avg read numbers, and so do min and max unless compared
        # with a date.
        return Type(guessed if guessed in ("date", "datetime") else "number")

    def average(self, avg: _Total, node: n.Compare) -> exp.Expr:
        """``avg OP literal`` as ``count > 0 AND total OP literal * count``: exact."""
        if node.op not in ("eq", "in", "between", *_ORDER):
            return _FALSE()
        numbers = [v.value for v in node.values if isinstance(v, n.Number)]
        if node.op == "between" and len(numbers) != 2:
            return _FALSE()
        if not numbers:
            return _FALSE()

        def scaled(value: int | Decimal) -> exp.Expr:
            assert avg.count is not None
            product = exp.Mul(this=_decimal(value), expression=avg.count.copy())
            return exp.cast(product, self._common) if self._common is not None else product

        total = avg.total
        if node.op in ("eq", "in"):
            test: exp.Expr = _or([exp.EQ(this=total.copy(), expression=scaled(v))
                                        for v in numbers])
        elif node.op == "between":
            test = _and(exp.GTE(this=total.copy(), expression=scaled(numbers[0])),
                        exp.LTE(this=total.copy(), expression=scaled(numbers[1])))
        else:
            test = _ORDER[node.op](this=total.copy(), expression=scaled(numbers[0]))
        assert avg.count is not None
        return exp.Paren(this=_and(exp.GT(this=avg.count.copy(),
                                          expression=exp.Literal.number(0)),
                                   exp.Paren(this=test)))

    def time_since(self, node: n.TimeSince, scope: _Scope) -> exp.Expr | None:
        operand = node.operand
        if not isinstance(operand, n.Attr):
            raise Unsupported(f"{node.unit}_since of a computed value")
        moment, kind = self.read(operand, None, scope)
        if moment is None or kind.is_list or kind.kind not in ("date", "datetime", "any"):
            if kind.kind == "string":
                raise Unsupported(f"{node.unit}_since of a text column (give it a date type)")
            return None
        d, now = self.dialect, self.dialect.timestamp(self.now)
        if node.unit == "days":
            return d.days(d.micros_between(moment, now))
        # Whole years: the difference of the years, less one when this year's anniversary
        # (to the microsecond) is still ahead; mirrored for a moment in the future.
        mark = exp.Literal.string(self.now.strftime("%m%d%H%M%S%f"))
        years = exp.Sub(this=exp.Literal.number(self.now.year), expression=d.year(moment))
        later = exp.GT(this=d.month_day_time(moment.copy()), expression=mark)
        earlier = exp.LT(this=d.month_day_time(moment.copy()), expression=mark.copy())
        past = exp.LTE(this=moment.copy(), expression=now)
        adjust = exp.Case(ifs=[
            exp.If(this=_and(past, later), true=exp.Literal.number(-1)),
            exp.If(this=_and(exp.Not(this=exp.Paren(this=past.copy())), earlier),
                   true=exp.Literal.number(1)),
        ], default=exp.Literal.number(0))
        return exp.Paren(this=exp.Add(this=years, expression=adjust))


_TEXT_ONLY = ("starts_with", "ends_with", "matches")

#: The ASCII characters some other character is in NFC (U+037E, U+1FEF, U+212A; a test
#: recomputes them). Any other non-ASCII text stays non-ASCII in NFC (a combining mark
#: stays or composes into a non-ASCII letter), so text equals an ASCII literal without these
#: after NFC exactly when it does before.
NFC_TARGETS = frozenset(";`K")


def _raw_equal(literal: str) -> bool:
    return literal.isascii() and NFC_TARGETS.isdisjoint(literal)


def text_paths(segments: Iterable[n.Segment]) -> frozenset[tuple[str, ...]]:
    """Profile paths some condition reads as text only (outside aggregates)."""
    found: set[tuple[str, ...]] = set()
    for segment in segments:
        for block in (*segment.includes, *segment.excludes):
            for node in walk(block):
                if isinstance(node, n.Aggregate):
                    continue
                if (isinstance(node, n.Compare) and isinstance(node.left, n.Attr)
                        and node.left.root == "profile" and (node.op in _TEXT_ONLY or (
                            node.op in _ORDER and isinstance(node.values[0], n.String)))):
                    found.add(node.left.names)
    return frozenset(found)


def _decimal(value: int | Decimal) -> exp.Expr:
    """An exact number literal: a plain integer, or a DECIMAL of exactly its digits."""
    if isinstance(value, int) and abs(value) < 2**31:
        return exp.Literal.number(value) if value >= 0 else exp.Neg(
            this=exp.Literal.number(-value))
    text = format(Decimal(value), "f")
    digits = text.lstrip("-").replace(".", "").lstrip("0") or "0"
    scale = len(text.partition(".")[2])
    precision = max(len(digits), scale, 1)
    if precision > 38:
        raise Unsupported(f"the number {value} (more than 38 digits)")
    return exp.cast(exp.Literal.string(text),
                    exp.DataType.build(f"DECIMAL({max(precision, scale + 1)}, {scale})"))
