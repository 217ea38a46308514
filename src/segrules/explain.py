"""Why a customer is or is not in a segment: a reference evaluator that walks the AST.

The compiled functions answer "is this shopper in?" as fast as possible and cannot say why.
``explain`` answers the same question again by walking the segment's tree and records each step:
the membership rule that decided (docs/membership.md), every include and exclude block with its
truth value, each condition with the values it read, and each ``in segment X`` expanded into X's
own explanation. It shares the compiled code's meaning by construction rather than by care: every
operator, aggregate, time function and attribute read is built by the same ``runtime`` and
``adapters`` functions the code generator binds, so a test can use it as the oracle for the
generated code (``matched`` equals ``Book.matches`` for every input).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from attrs import field, frozen

from . import adapters, printer, runtime
from . import nodes as n
from .operators import OPERATORS

if TYPE_CHECKING:
    from .book import Book

__all__ = ["Explanation", "Seen", "explain"]

_ALIGN_LIMIT = 56  # conditions longer than this do not push their siblings' values right
_SHOWN_ITEMS = 5  # a list or mapping shows this many entries, then how many more


def _tuple(items: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(items)


@frozen
class Seen:
    """One value the evaluation read: the operand as written (``age``,
    ``sum(orders.total)``, ``years_since(birth_date)``) and what it evaluated to (None: missing).
    """

    text: str
    value: object


@frozen
class Explanation:
    """One node of an explanation tree: a segment, an include/exclude block, or a condition.

    ``kind`` is ``segment``, ``include``, ``exclude`` or ``condition``; ``text`` the segment
    name, the block or the condition in canonical text; ``matched`` the membership, or whether
    the block or condition held. A segment node says which membership rule decided in
    ``rule`` (a stable code) and ``reason`` (a sentence); a condition lists the values it read
    in ``seen``. ``children`` are the blocks of a segment, the conditions of a block, the items
    of ``all``/``any``/``none``/``not``, and the referenced segment of ``in segment``.
    """

    kind: str
    text: str
    matched: bool
    reason: str = ""
    rule: str | None = None
    seen: tuple[Seen, ...] = field(converter=_tuple, default=())
    children: tuple[Explanation, ...] = field(converter=_tuple, default=())

    def __str__(self) -> str:
        return "\n".join(_lines(self, 0, 0))

    def to_dict(self) -> dict[str, Any]:
        """The tree as JSON-ready data: values seen become JSON values (dates as ISO text)."""
        return {
            "kind": self.kind,
            "text": self.text,
            "matched": self.matched,
            "reason": self.reason,
            "rule": self.rule,
            "seen": [{"text": s.text, "value": _json(s.value), "shown": show(s.value)}
                     for s in self.seen],
            "children": [child.to_dict() for child in self.children],
        }


def explain(book: Book, name: str, profile: object, *, session: object = None,
            customer_id: object = None, store: str | None = None,
            now: dt.date | None = None, members: Any = None) -> Explanation:
    """Why the customer is or is not in segment ``name``: the same arguments as
    ``Book.matches``, and ``matched`` is always its answer. Raises ``UnknownSegmentError`` for a
    name the book does not have, and nothing on odd data.
    """
    if now is not None and not isinstance(now, dt.date):
        raise TypeError(f"now must be a datetime or date, not {type(now).__name__}")
    moment = runtime.utcnow() if now is None else runtime.aware(now)
    walker = _Walker(book, profile, session, customer_id, store, moment, members)
    return walker.segment(name)


# --- the walk ---------------------------------------------------------------------------------


class _Walker:
    """One evaluation: the customer, the moment, and the explanations of segments seen so far."""

    def __init__(self, book: Book, profile: object, session: object, customer_id: object,
                 store: str | None, now: dt.datetime, members: Any) -> None:
        self.book = book
        self.profile = profile
        self.session = session
        self.store = store
        self.now = now
        self.members = members
        # Explain's own counter: explaining must not change the book's evaluation_errors.
        self.errors = runtime.ErrorCounter()
        self.cid = (str(customer_id) if customer_id is not None
                    else adapters.customer_id(profile, self.errors))
        self.memo: dict[str, Explanation] = {}
        # Predicates by node identity: a `where` runs its conditions once per list element.
        self.checks: dict[int, runtime.Predicate] = {}

    def segment(self, name: str) -> Explanation:
        found = self.memo.get(name)
        if found is None:
            found = self.memo[name] = self._segment(self.book[name])
        return found

    def _segment(self, seg: n.Segment) -> Explanation:
        decided = self._gate(seg)
        if decided is not None:
            matched, rule, reason = decided
            return Explanation("segment", seg.name, matched, reason, rule)
        if not seg.includes:
            # No include block: members come only from the explicit lists (docs/membership.md).
            return Explanation("segment", seg.name, False,
                               "no include block, and the customer is not explicitly included",
                               "no_include_block")
        includes = [self._block("include", expr) for expr in seg.includes]
        excludes = [self._block("exclude", expr) for expr in seg.excludes]
        included, excluded = _held(includes), _held(excludes)
        if not included:
            matched, rule, reason = False, "no_include_held", "no include block held"
        elif excluded:
            matched, rule = False, "exclude_held"
            reason = f"{_blocks('include', included)} held, but {_blocks('exclude', excluded)} held"
        else:
            matched, rule = True, "include_held"
            reason = f"{_blocks('include', included)} held, no exclude block held"
        return Explanation("segment", seg.name, matched, reason, rule,
                           children=(*includes, *excludes))

    def _gate(self, seg: n.Segment) -> tuple[bool, str, str] | None:
        """The rules decided before any block, in the compiled code's order, or None."""
        if seg.disabled:
            return False, "disabled", "the segment is disabled"
        if seg.stores and self.store not in seg.stores:
            listed = ", ".join(map(printer.string, seg.stores))
            if self.store is None:
                return False, "no_store", f"no store given; it matches only in stores {listed}"
            return False, "store_not_listed", (
                f"store {show(self.store)} is not one of its stores {listed}")
        start, until = seg.active_from, seg.active_until
        if (start is not None and self.now < runtime.aware(start)) or (
            until is not None and self.now >= runtime.aware(until)
        ):
            window = " ".join(([f"from {show(start)}"] if start else [])
                              + ([f"until {show(until)}"] if until else []))
            return False, "outside_window", (
                f"outside its active window {window} (now is {show(self.now)})")
        who = f"customer {show(self.cid)}"
        included = False
        if self.members is not None:
            included, excluded = runtime.explicit(self.members, seg.name, self.cid, self.errors)
            if excluded:
                return False, "excluded_by_membership", (
                    f"{who} is explicitly excluded by the membership store")
        # An explicit exclusion from either source beats an inclusion from either.
        if self.cid in seg.exclude_customers:
            return False, "excluded_by_list", f"{who} is explicitly excluded (exclude customers)"
        if included:
            return True, "included_by_membership", (
                f"{who} is explicitly included by the membership store")
        if self.cid in seg.include_customers:
            return True, "included_by_list", f"{who} is explicitly included (include customers)"
        return None

    def _block(self, kind: str, expr: n.Expr) -> Explanation:
        if isinstance(expr, n.AllOf | n.AnyOf):
            inner = self.expr(expr, self.profile, False)
            return Explanation(kind, f"{kind} {_kind(expr)} {{…}}", inner.matched,
                               children=inner.children)
        if isinstance(expr, n.InSegment):
            target = self.segment(expr.name)
            return Explanation(kind, f"{kind} segment {printer.segment_name(expr.name)}",
                               target.matched, children=(target,))
        if isinstance(expr, n.Everyone):
            return Explanation(kind, f"{kind} everyone", True)
        inner = self.expr(expr, self.profile, False)
        return Explanation(kind, f"{kind} where …", inner.matched, children=(inner,))

    def expr(self, node: n.Expr, row: object, element: bool) -> Explanation:
        """A condition over ``row`` (the profile, or a list element inside ``where``)."""
        if isinstance(node, n.Compare):
            return self.compare(node, row, element)
        if isinstance(node, n.AllOf | n.AnyOf):
            items = [self.expr(item, row, element) for item in node.items]
            combine = all if isinstance(node, n.AllOf) else any
            return _condition(f"{_kind(node)} {{…}}", combine(i.matched for i in items), items)
        if isinstance(node, n.Not):
            if isinstance(node.item, n.InSegment):
                target = self.segment(node.item.name)
                text = f"not in segment {printer.segment_name(node.item.name)}"
                return _condition(text, not target.matched, (target,))
            inner = self.expr(node.item, row, element)
            if isinstance(node.item, n.AnyOf):
                return _condition("none {…}", not inner.matched, inner.children)
            return _condition("not (…)", not inner.matched, (inner,))
        if isinstance(node, n.InSegment):
            target = self.segment(node.name)
            return _condition(f"in segment {printer.segment_name(node.name)}", target.matched,
                              (target,))
        return _condition("everyone", True, ())

    def compare(self, node: n.Compare, row: object, element: bool) -> Explanation:
        value, seen = self.operand(node.left, row, element)
        check = self.checks.get(id(node))
        if check is None:
            check = self.checks[id(node)] = runtime.predicate(
                node.op, node.values, negated=node.negated, ignore_case=node.ignore_case,
                errors=self.errors)
        duration = OPERATORS[node.op].arity == "duration"
        held = check(value, self.now) if duration else check(value)
        return Explanation("condition", printer.comparison(node), held, seen=seen)

    def operand(self, node: n.Operand, row: object, element: bool
                ) -> tuple[object, tuple[Seen, ...]]:
        """The operand's value and what was read to get it, outermost first."""
        if isinstance(node, n.Attr):
            value = self.read(node, row, element)
            return value, (Seen(printer.operand(node), value),)
        if isinstance(node, n.Aggregate):
            read = adapters.reader(node.value_path, self.errors) if node.value_path else None
            run = runtime.aggregate(node.func, read, self.errors)
            where = node.where
            test = None if where is None else (
                lambda item: self.expr(where, item, True).matched)
            result = run(self.read(node.items, row, element), test)
            return result, (Seen(_aggregate_text(node), result),)
        inner, seen = self.operand(node.operand, row, element)
        result = runtime.time_since(node.unit, self.errors)(inner, self.now)
        return result, (Seen(printer.operand(node), result), *seen)

    def read(self, node: n.Attr, row: object, element: bool) -> object:
        if node.root == "session":
            return adapters.reader(node.names, self.errors)(self.session)
        # Computed attributes describe the customer, so they apply outside `where` only.
        computed = None if element else self.book.attributes.get(node.names[0])
        read = adapters.reader(node.names, self.errors, computed)
        return read(row, self.now) if computed is not None else read(row)


def _condition(text: str, held: bool, children: Any) -> Explanation:
    return Explanation("condition", text, held, children=children)


def _kind(node: n.AllOf | n.AnyOf) -> str:
    return "all" if isinstance(node, n.AllOf) else "any"


def _aggregate_text(node: n.Aggregate) -> str:
    # The condition's own text already spells out `where`; the value seen only names it.
    path = ".".join([printer.operand(node.items), *map(printer.attribute_name, node.value_path)])
    return f"{node.func}({path}{' where …' if node.where is not None else ''})"


def _held(blocks: list[Explanation]) -> list[int]:
    return [number for number, block in enumerate(blocks, 1) if block.matched]


def _blocks(kind: str, numbers: list[int]) -> str:
    if len(numbers) == 1:
        return f"{kind} block {numbers[0]}"
    return f"{kind} blocks {', '.join(map(str, numbers))}"


# --- showing values ---------------------------------------------------------------------------


def show(value: object) -> str:
    """A value as a marketer reads it: literals as the language writes them, None as missing."""
    if value is None or callable(value):
        return "missing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return printer.string(value)
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, runtime.LISTS):
        items = list(value)
        return "[" + _some(show(item) for item in items[:_SHOWN_ITEMS]) + _more(items) + "]"
    if isinstance(value, Mapping):
        pairs = list(value.items())[:_SHOWN_ITEMS]
        return "{" + _some(f"{k}: {show(v)}" for k, v in pairs) + _more(value) + "}"
    return f"<{type(value).__name__}>"


def _some(parts: Iterator[str]) -> str:
    return ", ".join(parts)


def _more(items: Any) -> str:
    extra = len(items) - _SHOWN_ITEMS
    return f", … {extra} more" if extra > 0 else ""


def _json(value: object) -> object:
    """A value as JSON data: scalars as they are, dates as ISO text, other objects as shown."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else show(value)
    if isinstance(value, runtime.LISTS):
        return [_json(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): _json(item) for key, item in value.items()}
    return show(value)


# --- rendering --------------------------------------------------------------------------------


def _lines(node: Explanation, depth: int, width: int) -> Iterator[str]:
    """The indented lines of ``node``; ``width`` aligns the values seen of sibling conditions."""
    pad = "  " * depth
    if node.kind == "segment":
        verdict = "member" if node.matched else "not a member"
        yield f"{pad}{printer.segment_name(node.text)}: {verdict} — {node.reason}"
    elif node.kind == "condition":
        label = _label(node)
        if node.seen:
            values = ", ".join(f"{s.text} = {show(s.value)}" for s in node.seen)
            yield f"{pad}{label.ljust(width)}  ({values})"
        else:
            yield f"{pad}{label}"
    else:
        yield f"{pad}{node.text}: {'true' if node.matched else 'false'}"
    widths = [len(_label(c)) for c in node.children if c.kind == "condition" and c.seen]
    inner = min(max(widths, default=0), _ALIGN_LIMIT)
    for child in node.children:
        yield from _lines(child, depth + 1, inner)


def _label(node: Explanation) -> str:
    return f"{'✓' if node.matched else '✗'} {node.text}"
