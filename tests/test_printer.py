"""The canonical text: pinned output for representative segments, and that it parses back.

Every expected text here was reviewed by eye as what a formatter should write; each case also
checks that the text re-parses to the same tree, since the printer exists for that round trip.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest

import segrules
from segrules import nodes as n
from segrules.errors import SegrulesValueError
from segrules.parser import parse
from segrules.printer import dumps

SPEC = Path(__file__).resolve().parents[1] / ".." / "shared" / "SPEC.md"

SEED = '''\
segment north_america_adults {
    title "North American adults"
    description "US (AK, FL, AL) and Canada (BC, NS), 18 or older"
    groups "adults", "na"
    active from 2026-01-01 until 2027-01-01
    stores "main", "outlet"

    include all {
        country is "United States"
        state is one of "Alaska", "Florida", "Alabama"
    }
    include all {
        country is "Canada"
        state is one of "British Columbia", "Nova Scotia"
    }
    exclude any {
        age < 18
        age does not exist
    }
    include customers "c-1001", "c-1002"
    exclude customers "c-2000"
}

segment "High-Income Earners" {
    include all {
        income >= 150000
        not (country is "Nowhere")
    }
}

segment newsletter_vip {
    include all {
        in segment "High-Income Earners"
        sum(orders.total where status is "paid") >= 500
        count(orders where placed_at within last 365 days) >= 2
        years_since(birth_date) >= 18
        interests contains any of "golf", "sailing"
        email ends with "@example.com" ignoring case
        session.device is "mobile"
    }
    exclude segment fraud_suspects
}

segment fraud_suspects { }
'''


def _seed_text() -> str:
    """The example file of SPEC §1, when the shared SPEC is available; else our own copy."""
    if not SPEC.exists():
        return SEED
    match = re.search(r"```\n(# segments/north_america\.seg.*?)```", SPEC.read_text(), re.S)
    assert match, "SPEC §1 no longer has the seed example"
    return match.group(1)


def _attr(*names: str, root: str = "profile") -> n.Attr:
    return n.Attr(names, root)


def _eq(name: str, value: n.Value) -> n.Compare:
    return n.Compare(_attr(name), "eq", (value,))


A, B, C, D = (_eq(name, n.Number(i)) for i, name in enumerate("abcd", start=1))


def _where(expr: n.Expr) -> str:
    """The text of ``include where EXPR`` for one expression, checked to parse back to it."""
    segment = n.Segment("s", includes=(expr,))
    text = dumps(segment)
    assert parse(text).segments[0] == segment, text
    prefix, suffix = "segment s {\n    include ", "\n}\n"
    assert text.startswith(prefix) and text.endswith(suffix), text
    return text[len(prefix) : -len(suffix)]


def _condition(compare: n.Compare) -> str:
    text = _where(compare)
    assert text.startswith("where ")
    return text[len("where ") :]


def test_seed_file_prints_canonically() -> None:
    document = parse(_seed_text())
    assert dumps(document) == SEED
    assert parse(SEED) == document


def test_a_book_and_a_segment_print_too() -> None:
    book = segrules.loads(SEED)
    assert dumps(book) == SEED
    assert dumps(book.document.segments[-1]) == "segment fraud_suspects { }\n"


def test_header_clauses_in_fixed_order_and_body_after_a_blank_line() -> None:
    segment = n.Segment(
        "s", title="T", description="D", groups=("g",), stores=("s1", "s2"), disabled=True,
        active_until=dt.date(2027, 1, 1), includes=(n.Everyone(),),
        exclude_customers=("x",), include_customers=("y",),
    )
    assert dumps(segment) == (
        "segment s {\n"
        '    title "T"\n'
        '    description "D"\n'
        '    groups "g"\n'
        "    active until 2027-01-01\n"
        "    disabled\n"
        '    stores "s1", "s2"\n'
        "\n"
        "    include everyone\n"
        '    include customers "y"\n'
        '    exclude customers "x"\n'
        "}\n"
    )


def test_segments_are_separated_by_one_blank_line() -> None:
    document = n.Document((n.Segment("a"), n.Segment("b", includes=(n.InSegment("a"),))))
    assert dumps(document) == "segment a { }\n\nsegment b {\n    include segment a\n}\n"


@pytest.mark.parametrize(
    ("compare", "text"),
    [
        (n.Compare(_attr("tags"), "contains_any", (n.String("x"),)), 'tags contains "x"'),
        (n.Compare(_attr("tags"), "contains_any", (n.String("x"),), negated=True),
         'tags does not contain "x"'),
        (n.Compare(_attr("tags"), "contains_any", (n.String("x"), n.Number(2))),
         'tags contains any of "x", 2'),
        (n.Compare(_attr("tags"), "contains_any", (n.String("x"), n.String("y")), negated=True),
         'tags does not contain any of "x", "y"'),
        (n.Compare(_attr("tags"), "contains_all", (n.String("x"),)), 'tags contains all of "x"'),
        (n.Compare(_attr("d"), "lt", (n.Date(dt.date(2026, 1, 31)),)), "d is before 2026-01-31"),
        (n.Compare(_attr("d"), "gt", (n.DateTime(dt.datetime(2026, 1, 31, 9, tzinfo=dt.UTC)),)),
         "d is after 2026-01-31T09:00:00Z"),
        (n.Compare(_attr("d"), "le", (n.Date(dt.date(2026, 1, 31)),)), "d <= 2026-01-31"),
        (n.Compare(_attr("age"), "lt", (n.Number(18),)), "age < 18"),
        (n.Compare(_attr("x"), "more_than_ago", (n.Duration(90, "days"),)),
         "x more than 90 days ago"),
        (n.Compare(_attr("x"), "within_last", (n.Duration(1, "hours"),)), "x within last 1 hour"),
        (n.Compare(_attr("x"), "between", (n.Number(1), n.Number(5))), "x is between 1 and 5"),
        (n.Compare(_attr("x"), "in", (n.String("a"), n.String("b")), negated=True),
         'x is not one of "a", "b"'),
        (n.Compare(_attr("x"), "exists", (), negated=True), "x does not exist"),
        (n.Compare(_attr("x"), "empty", ()), "x is empty"),
        (n.Compare(_attr("x"), "eq", (n.Boolean(True),), negated=True), "x is not true"),
        (n.Compare(_attr("x"), "starts_with", (n.String("A"),), ignore_case=True),
         'x starts with "A" ignoring case'),
    ],
)
def test_operator_spellings(compare: n.Compare, text: str) -> None:
    assert _condition(compare) == text


@pytest.mark.parametrize(
    ("literal", "text"),
    [
        (n.String('say "hi" \\ \n \t'), r'"say \"hi\" \\ \n \t"'),
        (n.String("\x00\x1b\u2028é😀"), '"\\u0000\\u001b\\u2028é😀"'),
        (n.Number(Decimal("1E+2")), "100"),
        (n.Number(Decimal("1.50")), "1.50"),
        (n.Number(Decimal("-0.001")), "-0.001"),
        (n.Number(-42), "-42"),
        (n.Number(2.0**-20), "0.00000095367431640625"),  # type: ignore[arg-type]
        (n.DateTime(dt.datetime(2026, 1, 31, 9, 0, 0, 250000, tzinfo=dt.UTC)),
         "2026-01-31T09:00:00.250000Z"),
        (n.DateTime(dt.datetime(2026, 1, 31, 9, tzinfo=dt.timezone(dt.timedelta(hours=5.5)))),
         "2026-01-31T09:00:00+05:30"),
        (n.DateTime(dt.datetime(2026, 1, 31, 9, tzinfo=dt.timezone(-dt.timedelta(hours=8)))),
         "2026-01-31T09:00:00-08:00"),
    ],
)
def test_literals(literal: n.Value, text: str) -> None:
    assert _condition(n.Compare(_attr("x"), "eq", (literal,))) == f"x is {text}"


def test_datetimes_without_a_text_form_print_as_utc() -> None:
    naive = dt.datetime(2026, 1, 31, 9)
    odd = dt.datetime(2026, 1, 31, 9, tzinfo=dt.timezone(dt.timedelta(seconds=30)))
    segment = n.Segment("s", active_from=naive, active_until=odd)
    assert "active from 2026-01-31T09:00:00Z until 2026-01-31T08:59:30Z" in dumps(segment)


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        (r"^[a-z0-9.]+@\w+\.com$", r"/^[a-z0-9.]+@\w+\.com$/"),
        ("a/b", r"/a\/b/"),
        # A pattern already holding `\/`, or a line break, cannot be a raw literal.
        (r"a\/b", r'"a\\/b"'),
        ("a\nb", r'"a\nb"'),
    ],
)
def test_patterns(pattern: str, text: str) -> None:
    compare = n.Compare(_attr("x"), "matches", (n.Regex(pattern),))
    assert _condition(compare) == f"x matches {text}"


@pytest.mark.parametrize(
    ("left", "text"),
    [
        (_attr("flags", "all"), "flags.`all`"),
        (_attr("session", "x"), "`session`.x"),
        (_attr("x", root="session"), "session.x"),
        (_attr("profile", "x"), "`profile`.x"),
        (_attr("first name"), "`first name`"),
        (_attr("not"), "`not`"),
        (_attr("count"), "`count`"),
        (_attr("days"), "`days`"),
        (n.Aggregate("count", _attr("orders")), "count(orders)"),
        (n.Aggregate("sum", _attr("a", "orders"), ("all",), A),
         "sum(a.orders.`all` where a is 1)"),
        (n.TimeSince("days", _attr("seen")), "days_since(seen)"),
    ],
)
def test_operands_and_names(left: n.Operand, text: str) -> None:
    assert _condition(n.Compare(left, "exists")) == f"{text} exists"


@pytest.mark.parametrize(
    ("name", "text"),
    [("vip", "vip"), ("a-b_1", "a-b_1"), ("all", '"all"'), ("segment", '"segment"'),
     ("High-Income Earners", '"High-Income Earners"'), ('say "x"', r'"say \"x\""'),
     ("2026", '"2026"')],
)
def test_segment_names(name: str, text: str) -> None:
    document = n.Document((n.Segment(name), n.Segment("t", includes=(n.InSegment(name),))))
    printed = dumps(document)
    assert printed == f"segment {text} {{ }}\n\nsegment t {{\n    include segment {text}\n}}\n"
    assert parse(printed) == document


@pytest.mark.parametrize(
    ("expr", "text"),
    [
        (n.AllOf((A, n.AllOf((B, C)))), "all {\n        a is 1\n        all {\n"),
        (n.Not(A), "where not (a is 1)"),
        (n.Not(n.InSegment("x")), "where not in segment x"),
        (n.Not(n.AnyOf((n.AllOf((A, B)), C))), "where not (a is 1 and b is 2 or c is 3)"),
        (n.AllOf((n.AnyOf((A, B)), C)), "all {\n        any {\n"),
        (n.Not(n.AllOf((A, n.AllOf((B, C))))), "where not (a is 1 and (b is 2 and c is 3))"),
        (n.Not(n.AnyOf((A, n.AnyOf((B, C))))), "where not (a is 1 or (b is 2 or c is 3))"),
        (n.Not(n.AnyOf((n.AllOf((A, n.AnyOf((B, C)))), D))),
         "where not (a is 1 and (b is 2 or c is 3) or d is 4)"),
        (n.Not(n.AllOf((A,))), "where not (all { a is 1 })"),
        (n.Not(n.AllOf((n.AnyOf((A,)), n.Not(n.AnyOf((B, C)))))),
         "where not (any { a is 1 } and not (b is 2 or c is 3))"),
        (n.Not(n.Not(A)), "where not (not (a is 1))"),
    ],
)
def test_infix_parentheses_keep_the_tree(expr: n.Expr, text: str) -> None:
    assert _where(expr).startswith(text)


def test_block_items() -> None:
    block = n.AllOf((
        A,
        n.InSegment("x"),
        n.Not(n.InSegment("y")),
        n.AnyOf((B, C)),
        n.Not(n.AnyOf((D,))),
        n.Not(n.AllOf((A, B))),
        n.Compare(n.Aggregate("count", _attr("o"), where=n.AnyOf((A, n.AllOf((B, C))))), "ge",
                  (n.Number(2),)),
    ))
    assert _where(block) == (
        "all {\n"
        "        a is 1\n"
        "        in segment x\n"
        "        not in segment y\n"
        "        any {\n"
        "            b is 2\n"
        "            c is 3\n"
        "        }\n"
        "        none {\n"
        "            d is 4\n"
        "        }\n"
        "        not (a is 1 and b is 2)\n"
        "        count(o where a is 1 or b is 2 and c is 3) >= 2\n"
        "    }"
    )


def test_top_level_block_forms() -> None:
    segment = n.Segment(
        "s",
        includes=(n.AnyOf((A,)), n.InSegment("t"), n.Not(n.AnyOf((B,)))),
        excludes=(n.AllOf((C,)), n.InSegment("u"), D),
    )
    assert dumps(segment) == (
        "segment s {\n"
        "    include any {\n        a is 1\n    }\n"
        "    include segment t\n"
        "    include where not (any { b is 2 })\n"
        "    exclude all {\n        c is 3\n    }\n"
        "    exclude segment u\n"
        "    exclude where d is 4\n"
        "}\n"
    )
    assert parse(dumps(segment)).segments[0] == segment


@pytest.mark.parametrize(
    ("tree", "message"),
    [
        (n.Segment("s", includes=(n.AllOf(()),)), "no conditions"),
        (n.Segment("s", includes=(n.Not(n.AnyOf(())),)), "empty"),
        (n.Segment("s", includes=(n.AllOf((n.Everyone(),)),)), "inside a condition"),
        (n.Segment("s", includes=(n.Compare(_attr("a`b"), "exists"),)), "backticks"),
        (n.Segment("s", includes=(n.Compare(_attr("a"), "nope"),)), "unknown operator"),
        (n.Segment("s", includes=(n.Compare(_attr("a"), "between", (n.Number(1),)),)),
         "two values"),
        (n.Segment("s", includes=(n.Compare(_attr("a"), "eq", (n.Number(Decimal("NaN")),)),)),
         "not a number"),
        (n.Segment("s", includes=(n.Compare(n.Attr(()), "exists"),)), "at least one name"),
        (n.Segment("s", includes=(n.Compare(_attr("a"), "eq", (n.Number(True),)),)),
         "a boolean"),
        # The text `sum(a.b.c)` always means the field `c` of the records in `a.b`.
        (n.Segment("s", includes=(n.Compare(n.Aggregate("sum", _attr("a"), ("b", "c")),
                                            "exists"),)), "no text form"),
        (n.Segment("s", includes=(n.Compare(n.Aggregate("avg", _attr("a", "b")), "exists"),)),
         "no text form"),
        (n.Segment("s", includes=(n.Compare(n.Aggregate("count", _attr("a"), ("b",)),
                                            "exists"),)), "no text form"),
        ("not a tree", "cannot print"),
    ],
)
def test_trees_no_text_can_express_are_refused(tree: object, message: str) -> None:
    with pytest.raises(SegrulesValueError, match=message) as raised:
        dumps(tree)
    assert raised.value.diagnostics[0].code == "SR392"
