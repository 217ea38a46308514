"""A book compiles each segment on its first use: nothing at load, on first use only the segment
and what it references, the same answers as a book compiled whole (``prepare``), from any
thread and from any depth of the caller's stack; what cannot compile is refused at load."""

from __future__ import annotations

import datetime as dt
import gc
import linecache
import random
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import segrules
from oracle import customers
from segrules import Target, codegen, lazy
from segrules import nodes as n
from segrules.book import Book
from segrules.errors import SegrulesError
from strategies import documents

NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)


def registered(prefix: str) -> set[str]:
    """Names of the segments whose generated source a book put in linecache, by prefix."""
    return {name.split("'")[1] for name in list(linecache.cache)
            if name.startswith(f"<segrules segment '{prefix}")}


LINKED = """
segment lz_top { include where age >= 18 and in segment lz_mid }
segment lz_mid { include where in segment lz_low or country is "CA" }
segment lz_low { include where spent >= 100 }
segment lz_other { include where age < 18 }
"""


def test_a_loaded_book_has_compiled_nothing() -> None:
    book = segrules.loads(LINKED.replace("lz_", "lz0_"))
    assert registered("lz0_") == set()
    assert book.names == ("lz0_top", "lz0_mid", "lz0_low", "lz0_other")  # yet it is all there


def test_a_first_use_compiles_the_segment_and_what_it_references_only() -> None:
    book = segrules.loads(LINKED.replace("lz_", "lz1_"))
    assert book.matches("lz1_top", {"age": 30, "spent": 100}, now=NOW)
    assert registered("lz1_") == {"lz1_top", "lz1_mid", "lz1_low"}
    assert not book.matches("lz1_other", {"age": 30})
    assert registered("lz1_") == {"lz1_top", "lz1_mid", "lz1_low", "lz1_other"}


def test_after_its_first_use_a_segment_is_called_directly() -> None:
    book = segrules.loads(LINKED)
    stand_in = book._functions["lz_low"]
    assert stand_in is not book.compiled("lz_low").function
    # The stand-in gave its place to the compiled function: `matches` calls that, no wrapper.
    assert book._functions["lz_low"] is book.compiled("lz_low").function
    # A stand-in still held (by a caller that took it early) answers as the function does.
    assert stand_in({"spent": 100}, None, None, None, None, None, None) is True


def test_prepare_compiles_every_segment_builds_the_index_and_returns_the_book() -> None:
    book = segrules.loads(LINKED.replace("lz_", "lz2_"))
    assert book.prepare() is book
    assert registered("lz2_") == {"lz2_top", "lz2_mid", "lz2_low", "lz2_other"}
    assert book._network is not None
    assert book.prepare() is book  # twice is harmless


def test_a_dropped_book_releases_what_it_compiled_and_only_that() -> None:
    book = segrules.loads(LINKED.replace("lz_", "lz3_"))
    book.matches("lz3_mid", {"country": "CA"})
    assert registered("lz3_") == {"lz3_mid", "lz3_low"}
    del book
    gc.collect()
    assert registered("lz3_") == set()
    segrules.loads(LINKED.replace("lz_", "lz4_")).prepare()
    gc.collect()
    assert registered("lz4_") == set()


# Every public way in, each on a fresh book: each compiles what it needs first.
ASKS: dict[str, Callable[[Book, dict[str, Any]], object]] = {
    "matches": lambda b, p: b.matches("lz_top", p, now=NOW),
    "predicate": lambda b, p: b.predicate("lz_top")(p, now=NOW),
    "compiled": lambda b, p: b.compiled("lz_top").function(p, None, None, None, NOW, None, None),
    "source": lambda b, p: "def segment" in b.source("lz_top"),
    "explain": lambda b, p: b.explain("lz_top", p, now=NOW).matched,
    "segments_for": lambda b, p: sorted(b.segments_for(p, now=NOW)),
    "groups_for": lambda b, p: dict(b.groups_for(p, now=NOW)),
    "membership": lambda b, p: [b.membership(p, now=NOW)(name) for name in ("lz_low", "lz_top")],
    "target": lambda b, p: Target("all", ["lz_top", "lz_mid"]).matches(b, p, now=NOW),
}


@pytest.mark.parametrize("ask", ASKS.values(), ids=ASKS.keys())
@pytest.mark.parametrize("profile", [{"age": 30, "spent": 100}, {"age": 30, "country": "CA"},
                                     {"age": 12, "spent": 500}, {"age": "x"}])
def test_every_way_in_compiles_what_it_needs_first(
        ask: Callable[[Book, dict[str, Any]], object], profile: dict[str, Any]) -> None:
    expected = ask(segrules.loads(LINKED).prepare(), profile)
    assert ask(segrules.loads(LINKED), profile) == expected


def test_an_unknown_name_is_still_refused_at_once() -> None:
    book = segrules.loads(LINKED)
    for ask in (lambda: book.compiled("lz_nope"), lambda: book.predicate("lz_nope"),
                lambda: book.matches("lz_nope", {})):
        with pytest.raises(segrules.UnknownSegmentError):
            ask()


def many_linked(count: int, seed: int) -> str:
    """``count`` segments, most referencing one to three earlier ones."""
    rng = random.Random(seed)
    lines = []
    for i in range(count):
        conditions = [f"age >= {rng.randint(10, 60)}", f'country is "{rng.choice("ABC")}"']
        conditions += [f"in segment m{rng.randrange(i)}" for _ in range(rng.randint(0, 3)) if i]
        joint = rng.choice((" and ", " or "))
        lines.append(f"segment m{i} {{ include where {joint.join(conditions)} }}")
    return "\n".join(lines)


def asked_by_eight_threads(book: Book, names: list[str], people: list[dict[str, Any]]
                           ) -> list[Any]:
    """What 8 threads, started at once, get from ``book``: every segment by name (each thread in
    its own order) and, for half of them, ``segments_for`` in between."""
    start = threading.Barrier(8)
    found: list[Any] = [None] * 8

    def ask(index: int) -> None:
        order = list(names)
        random.Random(index).shuffle(order)
        start.wait()
        answers = []
        for p in people:
            by_name = {name: book.matches(name, p, now=NOW) for name in order}
            whole = book.segments_for(p, now=NOW) if index % 2 else None
            answers.append((whole, [by_name[name] for name in names]))
        found[index] = answers

    threads = [threading.Thread(target=ask, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return found


def test_eight_threads_on_a_fresh_book_get_the_answers_of_a_prepared_one() -> None:
    text = many_linked(300, seed=8)
    people = [{"age": age, "country": country} for age in (5, 20, 35, 50, 70)
              for country in "ABCD"]
    prepared = segrules.loads(text).prepare()
    names = list(prepared.names)
    expected = [(prepared.segments_for(p, now=NOW),
                 [prepared.matches(name, p, now=NOW) for name in names]) for p in people]
    switching = sys.getswitchinterval()
    for _ in range(3):
        book = segrules.loads(text)
        sys.setswitchinterval(1e-6)  # threads change hands often: races show
        try:
            found = asked_by_eight_threads(book, names, people)
        finally:
            sys.setswitchinterval(switching)
        for index, answers in enumerate(found):
            assert answers is not None, f"thread {index} failed"
            for (whole, each), (want_whole, want_each) in zip(answers, expected, strict=True):
                assert each == want_each
                assert whole in (None, want_whole)
        assert book.evaluation_errors == prepared.evaluation_errors == 0


def test_each_segment_is_compiled_once_however_many_threads_ask_at_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    compiled: list[str] = []
    original = codegen.compile_segment

    def slowly(segment: n.Segment, *args: Any) -> codegen.Compiled:
        compiled.append(segment.name)
        time.sleep(0.002)  # another thread runs meanwhile, and asks too
        return original(segment, *args)

    monkeypatch.setattr(codegen, "compile_segment", slowly)
    text = many_linked(40, seed=3)
    book = segrules.loads(text)
    names = list(book.names)
    people = [{"age": 30, "country": "A"}]
    found = asked_by_eight_threads(book, names[::-1], people)
    assert sorted(compiled) == sorted(names)
    expected = segrules.loads(text).prepare()
    for answers in found:
        assert answers[0][1] == [expected.matches(name, people[0], now=NOW)
                                 for name in names[::-1]]


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(documents(max_segments=4), st.data())
def test_laziness_is_never_seen_in_an_answer(document: n.Document, data: st.DataObject) -> None:
    book, prepared = Book(document), Book(document).prepare()
    order = data.draw(st.permutations(book.names))
    for _ in range(2):
        call = data.draw(customers(document))
        profile = call.pop("profile")
        got = {name: book.matches(name, profile, **call) for name in order}
        assert got == {name: prepared.matches(name, profile, **call) for name in order}
        assert book.segments_for(profile, **call) == prepared.segments_for(profile, **call)
    assert book.evaluation_errors == prepared.evaluation_errors


# --- what could fail to compile is compiled, or refused, at load --------------------------------

def alternating(depth: int) -> str:
    """``any { all { any { … } } }``: one level of blocks, and of generated parentheses, each."""
    opened = "".join("all { " if i % 2 else "any { " for i in range(depth))
    return f"segment s {{ include {opened}a is 1 {'} ' * depth}}}"


def test_blocks_nested_deeper_than_python_can_compile_are_refused_at_load() -> None:
    # Before: a raw SyntaxError ("too many nested parentheses") out of `loads`.
    with pytest.raises(SegrulesError) as caught:
        segrules.loads(alternating(195))
    assert [d.code for d in caught.value.diagnostics] == ["SR107"]
    assert caught.value.diagnostics[0].span is not None


def test_a_hand_made_document_nested_thousands_deep_is_refused_at_construction() -> None:
    condition: n.Expr = n.Compare(n.Attr(("a",)), "eq", (n.Number(1),))
    for _ in range(5000):
        condition = n.Not(condition)
    with pytest.raises(SegrulesError) as caught:  # before: RecursionError
        Book(n.Document((n.Segment("deep", includes=(condition,)),)))
    assert [d.code for d in caught.value.diagnostics] == ["SR107"]


def from_deep_stack(call: Callable[[], Any], depth: int = 900) -> Any:
    def dive(left: int) -> Any:
        return call() if left == 0 else dive(left - 1)
    assert sys.getrecursionlimit() >= 1000
    return dive(depth)


# Nestings of each kind, as deep as a lazily compiled segment may be, and as deep as the parser
# takes (those are compiled at load): every one answers, first asked from 900 frames down.
NESTINGS: dict[str, Callable[[int], str]] = {
    "blocks": lambda d: alternating(d - 2),
    "not": lambda d: "segment s { include where " + "not " * (d - 2) + "a is 1 }",
    "parentheses": lambda d: "segment s { include where " + "".join(
        "a is 1 and (" if i % 2 else "b is 2 or (" for i in range(d - 2)) + "a is 1" + ")" * (
        d - 2) + " }",
    "aggregates": lambda d: "segment s { include where " + "count(o where " * (d // 2 - 1)
    + "a is 1" + ") >= 0" * (d // 2 - 1) + " }",
}


@pytest.mark.parametrize("write", NESTINGS.values(), ids=NESTINGS.keys())
def test_a_segment_as_deep_as_compiled_lazily_compiles_from_deep_in_a_callers_stack(
        write: Callable[[int], str]) -> None:
    book = segrules.loads(write(lazy.EAGER_DEPTH))
    depth = lazy.EAGER_DEPTH
    assert not lazy.nesting_above(book["s"], depth)
    assert lazy.nesting_above(book["s"], depth - 2)  # the test is near the limit
    assert "s" not in book._compiled  # not compiled at load
    assert from_deep_stack(lambda: book.matches("s", {"a": 1, "b": 2, "o": []})) is True
    assert book.evaluation_errors == 0


@pytest.mark.parametrize(("write", "limit"), [(NESTINGS[kind], limit) for kind, limit in (
    ("blocks", 196), ("not", 194), ("parentheses", 98), ("aggregates", 98))], ids=NESTINGS.keys())
def test_the_deepest_segment_the_parser_takes_is_compiled_at_load(
        write: Callable[[int], str], limit: int) -> None:
    book = segrules.loads(write(limit))
    assert "s" in book._compiled  # compiled at load, where a failure is SR107
    with pytest.raises(SegrulesError):  # one level more is refused at load
        segrules.loads(write(limit + 2))
    assert from_deep_stack(lambda: book.matches("s", {"a": 1, "b": 2, "o": []})) is True
    assert book.evaluation_errors == 0
