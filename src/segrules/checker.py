"""Checks a parsed document as a whole: names, references, cycles, regexes, ranges, lists.

The parser reports what one clause can show on its own (syntax, escapes, impossible dates);
the checker reports what needs the whole book. It returns diagnostics rather than raising, so a
load reports every problem at once; warnings (severity ``warning``) end up on ``book.warnings``.
"""

from __future__ import annotations

import difflib
import weakref
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING

from . import nodes as n
from .errors import Diagnostic
from .regex import pattern_error
from .runtime import aware
from .schema_check import check_types
from .text import folding
from .visitor import walk

if TYPE_CHECKING:
    from .schema import Schema


def check(document: n.Document, *, schema: Schema | None = None,
          computed: Iterable[str] = ()) -> list[Diagnostic]:
    """Every error and warning about ``document``, in source order per kind.

    With a ``schema``, attribute paths and what they are compared with are checked against it;
    ``computed`` names the computed attributes, which count as known (``schema_check``).
    """
    diagnostics: list[Diagnostic] = []
    by_name: dict[str, n.Segment] = {}
    for segment in document.segments:
        first = by_name.get(segment.name)
        if first is not None:
            where = f" at {first.name_span}" if first.name_span else ""
            diagnostics.append(Diagnostic(
                "SR201", f"segment `{segment.name}` is defined twice",
                segment.name_span or segment.span,
                f"it was first defined{where}; rename one of them",
            ))
            continue
        by_name[segment.name] = segment
    for segment in document.segments:
        diagnostics.extend(_check_segment(segment, by_name))
    diagnostics.extend(_cycles(by_name))
    diagnostics.extend(check_types(document, schema, computed))
    return diagnostics


def references(segment: n.Segment) -> tuple[n.InSegment, ...]:
    """The ``in segment`` references anywhere in ``segment``.

    Found once per segment object: the checker, its cycle search and the book's compile order
    all ask, and a walk of every tree is most of what asking costs.
    """
    key = id(segment)
    known = _REFERENCES.get(key)
    if known is not None and known[0]() is segment:
        return known[1]
    found = tuple(node for expr in (*segment.includes, *segment.excludes)
                  for node in walk(expr) if isinstance(node, n.InSegment))
    # The entry goes when the segment does, before its id can be given to another object.
    _REFERENCES[key] = (weakref.ref(segment, lambda _: _REFERENCES.pop(key, None)), found)
    return found


_REFERENCES: dict[int, tuple[weakref.ref[n.Segment], tuple[n.InSegment, ...]]] = {}


def _check_segment(segment: n.Segment, by_name: dict[str, n.Segment]) -> Iterator[Diagnostic]:
    for ref in references(segment):
        if ref.name not in by_name:
            close = difflib.get_close_matches(ref.name, by_name, n=1)
            yield Diagnostic(
                "SR202", f"unknown segment `{ref.name}`", ref.span,
                f"did you mean `{close[0]}`?" if close else "define it, or load the file that does",
            )
    for expr in (*segment.includes, *segment.excludes):
        for node in walk(expr):
            if isinstance(node, n.Regex):
                yield from _check_regex(node)
            elif isinstance(node, n.Compare) and node.op == "between":
                yield from _check_between(node)
    clauses = dict(segment.header_spans)
    start, end = segment.active_from, segment.active_until
    if start is not None and end is not None and aware(start) >= aware(end):
        yield Diagnostic(
            "SR304", f"segment `{segment.name}` is never active: "
            f"`active from {start.isoformat()} until {end.isoformat()}` is an empty window",
            clauses.get("active") or segment.name_span or segment.span,
            "the window is half-open [from, until), so `until` must be later than `from`",
        )
    both = sorted(set(segment.include_customers) & set(segment.exclude_customers))
    if both:
        yield Diagnostic(
            "SR401", f"segment `{segment.name}` both includes and excludes "
            + ", ".join(f'"{i}"' for i in both),
            clauses.get("exclude customers") or segment.name_span or segment.span,
            "an explicit exclusion wins, so these customers are excluded", severity="warning",
        )


def _check_regex(node: n.Regex) -> Iterator[Diagnostic]:
    reason = pattern_error(node.pattern)
    if reason is not None:
        yield Diagnostic(
            "SR302", f"invalid regular expression: {reason}", node.span,
            "patterns use RE2 syntax (no backreferences or lookaround)",
        )


def _check_between(node: n.Compare) -> Iterator[Diagnostic]:
    low, high = node.values
    low_key, high_key = _ordering_key(low, node.ignore_case), _ordering_key(high, node.ignore_case)
    if low_key is None or high_key is None or type(low_key) is not type(high_key):
        return
    if low_key > high_key:  # type: ignore[operator]
        yield Diagnostic(
            "SR303", "`between` has its low bound above its high bound, so it never holds",
            node.span, "write the smaller value first: `is between LOW and HIGH`",
        )


def _ordering_key(value: n.Value, ignore_case: bool) -> object | None:
    if isinstance(value, n.Number):
        # As Decimal, so an integer bound and a decimal bound compare (`between 1.5 and 1`).
        return Decimal(value.value)
    if isinstance(value, n.String):
        # In the form the comparison orders strings: NFC, caseless with `ignoring case`.
        return folding(ignore_case)(value.value)
    if isinstance(value, n.Date | n.DateTime):
        return aware(value.value)
    return None


def _cycles(by_name: dict[str, n.Segment]) -> Iterator[Diagnostic]:
    """Each reference cycle once, named in full: ``a -> b -> a``.

    Iterative depth-first search, so a long chain of references cannot exhaust the stack.
    """
    edges = {
        name: [ref for ref in references(seg) if ref.name in by_name]
        for name, seg in by_name.items()
    }
    done: set[str] = set()
    for root in by_name:
        if root in done:
            continue
        path: list[str] = [root]
        on_path = {root}
        stack = [iter(edges[root])]
        while stack:
            ref = next(stack[-1], None)
            if ref is None:
                stack.pop()
                name = path.pop()
                on_path.discard(name)
                done.add(name)
                continue
            if ref.name in on_path:
                cycle = [*path[path.index(ref.name) :], ref.name]
                yield Diagnostic(
                    "SR203", "segment reference cycle: " + " -> ".join(cycle), ref.span,
                    "a segment cannot depend on itself; remove one of these references",
                )
            elif ref.name not in done:
                path.append(ref.name)
                on_path.add(ref.name)
                stack.append(iter(edges[ref.name]))
