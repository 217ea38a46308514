"""The checker's rules, run on documents built from nodes and on parsed text.

The checker sees the whole book: names, references, cycles, regexes, ranges, windows and the
explicit lists. It returns diagnostics instead of raising, so each test states the full list.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from segrules import nodes as n
from segrules.checker import check, references
from segrules.errors import Diagnostic
from segrules.parser import parse

UTC = dt.UTC


def codes(diagnostics: list[Diagnostic]) -> list[str]:
    return [d.code for d in diagnostics]


def ref(name: str) -> n.InSegment:
    return n.InSegment(name)


def seg(name: str, *includes: n.Expr, **fields: object) -> n.Segment:
    return n.Segment(name, includes=includes, **fields)  # type: ignore[arg-type]


def between(low: n.Value, high: n.Value) -> n.Compare:
    return n.Compare(n.Attr(("x",)), "between", (low, high))


def doc(*segments: n.Segment) -> n.Document:
    return n.Document(segments)


# --- clean documents --------------------------------------------------------------------------


def test_a_clean_document_has_no_diagnostics() -> None:
    document = doc(
        seg("a", n.Everyone()),
        seg("b", n.AllOf([ref("a"), n.Not(ref("c"))])),
        seg("c", n.Compare(n.Attr(("email",)), "matches", (n.Regex("^[a-z]+@x\\.com$"),))),
    )
    assert check(document) == []


def test_an_empty_document() -> None:
    assert check(n.Document(())) == []


def test_references_are_found_everywhere() -> None:
    where = n.Compare(n.Aggregate("count", n.Attr(("o",)), where=ref("in_aggregate")), "gt",
                      (n.Number(1),))
    segment = n.Segment(
        "s",
        includes=[n.AllOf([ref("a"), n.AnyOf([n.Not(ref("b"))])]), where],
        excludes=[ref("c")],
    )
    assert [r.name for r in references(segment)] == ["a", "b", "in_aggregate", "c"]


# --- names and references ---------------------------------------------------------------------


def test_duplicate_segment_names() -> None:
    found = check(doc(seg("a"), seg("b"), seg("a"), seg("a")))
    assert codes(found) == ["SR201", "SR201"]
    assert found[0].message == "segment `a` is defined twice"


def test_duplicate_names_point_at_the_second_definition() -> None:
    found = check(parse("segment a { }\nsegment b { }\nsegment a { include everyone }", "d.seg"))
    (duplicate,) = found
    assert duplicate.span is not None and duplicate.span.line == 3
    assert duplicate.hint == "it was first defined at d.seg:1:9; rename one of them"


def test_unknown_segment_with_a_suggestion() -> None:
    (found,) = check(doc(seg("fraud_suspects"), seg("s", ref("fraud_suspect"))))
    assert (found.code, found.message, found.hint) == (
        "SR202", "unknown segment `fraud_suspect`", "did you mean `fraud_suspects`?",
    )


def test_unknown_segment_without_a_suggestion() -> None:
    (found,) = check(doc(seg("s", n.Not(ref("zzz")))))
    assert found.code == "SR202"
    assert found.hint == "define it, or load the file that does"


def test_every_unknown_reference_is_reported() -> None:
    document = doc(
        seg("s", n.AnyOf([ref("x"), ref("y")])),
        n.Segment("t", excludes=[ref("x")]),
    )
    assert [d.message for d in check(document)] == [
        "unknown segment `x`", "unknown segment `y`", "unknown segment `x`",
    ]


def test_references_in_where_clauses_of_aggregates_are_checked() -> None:
    aggregate = n.Aggregate("count", n.Attr(("orders",)), where=ref("nowhere"))
    document = doc(seg("s", n.Compare(aggregate, "gt", (n.Number(0),))))
    assert codes(check(document)) == ["SR202"]


# --- cycles -----------------------------------------------------------------------------------


def test_self_reference() -> None:
    (found,) = check(doc(seg("a", n.Not(ref("a")))))
    assert (found.code, found.message) == ("SR203", "segment reference cycle: a -> a")


def test_cycle_names_the_whole_cycle() -> None:
    document = doc(seg("a", ref("b")), seg("b", ref("c")), seg("c", ref("a")))
    (found,) = check(document)
    assert found.message == "segment reference cycle: a -> b -> c -> a"


def test_cycle_through_an_exclude_block() -> None:
    document = doc(seg("a", ref("b")), n.Segment("b", excludes=[ref("a")]))
    assert [d.message for d in check(document)] == ["segment reference cycle: a -> b -> a"]


def test_a_diamond_is_not_a_cycle() -> None:
    document = doc(
        seg("top", n.AllOf([ref("left"), ref("right")])),
        seg("left", ref("bottom")),
        seg("right", ref("bottom")),
        seg("bottom", n.Everyone()),
    )
    assert check(document) == []


def test_two_separate_cycles_are_both_reported() -> None:
    document = doc(
        seg("a", ref("b")), seg("b", ref("a")),
        seg("c", ref("d")), seg("d", ref("c")),
    )
    assert [d.message for d in check(document)] == [
        "segment reference cycle: a -> b -> a",
        "segment reference cycle: c -> d -> c",
    ]


def test_cycle_reached_from_outside_names_only_the_cycle() -> None:
    document = doc(seg("entry", ref("a")), seg("a", ref("b")), seg("b", ref("a")))
    assert [d.message for d in check(document)] == ["segment reference cycle: a -> b -> a"]


def test_a_reference_to_an_unknown_segment_is_not_a_cycle() -> None:
    assert codes(check(doc(seg("a", ref("b")), seg("b", ref("ghost"))))) == ["SR202"]


def test_a_long_reference_chain_does_not_exhaust_the_stack() -> None:
    count = 1500
    segments = [seg(f"s{i}", ref(f"s{i + 1}")) for i in range(count)]
    segments.append(seg(f"s{count}", n.Everyone()))
    assert check(doc(*segments)) == []


def test_a_long_chain_parsed_from_text() -> None:
    count = 1500
    text = "\n".join(f"segment s{i} {{ include segment s{i + 1} }}" for i in range(count))
    text += f"\nsegment s{count} {{ include everyone }}\n"
    assert check(parse(text)) == []


def test_a_cycle_at_the_end_of_a_long_chain() -> None:
    count = 1500
    segments = [seg(f"s{i}", ref(f"s{i + 1}")) for i in range(count)]
    segments.append(seg(f"s{count}", ref("s1000")))
    (found,) = check(doc(*segments))
    cycle = " -> ".join(f"s{i}" for i in [*range(1000, count + 1), 1000])
    assert found.message == f"segment reference cycle: {cycle}"


def test_a_cycle_through_the_whole_long_chain() -> None:
    count = 1500
    segments = [seg(f"s{i}", ref(f"s{(i + 1) % count}")) for i in range(count)]
    (found,) = check(doc(*segments))
    assert found.code == "SR203"
    assert found.message.startswith("segment reference cycle: s0 -> s1 -> s2 -> ")
    assert found.message.endswith(" -> s1498 -> s1499 -> s0")


def test_a_cycle_points_at_the_reference_that_closes_it() -> None:
    text = "segment a {\n  include segment b\n}\nsegment b {\n  include where in segment a\n}\n"
    (found,) = check(parse(text))
    assert found.span is not None
    assert (found.span.line, found.span.column, found.span.text) == (5, 17, "in segment a")


# --- regular expressions ----------------------------------------------------------------------


@pytest.mark.parametrize("pattern", ["(", "a(b", "[a-", "a**", "(?=a)", "(?<=a)b", "(a)\\1",
                                     "x{2,1}", "a\ud800"])  # a lone surrogate is not text
def test_invalid_regex(pattern: str) -> None:
    document = doc(seg("s", n.Compare(n.Attr(("x",)), "matches", (n.Regex(pattern),))))
    (found,) = check(document)
    assert found.code == "SR302"
    assert found.message.startswith("invalid regular expression: ")
    assert found.hint == "patterns use RE2 syntax (no backreferences or lookaround)"


@pytest.mark.parametrize("pattern", ["", "^a+$", "\\d{3}-\\d{4}", "(?i)abc", "[[:alpha:]]+",
                                     "\\p{Greek}", "a|b|c", "(?P<name>x)"])
def test_valid_regex(pattern: str) -> None:
    document = doc(seg("s", n.Compare(n.Attr(("x",)), "matches", (n.Regex(pattern),))))
    assert check(document) == []


def test_regex_in_an_exclude_block_and_in_an_aggregate() -> None:
    bad = n.Compare(n.Attr(("s",)), "matches", (n.Regex("("),))
    aggregate = n.Aggregate("count", n.Attr(("orders",)), where=bad)
    document = doc(n.Segment("s", includes=[n.Compare(aggregate, "gt", (n.Number(0),))],
                             excludes=[n.Not(bad)]))
    assert codes(check(document)) == ["SR302", "SR302"]


# --- between --------------------------------------------------------------------------------


@pytest.mark.parametrize(("low", "high"), [
    (n.Number(5), n.Number(1)),
    (n.Number(Decimal("1.5")), n.Number(1)),
    (n.String("b"), n.String("a")),
    (n.Date(dt.date(2026, 2, 1)), n.Date(dt.date(2026, 1, 1))),
    (n.DateTime(dt.datetime(2026, 1, 1, 1, tzinfo=UTC)), n.Date(dt.date(2026, 1, 1))),
    (n.Date(dt.date(2026, 1, 2)), n.DateTime(dt.datetime(2026, 1, 1, 23, tzinfo=UTC))),
])
def test_between_with_the_low_bound_above_the_high(low: n.Value, high: n.Value) -> None:
    (found,) = check(doc(seg("s", between(low, high))))
    assert found.code == "SR303"


@pytest.mark.parametrize(("low", "high"), [
    (n.Number(1), n.Number(5)),
    (n.Number(3), n.Number(3)),
    (n.Number(1), n.Number(Decimal("1.5"))),
    (n.String("a"), n.String("b")),
    (n.Date(dt.date(2026, 1, 1)), n.DateTime(dt.datetime(2026, 1, 1, tzinfo=UTC))),
    (n.DateTime(dt.datetime(2026, 1, 1, 9, tzinfo=dt.timezone(dt.timedelta(hours=5)))),
     n.DateTime(dt.datetime(2026, 1, 1, 5, tzinfo=UTC))),
    # Bounds of different kinds never match anything, but they are not a reversed range.
    (n.Number(5), n.String("a")),
    (n.Boolean(True), n.Boolean(False)),
])
def test_between_in_order_or_not_comparable(low: n.Value, high: n.Value) -> None:
    assert check(doc(seg("s", between(low, high)))) == []


@pytest.mark.parametrize(("low", "high", "ignore_case", "reversed_"), [
    # Bounds are ordered as the comparison orders strings: in NFC, caseless ignoring case.
    ("a", "B", True, False),
    ("b", "A", True, True),
    ("a", "B", False, True),
    ("e\u0301", "f", False, True),  # é (U+00E9) is above f
    ("\u00e9", "e\u0302", False, False),  # ê (U+00EA) is above é
    ("STRASSE", "straße", True, False),  # equal bounds
])
def test_between_orders_strings_as_they_compare(low: str, high: str, ignore_case: bool,
                                                reversed_: bool) -> None:
    compare = n.Compare(n.Attr(("x",)), "between", (n.String(low), n.String(high)),
                        ignore_case=ignore_case)
    assert codes(check(doc(seg("s", compare)))) == (["SR303"] if reversed_ else [])


def test_between_negated_is_checked_too() -> None:
    compare = n.Compare(n.Attr(("x",)), "between", (n.Number(9), n.Number(1)), negated=True)
    assert codes(check(doc(seg("s", compare)))) == ["SR303"]


# --- windows ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("start", "end"), [
    (dt.date(2027, 1, 1), dt.date(2026, 1, 1)),
    (dt.date(2026, 1, 1), dt.date(2026, 1, 1)),
    (dt.datetime(2026, 1, 1, tzinfo=UTC), dt.date(2026, 1, 1)),
    (dt.datetime(2026, 1, 1, 10, tzinfo=dt.timezone(dt.timedelta(hours=2))),
     dt.datetime(2026, 1, 1, 8, tzinfo=UTC)),
])
def test_a_window_that_is_never_active(start: dt.date, end: dt.date) -> None:
    (found,) = check(doc(n.Segment("s", active_from=start, active_until=end)))
    assert found.code == "SR304"
    assert found.message.startswith("segment `s` is never active")


@pytest.mark.parametrize(("start", "end"), [
    (dt.date(2026, 1, 1), dt.date(2026, 1, 2)),
    (dt.date(2026, 1, 1), dt.datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC)),
    (dt.date(2026, 1, 1), None),
    (None, dt.date(2026, 1, 1)),
])
def test_a_window_that_is_sometimes_active(start: dt.date | None, end: dt.date | None) -> None:
    assert check(doc(n.Segment("s", active_from=start, active_until=end))) == []


# --- explicit lists ---------------------------------------------------------------------------


def test_an_id_in_both_lists_is_a_warning() -> None:
    segment = n.Segment("s", include_customers=["c3", "c1", "c2"],
                        exclude_customers=["c2", "c9", "c1"])
    (found,) = check(doc(segment))
    assert (found.code, found.severity) == ("SR401", "warning")
    assert found.message == 'segment `s` both includes and excludes "c1", "c2"'


def test_disjoint_lists_are_fine() -> None:
    assert check(doc(n.Segment("s", include_customers=["a"], exclude_customers=["b"]))) == []


# --- several rules at once ------------------------------------------------------------------


def test_every_problem_is_reported_in_one_pass() -> None:
    text = """
        segment a {
            active from 2026-02-01 until 2026-01-01
            include where x matches /(/ and y is between 3 and 1 and in segment nowhere
            include customers "c1"
            exclude customers "c1"
        }
        segment a { }
        segment b { include segment b }
    """
    assert codes(check(parse(text))) == [
        "SR201", "SR202", "SR302", "SR303", "SR304", "SR401", "SR203",
    ]


def test_a_hand_built_window_with_a_naive_datetime_is_read_as_utc() -> None:
    # Documents from code or JSON may hold naive datetimes; naive means UTC, never a crash.
    document = n.Document([n.Segment(
        "s", active_from=dt.datetime(2027, 1, 1), active_until=dt.date(2027, 1, 1),
        includes=[n.Everyone()],
    )])
    assert [d.code for d in check(document)] == ["SR304"]
