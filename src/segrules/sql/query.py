"""One query for many segments: the membership formula per segment, references as columns.

``member = enabled ∧ now in window ∧ store listed ∧ ¬excluded ∧ (included ∨ (some include ∧
no exclude))``. The first three are decided here, at compile time (``now`` and the store are
constants of the query), so a disabled segment is the constant FALSE. Explicit lists are
``id IN (…)`` on the id as text (the id a membership store and ``book.matches`` look up);
a membership store's lists come from a table joined once, grouped by customer.

A segment that others reference is computed once, as a column of a common table expression,
and read by name where it is referenced: a reference costs one column, however deep or shared
the references are (inlining would grow exponentially with shared references).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlglot import exp

from .. import nodes as n
from ..checker import references
from ..errors import Diagnostic, SegrulesError
from ..source import Span
from .compiler import Conditions, text_paths
from .dialect import Dialect, Unsupported
from .truth import two_valued

__all__ = ["Plan", "build"]

ROW = "segrules_row"
_MEMBERS = "segrules_members"


def identifier(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def table_expression(table: str | exp.Expr, alias: str) -> exp.Expr:
    """``table`` (a name, dots separating catalog, schema and table, each part quoted; or a
    sqlglot expression the caller built) under ``alias``."""
    if isinstance(table, exp.Expr):
        source = table.copy()
        if isinstance(source, exp.Select):
            source = exp.Subquery(this=source)
    else:
        parts = table.split(".")
        if not table or any(not part for part in parts) or len(parts) > 3:
            raise SegrulesError([Diagnostic(
                "SR603", f"not a table name: {table!r}",
                hint="a name, or catalog.schema.name; each part is quoted as written")])
        names = [identifier(p) for p in parts]
        source = exp.Table(this=names[-1], db=names[-2] if len(names) > 1 else None,
                           catalog=names[-3] if len(names) > 2 else None)
    return exp.alias_(source, alias, quoted=True) if not isinstance(
        source, exp.Subquery) else source.as_(alias, quoted=True)


class Plan:
    """The segments one query computes: those asked for and every segment they reference."""

    def __init__(self, book: Any, names: Sequence[str]) -> None:
        self.book = book
        self.names = list(names)
        order: list[str] = []
        seen: set[str] = set()

        def visit(name: str) -> None:
            if name in seen:
                return
            seen.add(name)
            for ref in references(book[name]):
                visit(ref.name)
            order.append(name)
        for name in self.names:
            visit(name)
        #: Every segment the query evaluates, each after the segments it references.
        self.order = order
        referenced = {ref.name for name in order for ref in references(book[name])}
        self.referenced = [name for name in order if name in referenced]

    def level(self, name: str, memo: dict[str, int]) -> int:
        """0 for a segment with no references, else one more than its deepest reference."""
        if name not in memo:
            refs = [ref.name for ref in references(self.book[name])]
            memo[name] = 1 + max((self.level(r, memo) for r in refs), default=-1)
        return memo[name]


def build(book: Any, names: Sequence[str], dialect: Dialect, table: str | exp.Expr,
          schema: Any, now: dt.datetime, store: object,
          members_table: str | exp.Expr | None) -> tuple[exp.Expr, int]:
    """The query, and how many ``session.`` reads it has (each one is missing)."""
    plan = Plan(book, names)
    columns: dict[str, exp.Expr] = {}  # referenced segment -> its column in the CTEs
    ref_names = {name: f"segrules_ref_{i}" for i, name in enumerate(plan.referenced, 1)}
    listed = {name: i for i, name in enumerate(plan.order, 1)}

    def column(name: str) -> exp.Expr:
        return exp.column(identifier(name), table=identifier(ROW))

    def segment(name: str) -> exp.Expr:
        return columns[name].copy()

    conditions = Conditions(dialect, schema, now, column, segment,
                            frozenset(getattr(book, "attributes", {}) or {}),
                            text_paths(book[name] for name in book.names))
    id_text = exp.cast(column("id"), exp.DataType.build(dialect.text_type,
                                                         dialect=dialect.sqlglot))

    def membership(name: str) -> exp.Expr:
        segment_node: n.Segment = book[name]
        try:
            return two_valued(_membership(segment_node, conditions, dialect, id_text, now,
                                          store, listed[name] if members_table is not None
                                          else None))
        except Unsupported as error:
            raise _refusal(error, dialect, name) from None

    current = table_expression(table, ROW)
    if members_table is not None:
        current = _join_members(current, members_table, plan.order, dialect, id_text)
    memo: dict[str, int] = {}
    levels: dict[int, list[str]] = {}
    for name in plan.referenced:
        levels.setdefault(plan.level(name, memo), []).append(name)
    ctes: list[exp.CTE] = []
    for level in sorted(levels):
        selected = [exp.alias_(membership(name), ref_names[name], quoted=True)
                    for name in levels[level]]
        select = exp.select(exp.Column(this=exp.Star(), table=identifier(ROW)), *selected)
        cte_name = f"segrules_{level + 1}"
        ctes.append(exp.CTE(this=select.from_(current), alias=exp.TableAlias(
            this=identifier(cte_name))))
        current = exp.Table(this=identifier(cte_name), alias=exp.TableAlias(
            this=identifier(ROW)))
        for name in levels[level]:
            columns[name] = exp.column(identifier(ref_names[name]), table=identifier(ROW))
    outputs = [exp.alias_(column("id"), "id", quoted=True)]
    for name in plan.names:
        value = columns[name].copy() if name in columns else membership(name)
        outputs.append(exp.alias_(value, name, quoted=True))
    query = exp.select(*outputs).from_(current)
    for cte in ctes:
        query = query.with_(cte.alias_or_name, as_=cte.this, copy=False)
    return query, conditions.sessions


def _refusal(error: Unsupported, dialect: Dialect, name: str) -> SegrulesError:
    construct = error.args[0] if error.args else "a construct"
    span = error.span if isinstance(error.span, Span) else None
    return SegrulesError([Diagnostic(
        "SR601", f"{construct} cannot be evaluated in {dialect.name} with the same answers "
        f"as Python (segment {name!r})", span,
        hint="rewrite the condition, or evaluate this segment in Python")])


def _in_list(value: exp.Expr, ids: Iterable[str], dialect: Dialect
             ) -> exp.Expr | None:
    # PostgreSQL text cannot hold NUL: no id there is equal to one holding it.
    kept = [i for i in dict.fromkeys(ids) if "\0" not in i or dialect.name != "postgres"]
    if not kept:
        return None
    return exp.Coalesce(this=exp.In(this=value.copy(), expressions=[
        dialect.string(i) for i in kept]), expressions=[exp.false()])


def _membership(segment: n.Segment, conditions: Conditions, dialect: Dialect,
                id_text: exp.Expr, now: dt.datetime, store: object,
                listed: int | None) -> exp.Expr:
    if segment.disabled or not _in_window(segment, now):
        return exp.false()
    if segment.stores and store not in segment.stores:
        return exp.false()
    excluded = [e for e in (_in_list(id_text, segment.exclude_customers, dialect),) if e]
    included = [e for e in (_in_list(id_text, segment.include_customers, dialect),) if e]
    if listed is not None:
        excluded.append(exp.column(identifier(f"segrules_exclude_{listed}"),
                                   table=identifier(ROW)))
        included.append(exp.column(identifier(f"segrules_include_{listed}"),
                                   table=identifier(ROW)))
    rules: exp.Expr = exp.false()
    if segment.includes:
        rules = exp.or_(*(conditions.condition(block) for block in segment.includes),
                        copy=False)
        if segment.excludes:
            rules = exp.and_(exp.Paren(this=rules), exp.Not(this=exp.Paren(this=exp.or_(
                *(conditions.condition(block) for block in segment.excludes), copy=False))),
                copy=False)
    if included:
        rules = exp.or_(*included, exp.Paren(this=rules), copy=False)
    if excluded:
        rules = exp.and_(exp.Not(this=exp.Paren(this=exp.or_(*excluded, copy=False))),
                         exp.Paren(this=rules), copy=False)
    return rules


def _in_window(segment: n.Segment, now: dt.datetime) -> bool:
    from ..runtime import aware
    if segment.active_from is not None and now < aware(segment.active_from):
        return False
    return segment.active_until is None or now < aware(segment.active_until)


def _join_members(source: exp.Expr, members_table: str | exp.Expr,
                  order: Sequence[str], dialect: Dialect, id_text: exp.Expr
                  ) -> exp.Expr:
    """The customer table left-joined to one row per customer of the membership table
    (``segment``, ``customer_id``, ``kind`` = 'include' | 'exclude'), with one flag per
    segment and kind, FALSE for a customer the store does not list."""
    members = table_expression(members_table, _MEMBERS)
    flags: list[exp.Expr] = []
    outputs: list[exp.Expr] = []
    for index, name in enumerate(order, 1):
        for kind in ("include", "exclude"):
            flag = f"segrules_{kind}_{index}"
            test = exp.and_(
                exp.EQ(this=exp.column(identifier("segment")), expression=dialect.string(name)),
                exp.EQ(this=exp.column(identifier("kind")), expression=exp.Literal.string(kind)))
            flags.append(exp.alias_(exp.func("BOOL_OR", test), flag, quoted=True))
            outputs.append(exp.alias_(exp.Coalesce(
                this=exp.column(identifier(flag), table=identifier(_MEMBERS)),
                expressions=[exp.false()]), flag, quoted=True))
    key = exp.column(identifier("customer_id"))
    grouped = exp.select(exp.alias_(key, "customer_id", quoted=True), *flags).from_(
        members).where(exp.In(this=exp.column(identifier("segment")), expressions=[
            dialect.string(name) for name in order])).group_by(key.copy())
    joined = exp.select(exp.Column(this=exp.Star(), table=identifier(ROW)), *outputs).from_(
        source).join(exp.Subquery(this=grouped).as_(_MEMBERS, quoted=True), on=exp.EQ(
            this=exp.column(identifier("customer_id"), table=identifier(_MEMBERS)),
            expression=id_text.copy()), join_type="LEFT")
    return exp.Subquery(this=joined).as_(ROW, quoted=True)
