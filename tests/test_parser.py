"""The parser: every spelling, clause and literal of SPEC §1 and §3 becomes the expected node.

Nodes compare without their spans, so most tests state the whole expected tree; a few tests at
the end check that spans point at the right line and column.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from segrules import nodes as n
from segrules.operators import OPERATORS, SPELLINGS, UNITS
from segrules.parser import parse

CASES = Path(__file__).parent / "cases"
UTC = dt.UTC


def segment(text: str) -> n.Segment:
    (only,) = parse(text).segments
    return only


def where(condition: str) -> n.Expr:
    """The expression of ``include where CONDITION`` in a one-segment file."""
    (expr,) = segment(f"segment s {{ include where {condition} }}").includes
    return expr


def compare(condition: str) -> n.Compare:
    expr = where(condition)
    assert isinstance(expr, n.Compare)
    return expr


def attr(*names: str, root: str = "profile") -> n.Attr:
    return n.Attr(names, root)


def cmp(left: str | n.Operand, op: str, *values: n.Value, negated: bool = False,
        ignore_case: bool = False) -> n.Compare:
    operand = attr(*left.split(".")) if isinstance(left, str) else left
    return n.Compare(operand, op, values, negated, ignore_case)


S, N = n.String, n.Number
D = n.Date
DAY = D(dt.date(2026, 1, 31))
A_IS_1, B_IS_2, C_IS_3 = cmp("a", "eq", N(1)), cmp("b", "eq", N(2)), cmp("c", "eq", N(3))


# --- operators --------------------------------------------------------------------------------

# One case per spelling in the operator table: (spelling, condition, expected).
SPELLING_CASES = [
    ("is", 'x is "v"', cmp("x", "eq", S("v"))),
    ("is equal to", "x is equal to 5", cmp("x", "eq", N(5))),
    ("=", "x = 5", cmp("x", "eq", N(5))),
    ("==", "x == true", cmp("x", "eq", n.Boolean(True))),
    ("is not", 'x is not "v"', cmp("x", "eq", S("v"), negated=True)),
    ("is not equal to", "x is not equal to 5", cmp("x", "eq", N(5), negated=True)),
    ("!=", "x != 5", cmp("x", "eq", N(5), negated=True)),
    ("is one of", 'x is one of "a", "b"', cmp("x", "in", S("a"), S("b"))),
    ("in", "x in [1, 2, 3]", cmp("x", "in", N(1), N(2), N(3))),
    ("is not one of", 'x is not one of "a"', cmp("x", "in", S("a"), negated=True)),
    ("not in", 'x not in ["a", "b"]', cmp("x", "in", S("a"), S("b"), negated=True)),
    (">", "x > 1", cmp("x", "gt", N(1))),
    ("is greater than", "x is greater than 1.5", cmp("x", "gt", N(Decimal("1.5")))),
    ("is after", "x is after 2026-01-31", cmp("x", "gt", DAY)),
    (">=", "x >= -1", cmp("x", "ge", N(-1))),
    ("is greater than or equal to", 'x is greater than or equal to "m"', cmp("x", "ge", S("m"))),
    ("<", "x < 2026-01-31", cmp("x", "lt", DAY)),
    ("is less than", "x is less than 0", cmp("x", "lt", N(0))),
    ("is before", "x is before 2026-01-31", cmp("x", "lt", DAY)),
    ("<=", "x <= 10", cmp("x", "le", N(10))),
    ("is less than or equal to", "x is less than or equal to 10", cmp("x", "le", N(10))),
    ("is between", "x is between 1 and 5", cmp("x", "between", N(1), N(5))),
    ("is not between", "x is not between 1 and 5", cmp("x", "between", N(1), N(5), negated=True)),
    ("contains", 'x contains "a"', cmp("x", "contains_any", S("a"))),
    ("contains any of", 'x contains any of "a", "b"', cmp("x", "contains_any", S("a"), S("b"))),
    ("does not contain", 'x does not contain "a"', cmp("x", "contains_any", S("a"), negated=True)),
    ("does not contain any of", 'x does not contain any of "a", "b"',
     cmp("x", "contains_any", S("a"), S("b"), negated=True)),
    ("contains all of", 'x contains all of ["a", "b"]', cmp("x", "contains_all", S("a"), S("b"))),
    ("does not contain all of", 'x does not contain all of "a", "b"',
     cmp("x", "contains_all", S("a"), S("b"), negated=True)),
    ("starts with", 'x starts with "ab"', cmp("x", "starts_with", S("ab"))),
    ("does not start with", 'x does not start with "ab"',
     cmp("x", "starts_with", S("ab"), negated=True)),
    ("ends with", 'x ends with "yz"', cmp("x", "ends_with", S("yz"))),
    ("does not end with", 'x does not end with "yz"', cmp("x", "ends_with", S("yz"), negated=True)),
    ("matches", "x matches /^a+$/", cmp("x", "matches", n.Regex("^a+$"))),
    ("does not match", 'x does not match "^a"', cmp("x", "matches", n.Regex("^a"), negated=True)),
    ("exists", "x exists", cmp("x", "exists")),
    ("is set", "x is set", cmp("x", "exists")),
    ("does not exist", "x does not exist", cmp("x", "exists", negated=True)),
    ("doesn't exist", "x doesn't exist", cmp("x", "exists", negated=True)),
    ("is not set", "x is not set", cmp("x", "exists", negated=True)),
    ("is empty", "x is empty", cmp("x", "empty")),
    ("is not empty", "x is not empty", cmp("x", "empty", negated=True)),
    ("within last", "x within last 7 days", cmp("x", "within_last", n.Duration(7, "days"))),
    ("more than ago", "x more than 2 weeks ago",
     cmp("x", "more_than_ago", n.Duration(2, "weeks"))),
]


def test_every_spelling_has_a_case() -> None:
    assert sorted(s for s, _, _ in SPELLING_CASES) == sorted(SPELLINGS)


@pytest.mark.parametrize(("spelling", "text", "expected"), SPELLING_CASES,
                         ids=[c[0] for c in SPELLING_CASES])
def test_spelling(spelling: str, text: str, expected: n.Compare) -> None:
    assert SPELLINGS[spelling] == (expected.op, expected.negated)
    assert where(text) == expected


# A value of the kind each arity asks for, as text and as nodes. One value for `many`, since
# `contains` (of `contains any of`) takes exactly one.
_ARITY_SAMPLES: dict[str, tuple[str, tuple[n.Value, ...]]] = {
    "none": ("", ()),
    "one": ('"v"', (S("v"),)),
    "many": ('"a"', (S("a"),)),
    "two": ("1 and 5", (N(1), N(5))),
    "regex": ("/a+/", (n.Regex("a+"),)),
    "duration": ("3 days", (n.Duration(3, "days"),)),
}


def _written(spelling: str, operand: str) -> str:
    # `more than ago` is one spelling written around its operand: `more than 3 days ago`.
    if spelling.endswith(" ago"):
        return f"x {spelling[:-4]} {operand} ago"
    return f"x {spelling} {operand}"


@pytest.mark.parametrize("spelling", sorted(SPELLINGS))
def test_grammar_accepts_every_spelling_in_the_table(spelling: str) -> None:
    op, negated = SPELLINGS[spelling]
    operand, values = _ARITY_SAMPLES[OPERATORS[op].arity]
    if spelling in OPERATORS[op].date_spellings:
        operand, values = "2026-01-31", (DAY,)
    assert where(_written(spelling, operand)) == n.Compare(attr("x"), op, values, negated)


def test_ignoring_case() -> None:
    assert where('email ends with "@EXAMPLE.com" ignoring case') == cmp(
        "email", "ends_with", S("@EXAMPLE.com"), ignore_case=True
    )
    assert where('x matches "^a" ignoring case and y is "b"') == n.AllOf([
        cmp("x", "matches", n.Regex("^a"), ignore_case=True), cmp("y", "eq", S("b")),
    ])


# --- header clauses -------------------------------------------------------------------------


def test_every_header_clause() -> None:
    seg = segment("""
        segment s {
            title "The title"
            description "Some \\"quoted\\" text"
            groups "adults", "na"
            active from 2026-01-01 until 2027-01-01
            disabled
            stores "main", "outlet"
        }
    """)
    assert seg == n.Segment(
        "s", title="The title", description='Some "quoted" text', groups=("adults", "na"),
        active_from=dt.date(2026, 1, 1), active_until=dt.date(2027, 1, 1), disabled=True,
        stores=("main", "outlet"),
    )
    assert not seg.enabled


def test_header_clauses_are_optional() -> None:
    assert segment("segment s { }") == n.Segment("s")
    assert segment("segment s { }").enabled


def test_single_group_and_store() -> None:
    seg = segment('segment s { groups "vip" stores "main" }')
    assert (seg.groups, seg.stores) == (("vip",), ("main",))


@pytest.mark.parametrize(("clause", "start", "end"), [
    ("active from 2026-03-01", dt.date(2026, 3, 1), None),
    ("active until 2026-03-01", None, dt.date(2026, 3, 1)),
    ("active from 2026-03-01 until 2026-04-01", dt.date(2026, 3, 1), dt.date(2026, 4, 1)),
    ("active from 2026-03-01T09:30:00Z", dt.datetime(2026, 3, 1, 9, 30, tzinfo=UTC), None),
    ("active until 2026-03-01T09:30:00", None, dt.datetime(2026, 3, 1, 9, 30, tzinfo=UTC)),
    ("active from 2026-03-01T09:30", dt.datetime(2026, 3, 1, 9, 30, tzinfo=UTC), None),
    ("active from 2026-03-01T09:30:15.250+05:30",
     dt.datetime(2026, 3, 1, 9, 30, 15, 250000,
                 tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))), None),
    ("active from 2026-03-01 until 2026-03-01T12:00:00-08:00", dt.date(2026, 3, 1),
     dt.datetime(2026, 3, 1, 20, 0, tzinfo=UTC)),
])
def test_active_window(clause: str, start: object, end: object) -> None:
    seg = segment(f"segment s {{ {clause} }}")
    assert (seg.active_from, seg.active_until) == (start, end)
    for moment in (seg.active_from, seg.active_until):
        if isinstance(moment, dt.datetime):
            assert moment.tzinfo is not None  # naive text means UTC, never a naive value


def test_offsets_keep_their_offset() -> None:
    seg = segment("segment s { active from 2026-03-01T09:00:00-08:00 }")
    assert isinstance(seg.active_from, dt.datetime)
    assert seg.active_from.utcoffset() == dt.timedelta(hours=-8)


# --- body clauses -------------------------------------------------------------------------------


def test_every_body_clause() -> None:
    seg = segment("""
        segment s {
            include all { a is 1  b is 2 }
            include any { c is 3 }
            include where a is 1
            include everyone
            include segment other
            exclude all { a is 1 }
            exclude any { b is 2  c is 3 }
            exclude where c is 3
            exclude segment "Other One"
            include customers "c-1", "c-2"
            exclude customers "c-3"
            include customers "c-4"
        }
    """)
    assert seg.includes == (
        n.AllOf([A_IS_1, B_IS_2]), n.AnyOf([C_IS_3]), A_IS_1, n.Everyone(), n.InSegment("other"),
    )
    assert seg.excludes == (
        n.AllOf([A_IS_1]), n.AnyOf([B_IS_2, C_IS_3]), C_IS_3, n.InSegment("Other One"),
    )
    assert seg.include_customers == ("c-1", "c-2", "c-4")
    assert seg.exclude_customers == ("c-3",)


def test_nested_blocks() -> None:
    seg = segment("""
        segment s {
            include all {
                any { a is 1  none { b is 2  c is 3 } }
                all { all { a is 1 } }
            }
        }
    """)
    assert seg.includes == (n.AllOf([
        n.AnyOf([A_IS_1, n.Not(n.AnyOf([B_IS_2, C_IS_3]))]),
        n.AllOf([n.AllOf([A_IS_1])]),
    ]),)


def test_conditions_in_a_block_need_no_separator() -> None:
    seg = segment('segment s { include all { a is 1 b is one of 1, 2 c exists d is "x" } }')
    assert seg.includes == (n.AllOf([
        A_IS_1, cmp("b", "in", N(1), N(2)), cmp("c", "exists"), cmp("d", "eq", S("x")),
    ]),)


def test_in_segment_and_its_negations_are_the_same_construct() -> None:
    assert where("in segment vip") == n.InSegment("vip")
    assert where("not in segment vip") == n.Not(n.InSegment("vip"))
    assert where("not (in segment vip)") == n.Not(n.InSegment("vip"))
    assert where('in segment "High-Income Earners"') == n.InSegment("High-Income Earners")


def test_not_parenthesised_expression() -> None:
    assert where("not (a is 1 or b is 2)") == n.Not(n.AnyOf([A_IS_1, B_IS_2]))
    assert where("not not a is 1") == n.Not(n.Not(A_IS_1))


# --- infix expressions ------------------------------------------------------------------------


def test_precedence_not_then_and_then_or() -> None:
    assert where("a is 1 or b is 2 and not c is 3") == n.AnyOf([
        A_IS_1, n.AllOf([B_IS_2, n.Not(C_IS_3)]),
    ])
    assert where("not a is 1 and b is 2 or c is 3") == n.AnyOf([
        n.AllOf([n.Not(A_IS_1), B_IS_2]), C_IS_3,
    ])


def test_chains_are_flat() -> None:
    assert where("a is 1 and b is 2 and c is 3") == n.AllOf([A_IS_1, B_IS_2, C_IS_3])
    assert where("a is 1 or b is 2 or c is 3") == n.AnyOf([A_IS_1, B_IS_2, C_IS_3])


def test_parentheses_keep_nesting() -> None:
    assert where("(a is 1 or b is 2) and c is 3") == n.AllOf([n.AnyOf([A_IS_1, B_IS_2]), C_IS_3])
    assert where("a is 1 and (b is 2 and c is 3)") == n.AllOf([
        A_IS_1, n.AllOf([B_IS_2, C_IS_3]),
    ])
    assert where("((a is 1))") == A_IS_1


def test_first_and_belongs_to_between() -> None:
    assert where("x is between 1 and 5 and y is 2") == n.AllOf([
        cmp("x", "between", N(1), N(5)), cmp("y", "eq", N(2)),
    ])
    assert where("x is not between 1 and 5 or y is 2") == n.AnyOf([
        cmp("x", "between", N(1), N(5), negated=True), cmp("y", "eq", N(2)),
    ])


def test_blocks_inside_expressions() -> None:
    assert where("all { a is 1 } and any { b is 2 } or none { c is 3 }") == n.AnyOf([
        n.AllOf([n.AllOf([A_IS_1]), n.AnyOf([B_IS_2])]), n.Not(n.AnyOf([C_IS_3])),
    ])


# --- operands -------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("count(orders) > 1", n.Aggregate("count", attr("orders"))),
    ("count(orders.items) > 1", n.Aggregate("count", attr("orders", "items"))),
    ("sum(orders.total) > 1", n.Aggregate("sum", attr("orders"), ("total",))),
    ("avg(a.b.c) > 1", n.Aggregate("avg", attr("a", "b"), ("c",))),
    ("min(prices) > 1", n.Aggregate("min", attr("prices"))),
    ("max(session.cart.price) > 1",
     n.Aggregate("max", attr("cart", root="session"), ("price",))),
    ('count(orders where status is "paid") > 1',
     n.Aggregate("count", attr("orders"), where=cmp("status", "eq", S("paid")))),
    ('sum(orders.total where status is "paid" and total > 5) > 1',
     n.Aggregate("sum", attr("orders"), ("total",), n.AllOf([
         cmp("status", "eq", S("paid")), cmp("total", "gt", N(5)),
     ]))),
])
def test_aggregates(text: str, expected: n.Aggregate) -> None:
    assert where(text) == cmp(expected, "gt", N(1))


def test_aggregate_compared_with_a_duration() -> None:
    assert where("max(orders.placed_at) more than 90 days ago") == cmp(
        n.Aggregate("max", attr("orders"), ("placed_at",)), "more_than_ago",
        n.Duration(90, "days"),
    )


def test_time_functions() -> None:
    assert where("years_since(birth_date) >= 18") == cmp(
        n.TimeSince("years", attr("birth_date")), "ge", N(18)
    )
    assert where("days_since(session.last_seen) < 3") == cmp(
        n.TimeSince("days", attr("last_seen", root="session")), "lt", N(3)
    )


@pytest.mark.parametrize(("text", "expected"), [
    ("session.device", attr("device", root="session")),
    ("session.cart.total", attr("cart", "total", root="session")),
    ("profile.age", attr("age")),
    ("profile.address.city", attr("address", "city")),
    ("`session`.device", attr("session", "device")),
    ("`profile`.age", attr("profile", "age")),
    ("session", attr("session")),
    ("flags.`all`", attr("flags", "all")),
    ("flags.all", attr("flags", "all")),
    ("flags.where.in", attr("flags", "where", "in")),
    ("`all`", attr("all")),
    ("`count`", attr("count")),
    ("`first name`", attr("first name")),
    ("a.b.c", attr("a", "b", "c")),
    ("_private", attr("_private")),
])
def test_paths(text: str, expected: n.Attr) -> None:
    assert where(f"{text} exists") == cmp(expected, "exists")


@pytest.mark.parametrize("word", ["title", "groups", "include", "where", "segment", "everyone",
                                  "is", "and", "or", "true", "days", "ignoring", "contains"])
def test_words_that_need_no_backticks_as_attribute_names(word: str) -> None:
    assert where(f"{word} is 1") == cmp(word, "eq", N(1))


@pytest.mark.parametrize("word", ["not", "in", "all", "any", "none", "count", "sum", "avg", "min",
                                  "max", "years_since", "days_since"])
def test_backticked_condition_words(word: str) -> None:
    assert where(f"`{word}` is 1") == cmp(word, "eq", N(1))


# --- segment names --------------------------------------------------------------------------


@pytest.mark.parametrize(("written", "name"), [
    ("vip", "vip"),
    ("_x9", "_x9"),
    ("north-america", "north-america"),
    ("a-b-", "a-b-"),
    ('"High-Income Earners"', "High-Income Earners"),
    ('"with \\"quotes\\""', 'with "quotes"'),
    ('"all"', "all"),
    ("all", "all"),
])
def test_segment_names(written: str, name: str) -> None:
    text = f"segment {written} {{ include where in segment {written} }}"
    seg = segment(text)
    assert seg.name == name
    assert seg.includes == (n.InSegment(name),)


# --- values ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("literal", "value"), [
    ('"plain"', "plain"),
    ('""', ""),
    ('"say \\"hi\\""', 'say "hi"'),
    ('"back\\\\slash"', "back\\slash"),
    ('"line\\nbreak"', "line\nbreak"),
    ('"tab\\tstop"', "tab\tstop"),
    ('"caf\\u00e9"', "café"),
    ('"\\u00E9\\u4e2d"', "é中"),
    ('"unicode café 中"', "unicode café 中"),
    ('"# not a comment"', "# not a comment"),
    ('"/not a pattern/"', "/not a pattern/"),
])
def test_strings_and_escapes(literal: str, value: str) -> None:
    assert where(f"x is {literal}") == cmp("x", "eq", S(value))


@pytest.mark.parametrize(("literal", "value"), [
    ("0", 0), ("42", 42), ("-7", -7), ("+7", 7),
    ("1.5", Decimal("1.5")), ("-0.25", Decimal("-0.25")), ("+2.50", Decimal("2.50")),
    ("123456789012345678901234567890", 123456789012345678901234567890),
])
def test_numbers(literal: str, value: int | Decimal) -> None:
    (number,) = compare(f"x is {literal}").values
    assert isinstance(number, n.Number)
    assert number == N(value)
    assert type(number.value) is type(value)


def test_decimals_keep_their_text() -> None:
    (number,) = compare("x is 2.50").values
    assert isinstance(number, n.Number)
    assert str(number.value) == "2.50"


def test_booleans_dates_and_datetimes() -> None:
    assert where("x is true or y is false") == n.AnyOf([
        cmp("x", "eq", n.Boolean(True)), cmp("y", "eq", n.Boolean(False)),
    ])
    assert where("x is 2026-01-31") == cmp("x", "eq", DAY)
    assert where("x is after 2026-01-31T09:00:00Z") == cmp(
        "x", "gt", n.DateTime(dt.datetime(2026, 1, 31, 9, tzinfo=UTC))
    )
    assert where("x is before 2026-01-31T09:00:00") == cmp(
        "x", "lt", n.DateTime(dt.datetime(2026, 1, 31, 9, tzinfo=UTC))
    )


def test_bracketed_and_bare_lists_mean_the_same() -> None:
    bare = where('x is one of "a", "b", 3')
    assert bare == where('x is one of ["a", "b", 3]')
    assert bare == where('x in "a", "b", 3')
    assert bare == cmp("x", "in", S("a"), S("b"), N(3))
    assert where("x in [1]") == cmp("x", "in", N(1))


def test_bare_list_ends_at_the_next_condition() -> None:
    seg = segment('segment s { include all { x is one of 1, 2 y in ["a"] } }')
    assert seg.includes == (n.AllOf([cmp("x", "in", N(1), N(2)), cmp("y", "in", S("a"))]),)


@pytest.mark.parametrize(("literal", "pattern"), [
    ("/^a+$/", "^a+$"),
    (r"/a\/b/", "a/b"),
    (r"/^[a-z0-9.]+@\w+\.com$/", r"^[a-z0-9.]+@\w+\.com$"),
    (r"/\d{3}-\d{4}/", r"\d{3}-\d{4}"),
    (r"/a\\/", "a\\\\"),
    ('"^a\\\\d"', r"^a\d"),
    ('"a/b"', "a/b"),
])
def test_patterns(literal: str, pattern: str) -> None:
    assert where(f"x matches {literal}") == cmp("x", "matches", n.Regex(pattern))


def test_matches_with_a_string_gives_a_regex_node() -> None:
    (value,) = compare('x matches "^a"').values
    assert type(value) is n.Regex


@pytest.mark.parametrize("unit", sorted(UNITS))
def test_duration_units(unit: str) -> None:
    assert where(f"x within last 3 {unit}") == cmp("x", "within_last", n.Duration(3, UNITS[unit]))
    assert where(f"x more than 1 {unit} ago") == cmp(
        "x", "more_than_ago", n.Duration(1, UNITS[unit])
    )


# --- comments and layout ----------------------------------------------------------------------


def test_comments_everywhere() -> None:
    text = "\n".join([
        "# leading comment",
        "segment # after the keyword",
        "s # after the name",
        "{ # after the brace",
        '  title # before a string',
        '  "t" # after a string',
        "  include # after include",
        "  all # after all",
        "  { # inside",
        "    x # after the attribute",
        "    is # inside an operator",
        "    between 1 # between values",
        "    and 5",
        "    y is 2 # end of condition",
        "  } # after the block",
        "} # after the segment",
        "# trailing comment, no newline at the end",
    ])
    assert segment(text) == n.Segment(
        "s", title="t",
        includes=[n.AllOf([cmp("x", "between", N(1), N(5)), cmp("y", "eq", N(2))])],
    )


def test_whitespace_is_free() -> None:
    assert segment("segment s{include where a is 1}") == segment(
        "\n\n  segment\ts\n{\r\n include\n where\n a\n is\n 1\n}\n"
    )


def test_empty_and_comment_only_files() -> None:
    assert parse("") == n.Document(())
    assert parse("# nothing here\n\n# at all\n") == n.Document(())


def test_several_segments_keep_file_order() -> None:
    document = parse("segment b { }\nsegment a { }\nsegment c { }")
    assert [s.name for s in document.segments] == ["b", "a", "c"]


# --- the seed file of SPEC §1 ---------------------------------------------------------------


def test_seed_file() -> None:
    document = parse((CASES / "seed.seg").read_text("utf-8"), "seed.seg")
    na, high, vip, fraud = document.segments
    assert [s.name for s in document.segments] == [
        "north_america_adults", "High-Income Earners", "newsletter_vip", "fraud_suspects",
    ]
    assert na == n.Segment(
        "north_america_adults",
        title="North American adults",
        description="US (AK, FL, AL) and Canada (BC, NS), 18 or older",
        groups=("adults", "na"),
        active_from=dt.date(2026, 1, 1),
        active_until=dt.date(2027, 1, 1),
        stores=("main", "outlet"),
        includes=[
            n.AllOf([
                cmp("country", "eq", S("United States")),
                cmp("state", "in", S("Alaska"), S("Florida"), S("Alabama")),
            ]),
            n.AllOf([
                cmp("country", "eq", S("Canada")),
                cmp("state", "in", S("British Columbia"), S("Nova Scotia")),
            ]),
        ],
        excludes=[n.AnyOf([cmp("age", "lt", N(18)), cmp("age", "exists", negated=True)])],
        include_customers=("c-1001", "c-1002"),
        exclude_customers=("c-2000",),
    )
    assert high.includes == (n.AllOf([
        cmp("income", "ge", N(150000)), n.Not(cmp("country", "eq", S("Nowhere"))),
    ]),)
    (vip_block,) = vip.includes
    assert isinstance(vip_block, n.AllOf)
    assert vip_block.items == (
        n.InSegment("High-Income Earners"),
        cmp(n.Aggregate("sum", attr("orders"), ("total",), cmp("status", "eq", S("paid"))),
            "ge", N(500)),
        cmp(n.Aggregate("count", attr("orders"),
                        where=cmp("placed_at", "within_last", n.Duration(365, "days"))),
            "ge", N(2)),
        cmp(n.TimeSince("years", attr("birth_date")), "ge", N(18)),
        cmp("interests", "contains_any", S("golf"), S("sailing")),
        cmp("email", "ends_with", S("@example.com"), ignore_case=True),
        cmp(attr("device", root="session"), "eq", S("mobile")),
    )
    assert vip.excludes == (n.InSegment("fraud_suspects"),)
    assert fraud == n.Segment("fraud_suspects")


# --- spans ------------------------------------------------------------------------------------

SPAN_TEXT = """\
# a comment line
segment "Big Spenders" {
    include all {
        total_spent >= 1000
        email ends with "@x.com"
    }
}
"""


def test_segment_spans() -> None:
    (seg,) = parse(SPAN_TEXT, "spans.seg").segments
    assert seg.span is not None and seg.name_span is not None
    assert (seg.span.line, seg.span.column) == (2, 1)
    assert (seg.span.end_line, seg.span.end_column) == (7, 2)
    assert (seg.name_span.line, seg.name_span.column) == (2, 9)
    assert seg.name_span.text == '"Big Spenders"'
    assert str(seg.name_span) == "spans.seg:2:9"


def test_condition_spans() -> None:
    (seg,) = parse(SPAN_TEXT, "spans.seg").segments
    (block,) = seg.includes
    assert isinstance(block, n.AllOf)
    first, second = block.items
    assert isinstance(first, n.Compare) and isinstance(second, n.Compare)
    assert first.span is not None and second.span is not None
    assert (first.span.line, first.span.column) == (4, 9)
    assert first.span.text == "total_spent >= 1000"
    assert (second.span.line, second.span.column, second.span.end_column) == (5, 9, 33)
    assert second.left.span is not None and second.left.span.text == "email"
    (value,) = second.values
    assert value.span is not None
    assert (value.span.line, value.span.column) == (5, 25)
    assert value.span.text == '"@x.com"'
    assert block.span is not None
    assert (block.span.line, block.span.column, block.span.end_line) == (3, 13, 6)


def test_span_of_a_nested_reference() -> None:
    text = "segment a {\n  include where x is 1 and\n      not in segment b\n}\nsegment b { }\n"
    seg = parse(text).segments[0]
    (expr,) = seg.includes
    assert isinstance(expr, n.AllOf)
    negation = expr.items[1]
    assert isinstance(negation, n.Not)
    assert negation.span is not None and negation.item.span is not None
    assert (negation.span.line, negation.span.column) == (3, 7)
    assert (negation.item.span.line, negation.item.span.column) == (3, 11)
    assert negation.item.span.text == "in segment b"
