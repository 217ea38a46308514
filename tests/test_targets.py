"""Targets: parsing and canonical printing, every mode, unknown names, each segment evaluated once,
and WebSphere Commerce's "Female customers / Male customers" promotion."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from doubles import CountingMembers
from segrules.errors import (
    SegrulesError,
    SegrulesSyntaxError,
    SegrulesValueError,
    UnknownSegmentError,
)
from segrules.loader import loads
from segrules.membership import MemoryMembership
from segrules.targets import MODES, Target
from strategies import segment_names

NOW = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)

BOOK = loads("""
segment "Female customers" { include where gender is "female" }
segment "Male customers" { include where gender is "male" }
segment big_spenders { include where sum(orders.total) >= 1000 }
segment vip_women {
    include all {
        in segment "Female customers"
        in segment big_spenders
    }
}
segment eu_store { stores "eu"
    include everyone }
segment spring_sale { active from 2026-03-01 until 2026-06-01
    include everyone }
segment fraud_suspects { }
""")

WOMAN = {"id": "c-1", "gender": "female", "orders": [{"total": 1500}]}
MAN = {"id": "c-2", "gender": "male", "orders": [{"total": 20}]}
UNKNOWN = {"id": "c-3"}
BIG_SPENDING_MAN = {"id": "c-5", "gender": "male", "orders": [{"total": 999}, {"total": 1}]}


# --- parsing and printing -----------------------------------------------------------------------


@pytest.mark.parametrize(("text", "mode", "names", "canonical"), [
    ('any of "Female customers", "Male customers"', "any",
     ("Female customers", "Male customers"), 'any of "Female customers", "Male customers"'),
    ("all of big_spenders,vip_women", "all", ("big_spenders", "vip_women"),
     "all of big_spenders, vip_women"),
    ('none of "fraud_suspects"', "none", ("fraud_suspects",), "none of fraud_suspects"),
    ("  any\n of\tbig-spenders ,  x_1  ", "any", ("big-spenders", "x_1"),
     "any of big-spenders, x_1"),
    (r'any of "say \"hi\"", "tab\there", "\u00e9t\u00e9"', "any",
     ('say "hi"', "tab\there", "été"), r'any of "say \"hi\"", "tab\there", "été"'),
    ("any of all, segment", "any", ("all", "segment"), 'any of "all", "segment"'),
])
def test_parse_and_print(text: str, mode: str, names: tuple[str, ...], canonical: str) -> None:
    target = Target.parse(text)
    assert (target.mode, target.names) == (mode, names)
    assert str(target) == canonical
    assert Target.parse(canonical) == target


@given(st.sampled_from(MODES), st.lists(segment_names(), min_size=1, max_size=4))
def test_printing_round_trips(mode: str, names: list[str]) -> None:
    target = Target(mode, names)
    assert Target.parse(str(target)) == target
    assert str(Target.parse(str(target))) == str(target)


@pytest.mark.parametrize(("text", "code", "column", "message", "hint"), [
    ("", "SR103", 1, "expected `any of`, `all of` or `none of`, found the end", "any of"),
    ("nay of a", "SR101", 1, "found `nay`", "did you mean `any of`?"),
    ("ANY of a", "SR101", 1, "found `ANY`", "did you mean `any of`?"),
    ("some of a", "SR101", 1, "found `some`", "did you mean `any of`?"),
    ("every of a", "SR101", 1, "found `every`", "did you mean `all of`?"),
    ("promo of a", "SR101", 1, "expected `any of`, `all of` or `none of`", "starts with"),
    ("any a", "SR101", 5, "expected `of` after `any`, found `a`", "write `any of`"),
    ("all of", "SR103", 7, "expected a segment name, found the end", "quoted"),
    ("any of a,", "SR103", 10, "expected a segment name", None),
    ("any of a,, b", "SR101", 10, "expected a segment name, found `,`", None),
    ("any of Female customers", "SR101", 15, "expected `,` or the end of the target",
     'a name with spaces is quoted: "Female customers"'),
    ('any of "Female', "SR103", 8, "unterminated string", "double quote"),
    ("any of a; b", "SR101", 9, "unexpected character ';'", "quote"),
    (r'any of "a\d"', "SR104", 10, "invalid escape `\\d`", None),
])
def test_syntax_errors_point_at_the_mistake(text: str, code: str, column: int, message: str,
                                            hint: str | None) -> None:
    with pytest.raises(SegrulesSyntaxError) as caught:
        Target.parse(text, "promo.target")
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.code == code
    assert message in diagnostic.message
    assert diagnostic.span is not None and diagnostic.span.column == column
    if hint is not None:
        assert diagnostic.hint is not None and hint in diagnostic.hint
    assert isinstance(caught.value, SegrulesError)


def test_a_syntax_error_renders_with_a_caret() -> None:
    with pytest.raises(SegrulesSyntaxError) as caught:
        Target.parse("any of Female customers", "promo.target")
    assert str(caught.value) == "\n".join([
        "promo.target:1:15: error[SR101]: expected `,` or the end of the target, "
        "found `customers`",
        "  |",
        "1 | any of Female customers",
        "  |               ^^^^^^^^^",
        'help: a name with spaces is quoted: "Female customers"',
    ])


def test_a_target_is_frozen() -> None:
    target = Target.parse("any of a")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        target.mode = "all"  # type: ignore[misc]


@pytest.mark.parametrize(("mode", "names", "message", "hint"), [
    ("any", "vip", "a target's segments are a list of names, not the single value 'vip'",
     "write ['vip']"),
    ("any", b"vip", "not the single value b'vip'", "write [b'vip']"),
    ("some", ["vip"], "a target's mode is 'any', 'all' or 'none', not 'some'",
     "did you mean 'any'?"),
    ("al", ["vip"], "not 'al'", "did you mean 'all'?"),
    ("None", ["vip"], "not 'None'", "did you mean 'none'?"),
    ("sometimes", ["vip"], "not 'sometimes'", "a target's mode is 'any', 'all' or 'none'"),
    (None, ["vip"], "not None", "a target's mode is 'any', 'all' or 'none'"),
    ("any", [], "a target needs at least one segment", 'write Target("any", ["vip"])'),
    ("any", 3, "a target's segments are a list of names, not 3", 'write Target("any", '),
    ("any", None, "not None", None),
    ("any", ["vip", 3], "a segment name is a string, not 3", None),
    ("any", [["vip"]], "a segment name is a string, not ['vip']", None),
])
def test_a_target_built_in_code_is_validated(mode: Any, names: Any, message: str,
                                             hint: str | None) -> None:
    with pytest.raises(SegrulesValueError) as caught:
        Target(mode, names)
    (problem,) = caught.value.diagnostics
    assert problem.code == "SR371"
    assert message in problem.message
    if hint is not None:
        assert problem.hint is not None and problem.hint.startswith(hint)


def test_evolve_validates_too() -> None:
    with pytest.raises(SegrulesValueError, match="not the single value 'vip'"):
        attrs.evolve(Target("any", ["a"]), names="vip")
    with pytest.raises(SegrulesValueError, match="did you mean 'all'"):
        attrs.evolve(Target("any", ["a"]), mode="every")


@pytest.mark.parametrize("make", [
    lambda: ("vip", "big"), lambda: ["vip", "big"], lambda: {"vip": 1, "big": 2},
    lambda: (name for name in ["vip", "big"]),
])
def test_any_iterable_of_names_is_accepted(make: Any) -> None:
    assert Target("all", make()).names == ("vip", "big")


@pytest.mark.parametrize("text", [None, b"any of vip", 3, ["any of vip"]])
def test_parse_needs_text(text: Any) -> None:
    with pytest.raises(SegrulesValueError, match="a target's text is a string"):
        Target.parse(text)


def test_parse_checks_names_against_a_book_when_given_one() -> None:
    assert Target.parse("any of big_spenders", book=BOOK) == Target("any", ["big_spenders"])
    with pytest.raises(UnknownSegmentError) as caught:
        Target.parse("any of big_spender", "promo.target", book=BOOK)
    (problem,) = caught.value.diagnostics
    assert problem.hint == "did you mean `big_spenders`?"
    assert problem.span is not None and problem.span.column == 8


def test_equality_ignores_spelling_and_positions() -> None:
    parsed = Target.parse('any of "a",b')
    assert parsed == Target.parse('any of a, "b"') == Target("any", ["a", "b"])
    assert parsed.spans[1].column == 12


# --- unknown names ------------------------------------------------------------------------------


def test_check_accepts_known_names() -> None:
    Target.parse('any of "Female customers", vip_women').check(BOOK)


def test_check_names_every_unknown_segment_with_did_you_mean() -> None:
    target = Target.parse('any of "Female customer", big_spenders, nobody_at_all', "slot")
    with pytest.raises(UnknownSegmentError) as caught:
        target.check(BOOK)
    assert isinstance(caught.value, KeyError)
    first, second = caught.value.diagnostics
    assert first.message == "no segment named 'Female customer'"
    assert first.hint == "did you mean `Female customers`?"
    assert first.span is not None and (first.span.column, first.span.text) == (
        8, '"Female customer"')
    assert second.message == "no segment named 'nobody_at_all'"
    assert second.hint is None
    assert "slot:1:41: error[SR204]" in str(caught.value)


def test_matches_refuses_unknown_names_even_after_a_match() -> None:
    # `any of` stops at its first member, but a misspelled name must never go live unnoticed.
    with pytest.raises(UnknownSegmentError):
        Target.parse("any of big_spenders, big_spender").matches(BOOK, WOMAN, now=NOW)


# --- evaluation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("mode", "profile", "expected"), [
    ("any", WOMAN, True), ("any", BIG_SPENDING_MAN, True), ("any", MAN, False),
    ("all", WOMAN, True), ("all", BIG_SPENDING_MAN, False), ("all", MAN, False),
    ("none", WOMAN, False), ("none", BIG_SPENDING_MAN, False), ("none", MAN, True),
])
def test_every_mode(mode: str, profile: dict[str, Any], expected: bool) -> None:
    target = Target(mode, ["Female customers", "big_spenders"])
    assert target.matches(BOOK, profile, now=NOW) is expected


def test_websphere_female_or_male_customers() -> None:
    # WebSphere Commerce's example: a promotion for "Female customers" or "Male customers" is
    # shown to every shopper who told us their gender, and to nobody who did not.
    target = Target.parse('any of "Female customers", "Male customers"')
    assert target.matches(BOOK, WOMAN, now=NOW)
    assert target.matches(BOOK, MAN, now=NOW)
    assert not target.matches(BOOK, UNKNOWN, now=NOW)
    assert not target.matches(BOOK, {"gender": "FEMALE"}, now=NOW)
    assert not target.matches(BOOK, None, now=NOW)  # an anonymous visitor


def test_the_arguments_reach_every_segment() -> None:
    target = Target.parse("all of eu_store, spring_sale")
    assert target.matches(BOOK, UNKNOWN, store="eu", now=NOW)
    assert not target.matches(BOOK, UNKNOWN, store="us", now=NOW)
    assert not target.matches(BOOK, UNKNOWN, store="eu", now=dt.date(2026, 6, 1))
    members = MemoryMembership()
    members.add("fraud_suspects", "c-3")
    suspects = Target.parse("none of fraud_suspects")
    assert not suspects.matches(BOOK, UNKNOWN, now=NOW, members=members)
    assert suspects.matches(BOOK, UNKNOWN, customer_id="c-4", now=NOW, members=members)
    assert not suspects.matches(BOOK, {}, customer_id="c-3", now=NOW, members=members)


def test_the_target_agrees_with_the_book() -> None:
    names = list(BOOK.names)
    for profile in (WOMAN, MAN, UNKNOWN):
        within = BOOK.segments_for(profile, now=NOW)
        for mode, expected in (("any", bool(within)), ("all", set(names) <= within),
                               ("none", not within)):
            assert Target(mode, names).matches(BOOK, profile, now=NOW) is expected


def test_each_segment_is_evaluated_at_most_once() -> None:
    members = CountingMembers()
    target = Target.parse('all of vip_women, "Female customers", big_spenders, vip_women')
    assert target.matches(BOOK, WOMAN, now=NOW, members=members)
    assert sorted(members.asked) == ["Female customers", "big_spenders", "vip_women"]


def test_evaluation_stops_once_the_answer_is_known() -> None:
    members = CountingMembers()
    target = Target.parse('any of "Male customers", "Female customers", big_spenders')
    assert target.matches(BOOK, WOMAN, now=NOW, members=members)
    assert members.asked == ["Male customers", "Female customers"]


def test_now_must_be_a_moment() -> None:
    with pytest.raises(TypeError):
        Target.parse("any of big_spenders").matches(BOOK, WOMAN, now="2026-01-01")  # type: ignore[arg-type]


def test_odd_input_is_not_a_match() -> None:
    # An unhashable store cannot be looked up in a segment's store list: not a member.
    assert not Target.parse("any of eu_store").matches(
        BOOK, UNKNOWN, store=["eu"], now=NOW)  # type: ignore[arg-type]
