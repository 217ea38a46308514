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
import itertools
import math
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from attrs import field, frozen

from . import adapters, arguments, numeric, printer, runtime
from . import nodes as n
from .lists import is_list, is_missing
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
    value: object = field(repr=lambda value: show(value))


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
    # A chain of references makes a tree thousands of levels deep: repr stays one level.
    children: tuple[Explanation, ...] = field(
        converter=_tuple, default=(), repr=lambda children: f"<{len(children)} children>")

    def __str__(self) -> str:
        return "\n".join(_lines(self))

    def to_dict(self) -> dict[str, Any]:
        """The tree as JSON-ready data: values seen become JSON values (dates as ISO text).

        Each segment is given in full once. A segment met again (referenced from several
        places), or referenced more than 40 levels down, is a stub with ``"repeated": true``
        and no children; the root's ``"continued"`` lists the full form of the deep ones, so
        a chain of thousands of references stays within what ``json.dumps`` can nest.
        """
        expanded: set[int] = {id(self)}
        roots = [self]
        built = [_data(root, expanded, roots) for root in roots]  # `roots` grows meanwhile
        return {**built[0], "continued": built[1:]}


_NESTING_LIMIT = 40


def _data(root: Explanation, expanded: set[int], roots: list[Explanation]) -> dict[str, Any]:
    """``root`` as data, with stubs for segments given elsewhere (see ``to_dict``)."""
    top: dict[str, Any] = {}
    stack: list[tuple[Explanation, list[dict[str, Any]] | None, int]] = [(root, None, 0)]
    while stack:  # a loop, not recursion: a chain of references may be 5,000 deep
        node, siblings, depth = stack.pop()
        stub = False
        if depth > 0 and node.kind == "segment" and node.children:
            if id(node) in expanded:
                stub = True
            else:
                expanded.add(id(node))
                if depth >= _NESTING_LIMIT:
                    stub = True
                    roots.append(node)
        children: list[dict[str, Any]] = []
        data = {
            "kind": node.kind,
            "text": node.text,
            "matched": node.matched,
            "reason": node.reason,
            "rule": node.rule,
            "repeated": stub,
            "seen": [{"text": s.text, "value": _json(s.value), "shown": show(s.value)}
                     for s in node.seen],
            "children": children,
        }
        if siblings is None:
            top = data
        else:
            siblings.append(data)
        if not stub:
            stack.extend((child, children, depth + 1) for child in reversed(node.children))
    return top


def explain(book: Book, name: str, profile: object, *, session: object = None,
            customer_id: object = None, store: str | None = None,
            now: dt.date | None = None, members: Any = None) -> Explanation:
    """Why the customer is or is not in segment ``name``: the same arguments as
    ``Book.matches``, and ``matched`` is always its answer. Raises ``UnknownSegmentError`` for a
    name the book does not have, and nothing on odd data.
    """
    if now is None:
        moment = runtime.utcnow()
    else:
        try:
            moment = arguments.moment(now)
        except arguments.UnusableMoment as error:
            book[name]  # an unknown name is still an error
            return Explanation("segment", name, False, f"the evaluation failed: {error}",
                               "evaluation_error")
    walker = _Walker(book, profile, session, customer_id, store, moment, members)
    return walker.segment(name)


# --- the walk ---------------------------------------------------------------------------------


class _Walker:
    """One evaluation: the customer, the moment, and the explanations of segments seen so far."""

    def __init__(self, book: Book, profile: object, session: object, customer_id: object,
                 store: object, now: dt.datetime, members: Any) -> None:
        self.book = book
        self.profile = profile
        self.session = session
        self.shown_store = store
        self.store = arguments.store(store)
        self.now = now
        self.members = members
        # Explain's own counter: explaining must not change the book's evaluation_errors.
        self.errors = runtime.ErrorCounter()
        self.cid = arguments.customer_id(customer_id, profile, self.errors)
        # The compiled code reads a dict profile's id unguarded (see `_gate`).
        self.id_fails = customer_id is None and type(profile) is dict and _fails(profile)
        self.memo: dict[str, Explanation] = {}
        # The evaluation memo the compiled code would have: the answers of the segments
        # explained so far, and each computed attribute, computed once per explanation.
        self.values: dict[Any, Any] = {}
        # Predicates by node identity: a `where` runs its conditions once per list element.
        self.checks: dict[int, runtime.Predicate] = {}

    def segment(self, name: str) -> Explanation:
        found = self.memo.get(name)
        if found is None:
            for below in self._unexplained(name):
                explained = self.memo[below] = self._explained(self.book[below])
                self.values[below] = explained.matched
            found = self.memo[name]
        return found

    def _unexplained(self, root: str) -> list[str]:
        """``root`` and the segments below it not explained yet, each after those it references.

        A loop with an explicit stack, as the compiled code does (``runtime.settle``), so that
        explaining a chain of thousands of references never nests Python calls.
        """
        order: list[str] = []
        stack = [(root, self._references(root))]
        queued = {root}
        while stack:
            name, pending = stack[-1]
            for below in pending:
                if below not in self.memo and below not in queued:
                    queued.add(below)
                    stack.append((below, self._references(below)))
                    break
            else:
                stack.pop()
                order.append(name)
        return order

    def _references(self, name: str) -> Iterator[str]:
        return (target.name for target in self.book.compiled(name).references)

    def _explained(self, seg: n.Segment) -> Explanation:
        try:
            return self._segment(seg)
        except Exception as error:
            # Only a read the compiled code makes unguarded gets here: a key of a dict profile
            # that fails to compare with the name read. Whether the compiled code met it
            # depends on its short-circuits, so its own answer decides, as in `matches`.
            return Explanation("segment", seg.name, self._compiled(seg.name),
                               f"reading the profile failed ({type(error).__name__}); the "
                               "answer is the compiled rules' own", "evaluation_error")

    def _compiled(self, name: str) -> bool:
        function = self.book.compiled(name).function
        try:
            return bool(function(self.profile, self.session, self.cid, self.store, self.now,
                                 self.members, self.values))
        except Exception:
            return False

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
                f"store {show(self.shown_store)} is not one of its stores {listed}")
        start, until = seg.active_from, seg.active_until
        if (start is not None and self.now < runtime.aware(start)) or (
            until is not None and self.now >= runtime.aware(until)
        ):
            window = " ".join(([f"from {show(start)}"] if start else [])
                              + ([f"until {show(until)}"] if until else []))
            return False, "outside_window", (
                f"outside its active window {window} (now is {show(self.now)})")
        if self.id_fails and self.members is None and (
                seg.include_customers or seg.exclude_customers):
            raise LookupError("the profile's id cannot be read")
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
        if computed is None and len(node.names) == 1 and type(row) is dict:
            # The compiled code's fast path reads a dict unguarded; so does this (`_explained`).
            found = row.get(node.names[0])
            return None if is_missing(found) else found
        read = adapters.reader(node.names, self.errors, computed)
        return read(row, self.now, self.values) if computed is not None else read(row)


def _fails(profile: dict[Any, Any]) -> bool:
    """Whether reading the dict's ``id`` raises (a key that fails to compare with "id")."""
    try:
        profile.get("id")
    except Exception:
        return True
    return False


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
    """A value as a marketer reads it: literals as the language writes them, None as missing.

    Never raises: profile data may hold cyclic or deeply nested containers, ints too long for
    ``str()``, datetimes whose time zone fails, mappings whose ``items()`` raises, objects with
    a hostile ``__repr__``; each is shown as far as it safely can be.
    """
    try:
        return _show(value, _SHOWN_DEPTH)
    except Exception:
        return _opaque(value)


_SHOWN_DEPTH = 3  # containers nested deeper (or cyclic) are shown as […] / {…}


def _show(value: object, depth: int) -> str:
    if is_missing(value):  # a one-shot iterator too: never consumed to be shown
        return "missing"
    if (flag := numeric.boolean(value)) is not None:
        return "true" if flag else "false"
    if isinstance(value, str):
        return printer.string(str.__str__(value))
    if isinstance(value, int):
        return _integer(value)
    if isinstance(value, float):
        return float.__repr__(value)
    if isinstance(value, Decimal):
        return Decimal.__str__(value)
    if isinstance(value, Fraction):
        return Fraction.__str__(value)
    if (number := numeric.plain(value)) is not None:
        # NumPy and other real numbers, as the int, float or Decimal they count as.
        return _show(number, depth)
    if isinstance(value, dt.date | dt.time):
        return _moment(value)
    if is_list(value):
        if depth == 0:
            return "[…]"
        items = list(itertools.islice(value, _SHOWN_ITEMS))
        shown = (_show_safely(item, depth - 1) for item in items)
        return "[" + _some(shown) + _more(len(value)) + "]"
    if isinstance(value, Mapping):
        if depth == 0:
            return "{…}"
        pairs: list[tuple[object, object]] = []
        for key, item in value.items():
            if len(pairs) == _SHOWN_ITEMS + 1:
                break
            pairs.append((key, item))
        shown = (f"{_key(key)}: {_show_safely(item, depth - 1)}"
                 for key, item in pairs[:_SHOWN_ITEMS])
        return "{" + _some(shown) + _more(len(value)) + "}"
    return _opaque(value)


def _show_safely(value: object, depth: int) -> str:
    try:
        return _show(value, depth)
    except Exception:
        return _opaque(value)


def _integer(value: int) -> str:
    try:
        return int.__repr__(value)
    except ValueError:  # beyond Python's int-to-text conversion limit
        return f"<int of {len(hex(value)) - 2} hex digits>"


def _moment(value: dt.date | dt.time) -> str:
    try:
        return value.isoformat()
    except Exception:
        # Its time zone failed (raised, or gave an offset of a day or more): the wall time.
        naive = value.replace(tzinfo=None) if isinstance(value, dt.datetime | dt.time) else value
        return f"{naive.isoformat()} (invalid time zone)"


def _key(key: object) -> str:
    return str.__str__(key) if isinstance(key, str) else _show_safely(key, 0)


def _opaque(value: object) -> str:
    try:
        return f"<{type(value).__name__}>"
    except Exception:
        return "<value>"


def _some(parts: Iterator[str]) -> str:
    return ", ".join(parts)


def _more(count: int) -> str:
    extra = count - _SHOWN_ITEMS
    return f", … {extra} more" if extra > 0 else ""


def _json(value: object) -> object:
    """A value as JSON data: scalars as they are, dates as ISO text, other objects as shown.

    Only exact ``bool``, ``int``, ``float`` and ``str`` come out (``json.dumps`` then cannot
    meet a subclass's methods), and nesting stops where ``show`` stops.
    """
    try:
        return _to_json(value, _SHOWN_DEPTH)
    except Exception:
        return show(value)


def _to_json(value: object, depth: int) -> object:
    if is_missing(value):
        return None
    if (flag := numeric.boolean(value)) is not None:
        return flag
    if isinstance(value, int):
        text = _integer(value)
        return int.__pos__(value) if text[0] != "<" else text
    if isinstance(value, float):
        return float.__pos__(value) if math.isfinite(value) else show(value)
    if isinstance(value, str):
        return str.__str__(value)
    number = numeric.plain(value)
    if type(number) is int or type(number) is float:
        return _to_json(number, depth)  # NumPy numbers as JSON numbers
    if is_list(value) and depth > 0:
        return [_json_safely(item, depth - 1) for item in value]
    if isinstance(value, Mapping) and depth > 0:
        return {_key(key): _json_safely(item, depth - 1) for key, item in value.items()}
    return show(value)


def _json_safely(value: object, depth: int) -> object:
    try:
        return _to_json(value, depth)
    except Exception:
        return show(value)


# --- rendering --------------------------------------------------------------------------------

_INDENT_LIMIT = 40  # deeper levels keep this indentation and say their depth instead


def _lines(root: Explanation) -> Iterator[str]:
    """The indented lines of the tree; the values seen of sibling conditions are aligned.

    A loop, not recursion: a chain of references may be thousands of levels deep. A segment
    referenced from several places is explained in full once, then named as explained above.
    """
    expanded: set[int] = set()
    stack: list[tuple[Explanation, int, int]] = [(root, 0, 0)]
    while stack:
        node, depth, width = stack.pop()
        pad = "  " * min(depth, _INDENT_LIMIT)
        if depth > _INDENT_LIMIT:
            pad += f"[depth {depth}] "
        repeated = _repeated(node, expanded)
        if node.kind == "segment":
            verdict = "member" if node.matched else "not a member"
            above = " (explained above)" if repeated else ""
            yield f"{pad}{printer.segment_name(node.text)}: {verdict} — {node.reason}{above}"
        elif node.kind == "condition":
            label = _label(node)
            if node.seen:
                values = ", ".join(f"{s.text} = {show(s.value)}" for s in node.seen)
                yield f"{pad}{label.ljust(width)}  ({values})"
            else:
                yield f"{pad}{label}"
        else:
            yield f"{pad}{node.text}: {'true' if node.matched else 'false'}"
        if repeated:
            continue
        widths = [len(_label(c)) for c in node.children if c.kind == "condition" and c.seen]
        inner = min(max(widths, default=0), _ALIGN_LIMIT)
        stack.extend((child, depth + 1, inner) for child in reversed(node.children))


def _repeated(node: Explanation, expanded: set[int]) -> bool:
    """Whether ``node`` is a segment already given in full (its subtree would repeat)."""
    if node.kind != "segment" or not node.children:
        return False
    if id(node) in expanded:
        return True
    expanded.add(id(node))
    return False


def _label(node: Explanation) -> str:
    return f"{'✓' if node.matched else '✗'} {node.text}"
