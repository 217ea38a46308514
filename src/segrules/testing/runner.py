"""Running segment test files: each case against ``matches``, each relation by generation.

A case passes when the customer is in every segment of ``in`` and in none of ``not_in``; a
failure carries the explanation tree of each wrong answer, because "expected in vip" alone sends
the reader to ``segrules explain`` anyway. A relation is checked with the generation strategies
of ``segrules.testing``: ``subset [a, b]`` holds when no customer inside ``a`` and outside ``b``
can be generated, ``disjoint`` when no customer inside two of them can, ``nonempty`` when one
inside each can. Generation finds counterexamples; it proves nothing, and the report says so.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

from attrs import frozen

from ..errors import SegrulesError
from ..explain import show
from ..printer import segment_name
from .segtest import Case, Relation, TestFile

__all__ = ["Outcome", "check_relation", "run_case", "run_file"]

# Enough tries for the constructive strategies to reach a counterexample, few enough that a
# relation costs well under a second when none exists.
_RELATION_EXAMPLES = 300


@frozen
class Outcome:
    """What one case or relation gave: ``passed``, and for a failure a readable ``details``
    (and, for a relation, the generated counterexample ``example``: a ``Visit``)."""

    kind: str  # "case" or "relation"
    name: str
    passed: bool
    details: str = ""
    example: Any = None


def run_file(tests: TestFile) -> Iterator[Outcome]:
    """Every case, then every relation, of one file."""
    for case in tests.cases:
        yield run_case(tests, case)
    for relation in tests.relations:
        yield check_relation(tests, relation)


def run_case(tests: TestFile, case: Case) -> Outcome:
    book = tests.book
    options: dict[str, Any] = {"session": case.session, "customer_id": case.customer_id,
                               "store": case.store, "now": case.now}
    wrong: list[str] = []
    for expected, names in ((True, case.in_), (False, case.not_in)):
        for name in names:
            if book.matches(name, case.profile, **options) is not expected:
                verdict = "not a member" if expected else "a member"
                want = "in" if expected else "not in"
                tree = book.explain(name, case.profile, **options)
                wrong.append(f"expected {want} {segment_name(name)}, but {verdict}:\n"
                             + _indented(str(tree)))
    return Outcome("case", case.name, not wrong, "\n".join(wrong))


def check_relation(tests: TestFile, relation: Relation) -> Outcome:
    if relation.kind == "nonempty":
        for name in relation.names:
            found, why = _generate(tests, relation, inside=(name,), outside=())
            if found is None:
                return Outcome("relation", relation.name, False,
                               f"no member of {segment_name(name)} could be generated{why}")
        return Outcome("relation", relation.name, True)
    if relation.kind == "subset":
        small, large = relation.names
        found, _ = _generate(tests, relation, inside=(small,), outside=(large,))
        if found is not None:
            return Outcome("relation", relation.name, False,
                           f"this customer is in {segment_name(small)} but not in "
                           f"{segment_name(large)}:\n" + _indented(_visit(found)), found)
        return Outcome("relation", relation.name, True)
    for first, second in itertools.combinations(relation.names, 2):
        found, _ = _generate(tests, relation, inside=(first, second), outside=())
        if found is not None:
            return Outcome("relation", relation.name, False,
                           f"this customer is in both {segment_name(first)} and "
                           f"{segment_name(second)}:\n" + _indented(_visit(found)), found)
    return Outcome("relation", relation.name, True)


def _generate(tests: TestFile, relation: Relation, *, inside: tuple[str, ...],
              outside: tuple[str, ...]) -> tuple[Any, str]:
    """A generated visit inside and outside the given segments, or None and why none was."""
    try:
        from ._strategies import example
    except ImportError:
        raise SegrulesError("relations are checked by generating customers, which needs "
                            "Hypothesis: pip install 'segrules[testing]'") from None
    found = example(tests.book, inside=inside, outside=outside, now=relation.now,
                    store=relation.store, max_examples=_RELATION_EXAMPLES)
    return found, "" if found is not None else " (the rules, stores and window allow none)"


def _visit(visit: Any) -> str:
    lines = [f"profile: {_json(visit.profile)}"]
    for label in ("session", "customer_id", "store"):
        value = getattr(visit, label, None)
        if value is not None and value != {}:
            lines.append(f"{label}: {_json(value)}")
    return "\n".join(lines)


def _json(value: object) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return show(value)


def _indented(text: str) -> str:
    return "\n".join(f"    {line}" for line in text.splitlines())
