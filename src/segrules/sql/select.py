"""``select``: the public entry point, its arguments made safe, and the names checked."""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Iterable
from typing import Any

from sqlglot import exp
from sqlglot.errors import ErrorLevel

from .. import arguments, runtime
from ..errors import Diagnostic, SegrulesError
from .dialect import Dialect
from .duckdb import DuckDB
from .postgres import Postgres
from .query import build
from .spark import Spark

__all__ = ["DIALECTS", "SqlWarning", "dialect_named", "select"]

#: The dialects ``select`` accepts, by name.
DIALECTS: dict[str, type[Dialect]] = {d.name: d for d in (DuckDB, Postgres, Spark)}


class SqlWarning(UserWarning):
    """A query that gives Python's answers only for customers without session data: the
    segments read ``session.`` attributes, which a table does not have (they are missing)."""


def dialect_named(name: str) -> Dialect:
    """The dialect called ``name``; a ``SegrulesError`` (SR603) listing the others if none."""
    found = DIALECTS.get(name) if isinstance(name, str) else None
    if found is None:
        raise SegrulesError([Diagnostic(
            "SR603", f"unknown SQL dialect {name!r}",
            hint="one of " + ", ".join(sorted(DIALECTS)))])
    return found()


def select(book: Any, names: Iterable[str] | str | None = None, *, dialect: str = "duckdb",
           table: str | exp.Expr = "customers", schema: Any = None,
           now: dt.date | None = None, store: str | None = None,
           members_table: str | exp.Expr | None = None, pretty: bool = False) -> str:
    """One SQL query over ``table``: the column ``id``, then one BOOLEAN column per segment
    of ``names`` (default: every segment, in book order), named exactly after it, never NULL.

    ``now`` and ``store`` are fixed in the query (``now`` defaults to the current UTC time).
    ``schema`` gives the columns' types; without it a condition's literal says its column's
    kind. ``members_table`` names a table or view with columns ``segment``, ``customer_id``
    and ``kind`` ('include' or 'exclude'): a membership store's lists, merged with the lists
    in the text. A construct the dialect cannot evaluate with Python's answers, or a segment
    name the engine cannot hold as a column, raises ``SegrulesError``; segments that read
    ``session.`` attributes warn (``SqlWarning``): in a table they are missing.
    ``pretty`` lays the query out on several lines.
    """
    engine = dialect_named(dialect)
    chosen = list(book.names) if names is None else [names] if isinstance(names, str) \
        else list(names)
    for name in chosen:
        book[name]  # an unknown name raises UnknownSegmentError here, with "did you mean"
    chosen = list(dict.fromkeys(chosen))
    _check_names(chosen, engine)
    moment = arguments.moment(runtime.utcnow() if now is None else now)
    query, sessions = build(book, chosen, engine, table, schema, moment,
                            arguments.store(store), members_table)
    if sessions:
        warnings.warn(SqlWarning(
            f"{sessions} condition(s) read session attributes, which a table does not have: "
            "in SQL they are missing, as for a customer evaluated without session data"),
            stacklevel=2)
    if engine.substitutes_variables:
        query = query.transform(_unsubstituted)
    text = query.sql(dialect=engine.sqlglot, unsupported_level=ErrorLevel.RAISE, pretty=pretty)
    if engine.substitutes_variables and "${" in text:
        # Only a name can still hold it (literals were split above): an attribute or table.
        raise SegrulesError([Diagnostic(
            "SR601", f"a name holding `${{` cannot be used in {engine.name} SQL: {engine.name} "
            "replaces `${…}` in the query text with a variable's value before reading it",
            hint="rename the attribute or table")])
    return text


def _unsubstituted(node: exp.Expr) -> exp.Expr:
    """A string literal holding ``${`` as a CONCAT of pieces that do not: Spark replaces
    ``${name}`` anywhere in the query text, string literals included, before parsing
    (spark.sql.variable.substitute, on by default), so ``'${x}'`` would read as ``''``."""
    if not (isinstance(node, exp.Literal) and node.is_string and "${" in node.this):
        return node
    first, *rest = node.this.split("${")
    pieces = [first + "$", *(f"{{{part}$" for part in rest[:-1]), f"{{{rest[-1]}"]
    return exp.func("CONCAT", *(exp.Literal.string(piece) for piece in pieces))


def _check_names(names: list[str], engine: Dialect) -> None:
    """Each segment must be a column of its own, named exactly as the segment is."""
    problems: list[Diagnostic] = []
    seen: dict[str, str] = {_fold("id", engine): "id"}
    for name in names:
        if engine.max_name_bytes is not None and len(
                name.encode("utf-8", "surrogatepass")) > engine.max_name_bytes:
            problems.append(Diagnostic(
                "SR602", f"segment {name!r} is longer than the {engine.max_name_bytes} bytes "
                f"{engine.name} keeps of a column name: it would be truncated"))
            continue
        if engine.substitutes_variables and "${" in name:
            problems.append(Diagnostic(
                "SR602", f"segment {name!r} holds `${{`, which {engine.name} replaces with a "
                "variable's value in the query text: its column could not be named so"))
            continue
        if engine.name == "postgres" and "\0" in name:
            problems.append(Diagnostic(
                "SR602", f"segment {name!r} holds a NUL, which a {engine.name} column name "
                "cannot"))
            continue
        key = _fold(name, engine)
        other = seen.get(key)
        if other is not None:
            problems.append(Diagnostic(
                "SR602", f"segments {other!r} and {name!r} would be the same column in "
                f"{engine.name}" if other != "id" else
                f"segment {name!r} would be the same column as `id` in {engine.name}",
                hint="select them in separate queries, or rename one"))
            continue
        seen[key] = name
    if problems:
        raise SegrulesError(problems)


def _fold(name: str, engine: Dialect) -> str:
    # Both engines fold identifiers for comparison; folding more than they do only refuses
    # more, never fewer, pairs.
    return name.casefold() if engine.caseless_names else name
