"""Choosing a path through the formulas: which blocks and conditions a generated customer meets.

A request (inside these segments, outside those) is a formula with polarity. Walking it, every
conjunction is taken whole and every disjunction is a choice: an include block for "inside", and
for "outside" a failing include, a holding exclude or an explicit exclusion. Negation is pushed
down to single conditions, so a negated ``all`` fails by one chosen item — by default with the
others holding, a near miss. Referenced segments are inlined with their polarity. What comes out
is a conjunction of ``Atom``\\ s, each about one attribute (or one aggregate over a list), from
which ``_domains`` builds values.

Choices come from a ``choose(n)`` callable: at draw time a drawn integer, so Hypothesis shrinks a
failure to the first block; when checking whether a request can be met at all, an exhaustive
walk. A choice that makes the atoms contradict each other is undone and the next option is
tried, in a bounded number of steps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from attrs import frozen

from .. import nodes as n
from ..runtime import aware

__all__ = ["Atom", "NoPath", "Search", "Slot", "window_holds"]

#: Where a value lives: ("profile" | "session", path), or ("record", path) inside a list element.
Slot = tuple[str, tuple[str, ...]]

ID_SLOT: Slot = ("profile", ("id",))

_FLIP_ORDER = {"gt": "le", "ge": "lt", "lt": "ge", "le": "gt"}


@frozen
class Atom:
    """One thing a value must do: ``op`` over ``values`` holds (``want``) or fails while the
    value is present (not ``want``). ``exists`` not wanted means missing. ``since`` marks a
    comparison of ``years_since``/``days_since`` of the slot; ``aggregate`` one of an aggregate
    over the list at the slot."""

    slot: Slot
    op: str
    values: tuple[n.Value, ...] = ()
    want: bool = True
    ignore_case: bool = False
    since: str | None = None
    aggregate: n.Aggregate | None = None


class NoPath(Exception):
    """No choice of blocks and conditions gives atoms that agree (within the step budget)."""


#: Whether one slot's atoms can be met together (False only when they surely cannot).
Consistent = Callable[[Slot, tuple[Atom, ...]], bool]


# A goal is ("expr", expr, polarity, scope) or ("member", name, polarity). Goals are consed
# into a linked list (head, rest) so backtracking shares tails instead of copying.
Goal = tuple[Any, ...]
Goals = tuple[Goal, Any] | None


def _push(goals: Goals, *items: Goal) -> Goals:
    for item in reversed(items):
        goals = (item, goals)
    return goals


class Search:
    """One walk over the formulas of a request, for one ``now`` and ``store``.

    ``segments`` maps names to segment nodes (references included); ``scope`` is "profile" at
    the top and "record" inside an aggregate's ``where``.
    """

    def __init__(self, segments: Mapping[str, n.Segment], *, now: dt.datetime | None,
                 store: str | None, choose: Callable[[int], int], consistent: Consistent,
                 budget: int = 400, near_miss: Callable[[], bool] | None = None) -> None:
        self.segments = segments
        self.consistent = consistent
        self.now = now
        self.store = store
        self.choose = choose
        self.budget = budget
        self.near_miss = near_miss or (lambda: True)

    def solve(self, goals: list[Goal]) -> dict[Slot, tuple[Atom, ...]]:
        """Atoms per slot meeting every goal; ``NoPath`` when none were found."""
        found = self._solve(_push(None, *goals), {})
        if found is None:
            raise NoPath
        return found

    # --- the walk ------------------------------------------------------------------------------

    def _solve(self, goals: Goals, atoms: dict[Slot, tuple[Atom, ...]]
               ) -> dict[Slot, tuple[Atom, ...]] | None:
        while goals is not None:
            self.budget -= 1
            if self.budget < 0:
                return None
            goal, goals = goals
            options = list(self._options(goal))
            if len(options) == 1:
                kind, payload = options[0]
                if kind == "goals":
                    goals = _push(goals, *payload)
                    continue
                added = self._add(atoms, payload)
                if added is None:
                    return None
                atoms = added
                continue
            if not options:
                return None
            start = self.choose(len(options)) if len(options) > 1 else 0
            for step in range(len(options)):
                kind, payload = options[(start + step) % len(options)]
                if kind == "goals":
                    found = self._solve(_push(goals, *payload), atoms)
                else:
                    added = self._add(atoms, payload)
                    found = None if added is None else self._solve(goals, added)
                if found is not None:
                    return found
                if self.budget < 0:
                    return None
            return None
        return atoms

    def _options(self, goal: Goal) -> Iterator[tuple[str, Any]]:
        """The ways to meet ``goal``: ("goals", [goal…]) or ("atoms", [atom…]) each."""
        if goal[0] == "member":
            yield from self._member(goal[1], goal[2])
            return
        _, expr, polarity, scope = goal
        if isinstance(expr, n.Everyone):
            if polarity:
                yield "goals", []
        elif isinstance(expr, n.Not):
            yield "goals", [("expr", expr.item, not polarity, scope)]
        elif isinstance(expr, n.AllOf | n.AnyOf):
            yield from self._junction(expr, polarity, scope)
        elif isinstance(expr, n.InSegment):
            if scope == "profile":
                yield "goals", [("member", expr.name, polarity)]
        elif isinstance(expr, n.Compare):
            for atoms in compare_options(expr, polarity, scope):
                yield "atoms", atoms

    def _junction(self, expr: n.AllOf | n.AnyOf, polarity: bool, scope: str
                  ) -> Iterator[tuple[str, Any]]:
        every = isinstance(expr, n.AllOf) == polarity
        items = expr.items
        if every:  # all hold (all) or all fail (any)
            yield "goals", [("expr", item, polarity, scope) for item in items]
            return
        near = isinstance(expr, n.AllOf) and self.near_miss()
        for index, item in enumerate(items):
            chosen = [("expr", item, polarity, scope)]
            if near:  # fail by exactly this item: the others hold
                chosen += [("expr", other, not polarity, scope)
                           for k, other in enumerate(items) if k != index]
            yield "goals", chosen

    def _member(self, name: str, polarity: bool) -> Iterator[tuple[str, Any]]:
        segment = self.segments[name]
        if not self._can_match(segment):
            if not polarity:
                # Outside whatever the profile: also draw profiles its rules accept, which
                # code that forgets the window, the store or `disabled` gets wrong.
                yield "goals", []
                for block in segment.includes:
                    yield "goals", [("expr", block, True, "profile"),
                                    *(("expr", ex, False, "profile") for ex in segment.excludes)]
            return
        include_ids = tuple(i for i in segment.include_customers
                            if i not in segment.exclude_customers)
        not_excluded = _id_atoms(segment.exclude_customers, False)
        not_included = _id_atoms(segment.include_customers, False)
        if polarity:
            for block in segment.includes:
                yield "goals", [*not_excluded,
                                ("expr", block, True, "profile"),
                                *(("expr", ex, False, "profile") for ex in segment.excludes)]
            if include_ids:
                yield "goals", _id_atoms(include_ids, True)
            return
        # An exclusion decides only for a customer the rules would let in: near misses.
        would = [("expr", n.AnyOf(segment.includes), True, "profile")] if segment.includes else []
        yield "goals", [*not_included,
                        *(("expr", block, False, "profile") for block in segment.includes)]
        for block in segment.excludes:
            yield "goals", [*not_included, *would, ("expr", block, True, "profile")]
        if segment.exclude_customers:
            yield "goals", [*_id_atoms(segment.exclude_customers, True), *would]

    def _add(self, atoms: dict[Slot, tuple[Atom, ...]], new: list[Atom]
             ) -> dict[Slot, tuple[Atom, ...]] | None:
        out = dict(atoms)
        for atom in new:
            merged = (*out.get(atom.slot, ()), atom)
            if not self.consistent(atom.slot, merged):
                return None
            out[atom.slot] = merged
        return out

    def _can_match(self, segment: n.Segment) -> bool:
        """Whether the header lets the segment match at all, for this request's now and store."""
        if segment.disabled:
            return False
        if segment.stores and self.store not in segment.stores:
            return False
        return window_holds(segment, self.now)


def window_holds(segment: n.Segment, now: dt.datetime | None) -> bool:
    if now is None:
        return segment.active_from is None and segment.active_until is None
    if segment.active_from is not None and now < aware(segment.active_from):
        return False
    return segment.active_until is None or now < aware(segment.active_until)


def _id_atoms(ids: tuple[str, ...], inside: bool) -> list[Goal]:
    if not ids:
        return []
    values = tuple(n.String(i) for i in ids)
    test = n.Compare(n.Attr(("id",)), "in", values)
    return [("expr", test, inside, "profile")]


# --- one condition with its polarity, as atoms -------------------------------------------------


def slot_of(attr: n.Attr, scope: str) -> Slot:
    root = "record" if scope == "record" and attr.root == "profile" else attr.root
    return root, attr.names


def compare_options(c: n.Compare, polarity: bool, scope: str) -> list[list[Atom]]:
    """The alternatives (each a conjunction of atoms) that make ``c`` take ``polarity``."""
    left = c.left
    since: str | None = None
    aggregate: n.Aggregate | None = None
    if isinstance(left, n.TimeSince):
        if not isinstance(left.operand, n.Attr):
            return []  # a time function of an aggregate: left to the guard
        since, attr = left.unit, left.operand
    elif isinstance(left, n.Aggregate):
        aggregate, attr = left, left.items
    else:
        attr = left
    slot = slot_of(attr, scope)

    def atom(op: str, values: tuple[n.Value, ...], want: bool) -> Atom:
        return Atom(slot, op, values, want, c.ignore_case, since, aggregate)

    if c.op == "exists":
        present = polarity != c.negated
        return [[atom("exists", (), present)]]
    positive = polarity != c.negated  # the positive operator must hold (else: fail, present)
    options = [[a] for a in _shapes(atom, c.op, c.values, positive)]
    if not polarity:
        never_missing = aggregate is not None and aggregate.func in ("count", "sum")
        if not never_missing:
            options.append([atom("exists", (), False)])
    return options


def _shapes(atom: Callable[[str, tuple[n.Value, ...], bool], Atom], op: str,
            values: tuple[n.Value, ...], want: bool) -> list[Atom]:
    """Single atoms without inner disjunctions: ``between`` failing is below or above, …"""
    if want:
        if op == "contains_any" and len(values) > 1:
            return [atom("contains_any", (v,), True) for v in values]
        return [atom(op, values, True)]
    if op in _FLIP_ORDER:
        return [atom(_FLIP_ORDER[op], values, True)]
    if op == "between":
        return [atom("lt", values[:1], True), atom("gt", values[1:], True)]
    if op == "contains_all" and len(values) > 1:
        return [atom("contains_any", (v,), False) for v in values]
    if op == "within_last":
        return [atom("more_than_ago", values, True)]
    if op == "more_than_ago":
        return [atom("within_last", values, True)]
    return [atom(op, values, False)]
