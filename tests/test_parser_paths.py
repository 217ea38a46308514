"""The parser's two ways of building nodes agree: as lark reduces (``lalr.build``, every parse
without a syntax error) and from lark's parse tree (syntax-error recovery, nesting too deep).

They call the same builder methods; what could differ is what the methods are given (children,
positions) and in what order, so these tests compare whole documents *with their spans* and the
diagnostics, in order, on example files, generated documents, conditions with redundant
parentheses (whose positions lark stretches over the brackets) and hostile mutations of all of
them.
"""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

import hostile
from segrules import parser
from segrules.errors import Diagnostic
from segrules.printer import dumps
from segrules.source import Source, Span
from strategies import documents

ROOT = Path(__file__).parent.parent
EXAMPLES = sorted((ROOT / "examples" / "segments").glob("*.seg"))
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Written to reach every builder method and value diagnostic: spellings, optional parts,
# parentheses at the start and end of a condition, escapes, impossible values, empty blocks.
AWKWARD = """\
# a comment
segment "quoted name" {
    title "t\\u00e9 \\q"
    description "d"
    groups "a", "b"
    stores "s"
    active from 2026-01-01T10:00:00+02:00 until 2026-02-30
    disabled
    include all {
        ((a is 1) and b is 2 or (c is 3))
        not ((d is not equal to 4))
        none { e contains any of "x", "y" }
        any { }
        `first name` starts with 3
        session.device is "m" ignoring case
        profile.tags contains all of ["a", "b"]
        n is one of 1,000, 2,500
        n is between 1 and 2026-13-01
        big is HUGE
        when is before 5
        t within last 1.5 days
        t within last 99999999999 years
        u more than 3 weeks ago
        avg(orders.total where status is "paid" and (x > 1)) >= 3
        count(orders) > 1
        max(orders.total) < 9.5
        years_since(birthday) >= 18
        days_since(years_since(x)) > 2
        email matches /^a\\/b$/
        code does not match "x"
        (flag is true or flag is false)
        (in segment other and not in segment "Other One")
        x doesn't exist
    }
    exclude where (a is 1)
    exclude segment other
    include customers "c1", "c2"
    exclude customers "c3"
    title "again"
}
segment other { include everyone }
segment empty_one { }
""".replace("HUGE", hostile.HUGE)


def tree_path(source: Source) -> tuple[Any, list[Diagnostic]]:
    """What the parser makes through lark's tree, as it did before it built during the parse."""
    return parser._parse_tree(source)


def assert_same(left: Any, right: Any, where: str = "document") -> None:
    """Equal, spans included (node equality ignores them)."""
    assert type(left) is type(right), where
    if isinstance(left, list | tuple):
        assert len(left) == len(right), where
        for index, (a, b) in enumerate(zip(left, right, strict=True)):
            assert_same(a, b, f"{where}[{index}]")
    elif isinstance(left, Span):
        assert left.source is right.source, where
        assert attrs.astuple(left, recurse=False) == attrs.astuple(right, recurse=False), where
    elif attrs.has(type(left)):
        for field in attrs.fields(type(left)):
            assert_same(getattr(left, field.name), getattr(right, field.name),
                         f"{where}.{field.name}")
    else:
        assert left == right, where


def assert_paths_agree(text: str) -> tuple[Any, list[Diagnostic]]:
    source = Source("paths.seg", text)
    fast, fast_diagnostics = parser.parse_source(source)
    slow, slow_diagnostics = tree_path(source)
    assert_same(fast, slow)
    assert_same(fast_diagnostics, slow_diagnostics, "diagnostics")
    return fast, fast_diagnostics


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_files(path: Path) -> None:
    document, diagnostics = assert_paths_agree(path.read_text("utf-8"))
    assert document.segments and not diagnostics


def test_every_method_and_value_diagnostic() -> None:
    document, diagnostics = assert_paths_agree(AWKWARD)
    assert len(document.segments) == 3
    codes = {d.code for d in diagnostics}
    assert {"SR101", "SR104", "SR105", "SR106", "SR301", "SR305", "SR306", "SR307"} <= codes


def test_a_condition_in_parentheses_is_covered_with_them() -> None:
    # The `and` starts at the first `(` and the `or` ends at the last `)`; the nodes inside
    # cover only their own text.
    text = "segment s { include where (a is 1) and b is 2 or (c is 3) }"
    document, _ = assert_paths_agree(text)
    (either,) = document.segments[0].includes
    assert either.span.text == "(a is 1) and b is 2 or (c is 3)"
    assert either.items[0].span.text == "(a is 1) and b is 2"
    assert either.items[0].items[0].span.text == "a is 1"


def test_threads_parse_at_once() -> None:
    # Each parse has its own callbacks (they are kept between parses, never shared by two).
    sources = [Source(f"{i}.seg", text) for i, text in enumerate(
        [AWKWARD, *(p.read_text("utf-8") for p in EXAMPLES)] * 6)]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(parser.parse_source, sources))
    for source, (document, diagnostics) in zip(sources, results, strict=True):
        expected, expected_diagnostics = tree_path(source)
        assert_same(document, expected)
        assert_same(diagnostics, expected_diagnostics, "diagnostics")


@pytest.mark.parametrize("text", ["", "# only a comment\n", "  \n"])
def test_empty_files(text: str) -> None:
    document, diagnostics = assert_paths_agree(text)
    assert document.segments == () and document.span is None and not diagnostics


def test_value_errors_before_a_syntax_error_are_reported_once() -> None:
    # The first segment is built during the parse that then fails; recovery builds it again.
    text = 'segment a { title "\\q" include where d is 2026-02-30 }\nsegment b { include }\n'
    _, diagnostics = assert_paths_agree(text)
    assert [d.code for d in diagnostics].count("SR104") == 1
    assert [d.code for d in diagnostics].count("SR301") == 1


def test_a_lone_surrogate_is_reported_once_with_a_syntax_error() -> None:
    _, diagnostics = assert_paths_agree('segment a { title "\ud800" }\nsegment b { include }\n')
    assert [d.code for d in diagnostics].count("SR108") == 1


@pytest.mark.parametrize("depth", [*range(94, 100), 900])
def test_nesting_around_the_limit(depth: int) -> None:
    # Each pair of parentheses is two tree levels (`or`, `and`), under the levels of the
    # document, segment, clause and block: 97 pairs is the first to go past the limit.
    _, diagnostics = assert_paths_agree(hostile.nested(depth))
    assert ("SR107" in {d.code for d in diagnostics}) == (depth >= 97)


def test_nested_nots_and_blocks_around_the_limit() -> None:
    for depth in range(60, 70):
        assert_paths_agree("segment s { include where " + "not " * depth + "a is 1 }")
        assert_paths_agree("segment s { include " + "all { " * depth + "a is 1" + " }" * depth
                           + " }")


@SETTINGS
@given(documents(max_segments=3, max_depth=3))
def test_generated_documents(document: Any) -> None:
    text = dumps(document)
    note(text)
    parsed, _ = assert_paths_agree(text)
    assert parsed == document


_COMPARISONS = st.sampled_from(["a is 1", "b.c >= 2", "`x y` is not set", "d in 1, 2",
                                "count(o where s is 1) > 0", "in segment t", "e matches /x/"])


def _condition(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        inner.map(lambda c: f"({c})"),
        inner.map(lambda c: f"not {c}"),
        st.tuples(inner, st.sampled_from([" and ", " or ", "\n  and "]), inner).map("".join),
        st.lists(inner, max_size=3).map(lambda cs: "all { " + "\n".join(cs) + " }"),
    )


@SETTINGS
@given(st.recursive(_COMPARISONS, _condition, max_leaves=12))
def test_conditions_with_redundant_parentheses(condition: str) -> None:
    note(condition)
    text = f"segment t {{ include everyone }}\nsegment s {{ include where {condition} }}"
    assert_paths_agree(text)


@SETTINGS
@given(st.sampled_from([AWKWARD, *(p.read_text("utf-8") for p in EXAMPLES)]), st.randoms())
def test_hostile_mutations(text: str, rng: random.Random) -> None:
    mutated = hostile.mutate_text(rng, text)
    note(repr(mutated))
    assert_paths_agree(mutated)
