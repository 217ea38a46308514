"""`in segment` chains of any length: every API gives the same answer whatever the depth of the
reference chain and whatever the depth of the caller's own stack."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from typing import Any

import pytest

from segrules import Target
from segrules.book import Book
from segrules.checker import check
from segrules.loader import loads

NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)
LENGTH = 5000


def chain(length: int, last: str = "include where age >= 18") -> str:
    """``s0`` includes ``s1`` includes … ``s{length}``, which decides."""
    lines = [f"segment s{i} {{ include segment s{i + 1} }}" for i in range(length)]
    return "\n".join([*lines, f"segment s{length} {{ {last} }}"])


@pytest.fixture(scope="module")
def long_chain() -> Book:
    return loads(chain(LENGTH))


def from_deep_stack(call: Callable[[], Any], depth: int = 900) -> Any:
    """``call()`` made from a recursion ``depth`` frames below the current one."""
    def dive(left: int) -> Any:
        return call() if left == 0 else dive(left - 1)
    assert sys.getrecursionlimit() >= 1000
    return dive(depth)


def every_answer(book: Book, profile: dict[str, Any], name: str = "s0") -> dict[str, Any]:
    kwargs: dict[str, Any] = {"now": NOW}
    return {
        "matches": book.matches(name, profile, **kwargs),
        "segments_for": name in book.segments_for(profile, **kwargs),
        "membership": book.membership(profile, **kwargs)(name),
        "target": Target("any", [name]).matches(book, profile, **kwargs),
        "explain": book.explain(name, profile, **kwargs).matched,
    }


@pytest.mark.parametrize(("profile", "expected"), [({"age": 30}, True), ({"age": 3}, False)])
def test_a_chain_of_5000_references_gives_every_api_the_same_answer(
        long_chain: Book, profile: dict[str, Any], expected: bool) -> None:
    before = long_chain.evaluation_errors
    assert every_answer(long_chain, profile) == dict.fromkeys(
        ["matches", "segments_for", "membership", "target", "explain"], expected)
    assert long_chain.evaluation_errors == before


@pytest.mark.parametrize(("profile", "expected"), [({"age": 30}, True), ({"age": 3}, False)])
def test_a_long_chain_from_a_caller_900_frames_deep(
        long_chain: Book, profile: dict[str, Any], expected: bool) -> None:
    answers = from_deep_stack(lambda: every_answer(long_chain, profile))
    assert set(answers.values()) == {expected}
    # The middle of the chain, asked first, from deep down, too.
    middle = from_deep_stack(lambda: every_answer(long_chain, profile, f"s{LENGTH // 2}"))
    assert set(middle.values()) == {expected}


def test_a_short_chain_from_a_caller_900_frames_deep() -> None:
    book = loads(chain(60))
    answers = from_deep_stack(lambda: every_answer(book, {"age": 30}))
    assert set(answers.values()) == {True}


def test_the_explanation_of_a_long_chain_renders(long_chain: Book) -> None:
    found = from_deep_stack(lambda: long_chain.explain("s0", {"age": 30}, now=NOW))
    text = from_deep_stack(lambda: str(found))
    assert text.startswith("s0: member")
    assert "s5000: member" in text
    data = from_deep_stack(found.to_dict)
    assert data["matched"] is True
    parts = [data, *data["continued"]]
    assert json.loads(json.dumps(parts)) == parts
    segments = []
    for part in parts:  # every segment is given in full once, across the parts
        stack = [part]
        while stack:
            node = stack.pop()
            if node["kind"] == "segment" and not node["repeated"]:
                segments.append(node["text"])
            stack.extend(node["children"])
    assert sorted(segments) == sorted(f"s{i}" for i in range(LENGTH + 1))
    last = parts[-1]["children"][0]["children"][0]
    assert last["seen"][0]["value"] == 30


def test_a_chain_of_negations_alternates() -> None:
    lines = [f"segment s{i} {{ include where not in segment s{i + 1} }}" for i in range(1001)]
    book = loads("\n".join([*lines, "segment s1001 { include where age >= 18 }"]))
    # s1001 holds, so s1000 does not, s999 does, … s0 (an odd distance) does not.
    answers = from_deep_stack(lambda: every_answer(book, {"age": 30}))
    assert set(answers.values()) == {False}
    answers = every_answer(book, {"age": 30}, "s1")
    assert set(answers.values()) == {True}


def test_a_diamond_of_references_is_explained_once_per_segment() -> None:
    # Each level references the next twice: 2**40 paths, 41 segments.
    lines = [f"segment s{i} {{ include segment s{i + 1}  exclude where not in segment s{i + 1} }}"
             for i in range(40)]
    book = loads("\n".join([*lines, "segment s40 { include where age >= 18 }"]))
    found = book.explain("s0", {"age": 30}, now=NOW)
    assert found.matched is book.matches("s0", {"age": 30}, now=NOW) is True
    text = str(found)
    lines = [line for line in text.splitlines() if "] s40: member" in line]
    assert len(lines) == 2 and lines[1].endswith("(explained above)")
    assert len(text.splitlines()) < 1000
    data = found.to_dict()
    assert len(json.dumps(data)) < 200_000
    assert data["children"][1]["children"][0]["children"][0]["repeated"] is True


def test_the_checker_finds_a_cycle_at_the_end_of_a_long_chain() -> None:
    from segrules.parser import parse

    text = chain(LENGTH, "include segment s0")
    errors = from_deep_stack(lambda: [d for d in check(parse(text)) if d.code == "SR203"])
    assert len(errors) == 1


def test_the_attributes_a_long_chain_reads(long_chain: Book) -> None:
    from segrules.cli import read_attributes

    assert from_deep_stack(lambda: read_attributes(long_chain, "s0")) == ["age"]
