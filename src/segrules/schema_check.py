"""Checking what conditions read against what the customer data holds.

Without a schema the checker can only warn about literals that look like a mistake
(``lookalikes``). With one, each attribute path is looked up and what could never be true is an
error at load instead of a silent false: an unknown path (SR205), a literal of a kind the
attribute never holds (SR308), a value its enum does not allow (SR309), an operator that cannot
apply to its type (SR310), an aggregate or time function over what it cannot take (SR311).

The rule for every check is "can never": a type that may hold the kind (a union with a string
in it, an open record, a session without a session schema, a computed attribute) is accepted.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

import attrs
from attrs import frozen

from . import nodes as n
from .attribute_types import (
    ANYTHING,
    Anything,
    List,
    Scalar,
    Type,
    Union,
    describe,
    enum_values,
    field_type,
    item_type,
    join,
    kinds,
    paths,
)
from .errors import Diagnostic
from .lookalikes import lookalike, unquoted_hint, warning
from .operators import OPERATORS, spelling
from .runtime import element_test
from .source import Span
from .text import folding

if TYPE_CHECKING:
    from .schema import Schema

__all__ = ["check_types"]

_NUMBER = frozenset(("integer", "number"))
_TEMPORAL = frozenset(("date", "datetime"))
_A_NUMBER = Scalar("number")
#: What each kind of literal can equal or be ordered against. A date literal also takes
#: strings: date operators read ISO-8601 text in the data.
_LITERAL_FITS = {
    n.String: frozenset(("string",)),
    n.Number: _NUMBER,
    n.Boolean: frozenset(("boolean",)),
    n.Date: _TEMPORAL | {"string"},
    n.DateTime: _TEMPORAL | {"string"},
}
_LITERAL_KIND = {n.String: "string", n.Number: "number", n.Boolean: "boolean", n.Date: "date",
                 n.DateTime: "datetime"}
#: Operators that apply to what another one does.
_LIKE = {"ge": "gt", "lt": "gt", "le": "gt", "between": "gt", "ends_with": "starts_with",
         "more_than_ago": "within_last", "contains_all": "contains_any"}
#: The kinds each operator applies to, for those that do not apply to every kind. Text
#: operators take dates too: a JSON date is ISO text (the language reads it either way).
_APPLIES = {
    "gt": _NUMBER | _TEMPORAL | {"string"},
    "starts_with": _TEMPORAL | {"string"},
    "matches": _TEMPORAL | {"string"},
    "within_last": _TEMPORAL | {"string"},
    "contains_any": frozenset(("string", "list")),
    "empty": frozenset(("string", "list", "record")),
}
_APPLIES_HINT = {
    "gt": "order compares numbers, text and dates",
    "starts_with": "it applies to text",
    "matches": "it applies to text",
    "within_last": "it applies to dates and datetimes",
    "contains_any": "`contains` looks inside text and lists; use `is` to compare a whole value",
    "empty": "it applies to text, lists and records",
}
#: Operators whose values are text whatever the attribute: a prefix, a suffix, a pattern.
_TEXT = frozenset(("starts_with", "ends_with", "matches"))
_NAME = re.compile(r"`[^`\n]+`|[A-Za-z_][A-Za-z0-9_]*")


def check_types(document: n.Document, schema: Schema | None = None,
                computed: Iterable[str] = ()) -> Iterator[Diagnostic]:
    """The warnings and errors about what ``document``'s conditions compare.

    ``computed`` names the book's computed attributes: known, of any type, at the top of the
    profile (not inside an aggregate's ``where``, where paths read the list's elements).
    """
    checker = _Checker(schema, frozenset(computed))
    for segment in document.segments:
        for expr in (*segment.includes, *segment.excludes):
            yield from checker.check(expr)


@frozen
class _Scope:
    """What profile-rooted paths read where a condition stands: the profile, or inside an
    aggregate's ``where`` the elements of ``items`` (the list's path as written)."""

    record: Type
    items: str | None = None


@frozen
class _Typed:
    """An operand's type and how to name it in a message (the text as written)."""

    type: Type
    name: str


class _Checker:
    def __init__(self, schema: Schema | None, computed: frozenset[str]) -> None:
        self.schema = schema
        self.computed = computed
        self.profile = _Scope(schema.profile if schema is not None else ANYTHING)

    def check(self, root: n.Expr) -> Iterator[Diagnostic]:
        # An explicit stack: `where` clauses push their conditions with the elements' scope.
        stack: list[tuple[n.Node, _Scope]] = [(root, self.profile)]
        while stack:
            node, scope = stack.pop()
            if isinstance(node, n.Compare) and self.schema is None:
                # Without a schema nothing is an error (not even `count(x) is "a"`), so a
                # book that loaded before still loads; lookalike literals are warned about.
                yield from _lookalikes(node)
                stack.extend((where, scope) for where in _wheres(node.left))
            elif isinstance(node, n.Compare):
                found: list[Diagnostic] = []
                left = self.operand(node.left, scope, found, stack)
                yield from found
                if left is not None:
                    yield from self.compare(node, left)
            elif isinstance(node, n.AllOf | n.AnyOf):
                stack.extend((item, scope) for item in reversed(node.items))
            elif isinstance(node, n.Not):
                stack.append((node.item, scope))

    # --- operands ---------------------------------------------------------------------------

    def operand(self, node: n.Operand, scope: _Scope, found: list[Diagnostic],
                stack: list[tuple[n.Node, _Scope]]) -> _Typed | None:
        """The operand's type; None (with the reason in ``found``) when it cannot be read."""
        if isinstance(node, n.Attr):
            return self.attr(node, scope, found)
        if isinstance(node, n.TimeSince):
            inner = self.operand(node.operand, scope, found, stack)
            if inner is None:
                return None
            if not _may(inner.type, _TEMPORAL | {"string"}):
                found.append(Diagnostic(
                    "SR311", f"`{node.unit}_since` counts from a date, but `{inner.name}` holds "
                    f"{_of(inner.type)}", node.span,
                    "give it a date or datetime attribute, such as a birth date",
                ))
                return None
            return _Typed(_A_NUMBER, _written(node))
        return self.aggregate(node, scope, found, stack)

    def attr(self, node: n.Attr, scope: _Scope, found: list[Diagnostic]) -> _Typed | None:
        if node.root == "session":
            session = self.schema.session if self.schema is not None else None
            scope = _Scope(ANYTHING if session is None else session)
        elif scope.items is None and node.names[0] in self.computed:
            return _Typed(ANYTHING, _path(node))
        type_: Type = scope.record
        for depth, step in enumerate(node.names):
            inner = field_type(type_, step)
            if inner is None:
                found.append(self.unknown(node, depth, type_, scope))
                return None
            type_ = inner
        return _Typed(type_, _path(node))

    def unknown(self, node: n.Attr, depth: int, parent: Type, scope: _Scope) -> Diagnostic:
        """SR205 for ``node.names[depth]``, which no value of ``parent`` has."""
        names = node.names
        root = "session." if node.root == "session" else ""
        span = _name_span(node, depth)
        where = f" in the elements of `{scope.items}`" if scope.items else ""
        if isinstance(parent, List | Scalar):
            above, name = root + ".".join(names[:depth]), names[depth]
            message = f"`{above}` holds {_of(parent)}: it has no attribute `{name}`{where}"
            if isinstance(parent, List):
                return Diagnostic(
                    "SR205", message, span, f"read the elements' `{name}` with an aggregate, "
                    f"such as max({above}.{name}) or count({above} where {name} …)",
                )
            return Diagnostic("SR205", message, span, self.suggest(
                node, scope, f"compare `{above}` itself: {_of(parent)} has no attributes"))
        return Diagnostic(
            "SR205", f"unknown attribute `{root}{'.'.join(names[: depth + 1])}`{where}", span,
            self.suggest(node, scope),
        )

    def suggest(self, node: n.Attr, scope: _Scope, otherwise: str = (
            "the schema has no such attribute: add it to the schema, or register a "
            "computed attribute")) -> str:
        known = [*paths(scope.record)]
        if scope.items is None and node.root == "profile":
            known += sorted(self.computed)
        root = "session." if node.root == "session" else ""
        close = difflib.get_close_matches(".".join(node.names), known, n=1)
        return f"did you mean {root}{close[0]}?" if close else otherwise

    def aggregate(self, node: n.Aggregate, scope: _Scope, found: list[Diagnostic],
                  stack: list[tuple[n.Node, _Scope]]) -> _Typed | None:
        items = self.attr(node.items, scope, found)
        if items is None:
            return None
        element = item_type(items.type)
        if element is None:
            found.append(Diagnostic(
                "SR311", f"`{node.func}` needs a list, but `{items.name}` holds "
                f"{_of(items.type)}", node.items.span or node.span,
                "aggregates count and add up the elements of a list, such as orders",
            ))
            return None
        if node.where is not None:
            stack.append((node.where, _Scope(element, items.name)))
        if node.func == "count":
            return _Typed(_A_NUMBER, _written(node))
        value = _Typed(element, items.name)
        if node.value_path:
            # The field read from each element; the path's span covers `orders.total`.
            field = self.attr(n.Attr(node.value_path, span=node.items.span),
                              _Scope(element, items.name), found)
            if field is None:
                return None
            value = _Typed(field.type, f"{items.name}.{'.'.join(node.value_path)}")
        wanted = _NUMBER if node.func in ("sum", "avg") else _NUMBER | _TEMPORAL | {"string"}
        if not _may(value.type, wanted):
            takes = "numbers" if node.func in ("sum", "avg") else "numbers or dates"
            found.append(Diagnostic(
                "SR311", f"`{node.func}` takes {takes}, but `{value.name}` holds "
                f"{_of(value.type)}", node.items.span or node.span,
                f"count them instead: count({items.name} where …)",
            ))
            return None
        if node.func in ("sum", "avg"):
            return _Typed(_A_NUMBER, _written(node))
        return _Typed(value.type, _written(node))

    # --- conditions -------------------------------------------------------------------------

    def compare(self, node: n.Compare, left: _Typed) -> Iterator[Diagnostic]:
        type_ = left.type
        # Element-wise operators compare any element of a list; `contains` looks into a
        # string or at a list's elements, so its values are checked against those too.
        each = _elements(type_)
        if isinstance(each, Anything):
            # Nothing known about the values: only literals that look like a mistake.
            yield from _lookalikes(node)
            return
        applies = _APPLIES.get(_LIKE.get(node.op, node.op))
        if applies is not None:
            looked_at = type_ if OPERATORS[node.op].whole_value else each
            if not _may(looked_at, applies):
                yield Diagnostic(
                    "SR310", f"`{spelling(node.op, node.negated)}` cannot apply to "
                    f"`{left.name}`, which holds {_of(type_)}", node.span,
                    _applies_hint(node.op, looked_at),
                )
                return
        if node.op in _TEXT:
            return  # the parser takes only text (or a pattern) after these
        for value in node.values:
            yield from self.literal(node, left, each, value)

    def literal(self, node: n.Compare, left: _Typed, each: Type, value: n.Value
                ) -> Iterator[Diagnostic]:
        fits = _LITERAL_FITS.get(type(value))
        if fits is None:
            return  # a pattern or a duration: their operators were checked above
        if not _may(each, fits):
            shown = _LITERAL_KIND[type(value)]
            yield Diagnostic(
                "SR308", f"`{left.name}` holds {_of(left.type)}, never the {shown} "
                f"{_shown(value)}", value.span or node.span, _meant(node, each, value),
            )
            return
        allowed = enum_values(each)
        if allowed is None or node.op not in ("eq", "in"):
            return
        # Allowed when data holding one of the enum's values would be equal to it, by the
        # very test evaluation runs (numbers as written, dates against datetimes, case).
        if any(map(element_test("eq", (value,), node.ignore_case), allowed)):
            return
        yield Diagnostic(
            "SR309", f"{_shown(value)} is not a value of `{left.name}`",
            value.span or node.span, _enum_hint(_value(value), allowed),
        )


# --- helpers ----------------------------------------------------------------------------------


def _wheres(operand: n.Operand) -> Iterator[n.Expr]:
    """The ``where`` clauses of the aggregates in ``operand``."""
    if isinstance(operand, n.TimeSince):
        yield from _wheres(operand.operand)
    elif isinstance(operand, n.Aggregate) and operand.where is not None:
        yield operand.where


def _lookalikes(compare: n.Compare) -> Iterator[Diagnostic]:
    for value in compare.values:
        found = warning(compare, value)
        if found is not None:
            code, message, hint = found
            yield Diagnostic(code, message, value.span or compare.span, hint, severity="warning")


def _of(type_: Type) -> str:
    """``type_`` in words, without "or null": a missing value is never what a check is about."""
    always_null = isinstance(type_, Union) and not type_.options
    if type_.nullable and not isinstance(type_, Anything) and not always_null:
        type_ = attrs.evolve(type_, nullable=False)
    return describe(type_)


def _path(node: n.Attr) -> str:
    """A path as the reader wrote it, without the backticks: `address.city`, `session.device`."""
    return ("session." if node.root == "session" else "") + ".".join(node.names)


def _may(type_: Type, wanted: Iterable[str]) -> bool:
    return isinstance(type_, Anything) or not kinds(type_).isdisjoint(wanted)


def _elements(type_: Type) -> Type:
    """What an element-wise operator compares: the value itself, or any element of a list."""
    if isinstance(type_, List):
        return type_.item
    if isinstance(type_, Union) and any(isinstance(o, List) for o in type_.options):
        return join(*(o.item if isinstance(o, List) else o for o in type_.options))
    return type_


def _written(node: n.Node) -> str:
    if node.span is not None:
        return node.span.text
    if isinstance(node, n.Attr):
        return ".".join(node.names)
    return type(node).__name__


def _name_span(node: n.Attr, depth: int) -> Span | None:
    """The span of the ``depth``-th name of a path, for the caret; the whole path otherwise."""
    span = node.span
    if span is None:
        return None
    found = list(_NAME.finditer(span.text))
    offset = len(found) - len(node.names)  # a written `profile.` or `session.` comes first
    if offset < 0 or depth + offset >= len(found):
        return span
    match = found[depth + offset]
    return Span.of(span.source, span.start + match.start(), span.start + match.end())


def _shown(value: n.Value) -> str:
    if value.span is not None:
        return value.span.text
    if isinstance(value, n.String):
        return f'"{value.value}"'
    if isinstance(value, n.Boolean):
        return "true" if value.value else "false"
    if isinstance(value, n.Date | n.DateTime):
        return value.value.isoformat()
    return str(getattr(value, "value", ""))


def _value(value: n.Value) -> object:
    return getattr(value, "value", None)


def _enum_hint(literal: object, allowed: Sequence[object]) -> str:
    texts = [o for o in allowed if isinstance(o, str)]
    if isinstance(literal, str) and texts:
        fold = folding(True)
        cased = [o for o in texts if fold(o) == fold(literal)]
        if cased:
            return f'did you mean "{cased[0]}"? (or add `ignoring case`)'
        close = difflib.get_close_matches(literal, texts, n=1)
        if close:
            return f'did you mean "{close[0]}"?'
    shown = ", ".join(_option(o) for o in allowed[:10])
    more = ", …" if len(allowed) > 10 else ""
    return f"the values are {shown}{more}"


def _option(value: object) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    iso = getattr(value, "isoformat", None)
    return str(iso()) if iso is not None else str(value)


#: The kinds of attribute a lookalike literal (a quoted date, "true", "18") was meant for.
_MEANT_FOR = {"date": _TEMPORAL, "datetime": _TEMPORAL, "boolean": frozenset(("boolean",)),
              "number": _NUMBER}


def _meant(node: n.Compare, each: Type, value: n.Value) -> str:
    """The hint naming the literal that was meant for an attribute of type ``each``."""
    has = kinds(each)
    found = lookalike(value)
    if found is not None and has & _MEANT_FOR[found.kind]:
        return unquoted_hint(node, found)
    if "string" in has and not isinstance(value, n.String):
        return f'write "{_shown(value)}" in quotes to compare text'
    if "boolean" in has:
        is_ = spelling("eq", node.negated)
        return f"write `{is_} true` or `{is_} false`"
    if has & _NUMBER:
        return "compare it with a number, such as 18 or 49.99"
    if has & _TEMPORAL:
        return "compare it with a date such as 2026-01-31 or a datetime such as 2026-01-31T09:00Z"
    return "compare one of its fields, or count its elements with count(…)"


def _applies_hint(op: str, each: Type) -> str:
    key = _LIKE.get(op, op)
    hint = _APPLIES_HINT[key]
    if key == "gt" and "boolean" in kinds(each):
        return "a boolean has no order: use `is true` or `is false`"
    return hint
