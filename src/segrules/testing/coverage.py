"""What a suite of segment test cases leaves untested: conditions no case made true or none
made false, blocks that never decided a membership, and listed customer ids no case used.

Each case's customer is explained against every segment of its book; the explanation tree has
the shape of the segment's AST, so walking both side by side ties every verdict to the condition
as written (with its line and column) without a second evaluator.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from attrs import define, field

from .. import nodes as n
from ..adapters import id_text
from ..book import Book
from ..explain import Explanation
from ..printer import comparison, segment_name
from .segtest import Case

__all__ = ["Coverage"]


@define
class _Seen:
    true: bool = False
    false: bool = False


@define
class _BookCoverage:
    book: Book
    segments: Path
    conditions: dict[int, _Seen] = field(factory=dict)
    decided: set[tuple[str, str, int]] = field(factory=set)
    ids: set[str] = field(factory=set)
    named: set[str] = field(factory=set)
    cases: int = 0


class Coverage:
    """Verdicts gathered over the cases of any number of files, reported per book."""

    def __init__(self) -> None:
        self._books: dict[int, _BookCoverage] = {}

    def add(self, book: Book, segments: Path, case: Case) -> None:
        seen = self._books.setdefault(id(book), _BookCoverage(book, segments))
        seen.cases += 1
        seen.named.update(case.in_, case.not_in)
        cid = case.customer_id if case.customer_id is not None else case.profile.get("id")
        text = id_text(cid) if cid is not None else None
        if text is not None:
            seen.ids.add(text)
        for name in book.names:
            tree = book.explain(name, case.profile, session=case.session,
                                customer_id=case.customer_id, store=case.store, now=case.now)
            blocks = _blocks(book[name])
            if len(tree.children) != len(blocks):
                continue  # decided before any block (disabled, store, window, explicit list)
            deciding = {"include_held": "include", "exclude_held": "exclude"}.get(tree.rule or "")
            for (kind, index, expr), block in zip(blocks, tree.children, strict=True):
                if block.matched and kind == deciding:
                    seen.decided.add((name, kind, index))
                for node, held in _leaves(block, expr, top=True):
                    verdicts = seen.conditions.setdefault(id(node), _Seen())
                    verdicts.true |= held
                    verdicts.false |= not held

    def report(self) -> Iterator[str]:
        """One line per gap, grouped under the segments path each book was loaded from."""
        for seen in self._books.values():
            gaps = list(self._gaps(seen))
            yield (f"coverage of {seen.segments} over {seen.cases} case(s): "
                   + (f"{len(gaps)} gap(s)" if gaps else "no gaps"))
            yield from (f"  {gap}" for gap in gaps)

    def _gaps(self, seen: _BookCoverage) -> Iterator[str]:
        tested = _with_references(seen.book, seen.named)
        untested = [segment_name(name) for name in seen.book.names if name not in tested]
        if untested:
            yield f"no case names or reaches: {', '.join(untested)}"
        for name in seen.book.names:
            if name not in tested:
                continue
            segment = seen.book[name]
            blocks = _blocks(segment)
            for kind, index, expr in blocks:
                if (name, kind, index) not in seen.decided and not isinstance(expr, n.Everyone):
                    yield (f"{_where(expr)}{segment_name(name)}: {kind} block {index + 1} "
                           "never decided a membership")
                for node in _conditions(expr):
                    verdicts = seen.conditions.get(id(node), _Seen())
                    missing = [label for label, hit in (("true", verdicts.true),
                                                        ("false", verdicts.false)) if not hit]
                    if missing:
                        yield (f"{_where(node)}{segment_name(name)}: `{_text(node)}` was never "
                               + " and never ".join(missing))
            for role, ids in (("include", segment.include_customers),
                              ("exclude", segment.exclude_customers)):
                for cid in ids:
                    if cid not in seen.ids:
                        yield (f"{_where(segment)}{segment_name(name)}: {role} customers "
                               f"lists {cid!r}, which no case uses")


def _blocks(segment: n.Segment) -> list[tuple[str, int, n.Expr]]:
    """The segment's blocks in explanation order: includes, then excludes."""
    return [("include", i, e) for i, e in enumerate(segment.includes)] + [
        ("exclude", i, e) for i, e in enumerate(segment.excludes)]


def _is_condition(expr: n.Expr) -> bool:
    """A single condition: a comparison, or `in segment` / `not in segment`."""
    return isinstance(expr, n.Compare | n.InSegment) or (
        isinstance(expr, n.Not) and isinstance(expr.item, n.InSegment))


def _with_references(book: Book, names: set[str]) -> set[str]:
    """``names`` and every segment they reference, directly or not: a case for a segment
    exercises the segments it reads."""
    reached = set(names)
    pending = list(names)
    while pending:
        for target in book.compiled(pending.pop()).references:
            if target.name not in reached:
                reached.add(target.name)
                pending.append(target.name)
    return reached


def _leaves(tree: Explanation, expr: n.Expr, *, top: bool = False
            ) -> Iterator[tuple[n.Expr, bool]]:
    """Each single condition under ``expr`` with whether it held, from its explanation."""
    if top and not isinstance(expr, n.AllOf | n.AnyOf | n.InSegment | n.Everyone):
        # `include where …`: the block's one child is the condition's explanation.
        if tree.children:
            yield from _leaves(tree.children[0], expr)
        return
    if _is_condition(expr):
        yield expr, tree.matched
    elif isinstance(expr, n.AllOf | n.AnyOf):
        for child, item in zip(tree.children, expr.items, strict=False):
            yield from _leaves(child, item)
    elif isinstance(expr, n.Not):
        if isinstance(expr.item, n.AnyOf):  # `none {…}`: the items are the children
            for child, item in zip(tree.children, expr.item.items, strict=False):
                yield from _leaves(child, item)
        elif tree.children:
            yield from _leaves(tree.children[0], expr.item)


def _conditions(expr: n.Expr) -> Iterator[n.Expr]:
    if _is_condition(expr):
        yield expr
    elif isinstance(expr, n.AllOf | n.AnyOf):
        for item in expr.items:
            yield from _conditions(item)
    elif isinstance(expr, n.Not):
        yield from _conditions(expr.item)


def _text(node: n.Expr) -> str:
    if isinstance(node, n.Compare):
        return comparison(node)
    if isinstance(node, n.Not):
        return f"not {_text(node.item)}"
    assert isinstance(node, n.InSegment)
    return f"in segment {segment_name(node.name)}"


def _where(node: n.Node) -> str:
    span = node.span
    if span is None:
        return ""
    return f"{span.source.name}:{span.line}:{span.column}: "
