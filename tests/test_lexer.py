"""The Pygments lexer: highlights every example cleanly, never loses text, names tokens right."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pygments.token import (
    Comment,
    Error,
    Keyword,
    Literal,
    Name,
    Number,
    Operator,
    String,
    Whitespace,
    _TokenType,
)

from segrules.lexer import SegrulesLexer
from segrules.operators import SPELLINGS

EXAMPLES = sorted((Path(__file__).parent.parent / "examples" / "segments").glob("*.seg"))


def tokens(text: str) -> list[tuple[_TokenType, str]]:
    return [(kind, value) for _, kind, value in SegrulesLexer().get_tokens_unprocessed(text)]


def visible(text: str) -> list[tuple[_TokenType, str]]:
    return [(kind, value) for kind, value in tokens(text) if kind is not Whitespace]


def kind_of(text: str, piece: str, occurrence: int = 0) -> _TokenType:
    """The type of the token whose text is exactly ``piece`` (the n-th such token)."""
    found = [kind for kind, value in tokens(text) if value == piece]
    assert len(found) > occurrence, f"no token {piece!r} in {tokens(text)}"
    return found[occurrence]


def test_there_are_examples() -> None:
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_have_no_error_tokens_and_round_trip(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    found = tokens(text)
    assert "".join(value for _, value in found) == text
    assert [value for kind, value in found if kind in Error] == []


@pytest.mark.parametrize("spelling", sorted(SPELLINGS))
def test_every_operator_spelling_is_one_operator_token(spelling: str) -> None:
    if spelling == "more than ago":
        found = tokens("x more than 3 days ago")
        assert (Operator.Word, "more than") in found
        assert (Operator.Word, "ago") in found
        return
    # Extra whitespace between words is still one spelling.
    written = "  ".join(spelling.split(" "))
    found = visible(f"x {written} 1")
    assert found[0] == (Name.Attribute, "x")
    assert found[1][0] in Operator
    assert found[1][1] == written


@pytest.mark.parametrize(
    ("text", "piece", "kind"),
    [
        ('segment vip { include where a is 1 }', "segment", Keyword.Declaration),
        ('segment vip { include where a is 1 }', "vip", Name.Class),
        ('segment "High-Income Earners" { }', '"High-Income Earners"', Name.Class),
        ("include segment big_spenders", "segment", Keyword),
        ("include segment big_spenders", "big_spenders", Name.Class),
        ("include segment big_spenders", "include", Keyword),
        ("not in segment fraud", "not", Operator.Word),
        ("not in segment fraud", "in", Keyword),
        ("not in segment fraud", "fraud", Name.Class),
        ("tier not in [1, 2]", "not in", Operator.Word),
        ("tier is not one of 1, 2", "is not one of", Operator.Word),
        ("is_vip is true", "is_vip", Name.Attribute),
        ("is_vip is true", "true", Keyword.Constant),
        ("flags.`all` is false", "`all`", Name.Attribute),
        ("orders.is = 2", "is", Name.Attribute),
        ("session.device is 1", "session", Name.Builtin.Pseudo),
        ("profile.age > 1", "profile", Name.Builtin.Pseudo),
        ('count(orders where status is "paid") >= 2', "count", Name.Builtin),
        ('count(orders where status is "paid") >= 2', "where", Keyword),
        ("years_since(birth_date) >= 18", "years_since", Name.Builtin),
        ("placed_at within last 30 days", "within last", Operator.Word),
        ("placed_at within last 30 days", "30", Number.Integer),
        ("placed_at within last 30 days", "days", Keyword.Type),
        ("login more than 1 year ago", "year", Keyword.Type),
        ("email matches /^a\\/b\\.c$/", "/^a\\/b\\.c$/", String.Regex),
        ("d is before 2026-01-31", "2026-01-31", Literal.Date),
        ("d > 2026-01-31T09:00:00Z", "2026-01-31T09:00:00Z", Literal.Date),
        ("x > -1.5", "-1.5", Number.Float),
        ("x > +12", "+12", Number.Integer),
        ('x is "a\\"b"', '\\"', String.Escape),
        ('x is "\\u00e9"', "\\u00e9", String.Escape),
        ('x is "a\\qb"', "\\q", Error),
        ('email ends with "@x.com" ignoring case', "ignoring", Keyword),
        ('email ends with "@x.com" ignoring case', "case", Keyword),
        ('title "VIP"', "title", Keyword),
        ('title is "Dr"', "title", Name.Attribute),
        ('groups "a", "b"', "groups", Keyword),
        ("active from 2026-01-01 until 2027-01-01", "until", Keyword),
        ("active from 2026-01-01 until 2027-01-01", "2027-01-01", Literal.Date),
        ("segment s {\n  disabled\n  include everyone\n}", "disabled", Keyword),
        ("segment s {\n  disabled\n  include everyone\n}", "everyone", Keyword),
        ("disabled is true", "disabled", Name.Attribute),
        ('include customers "c-1"', "customers", Keyword),
        ("include all { a is 1 }", "all", Keyword),
        ('interests contains all of "a"', "contains all of", Operator.Word),
        ("none { a is 1 }", "none", Keyword),
        ("# a comment", "# a comment", Comment.Single),
        ("a is 1 and b is 2 or not c is 3", "or", Operator.Word),
    ],
)
def test_key_tokens(text: str, piece: str, kind: _TokenType) -> None:
    assert kind_of(text, piece) is kind


def test_between_takes_its_own_and() -> None:
    found = visible("x is between 1 and 5 and y is 2")
    assert found[:5] == [
        (Name.Attribute, "x"), (Operator.Word, "is between"), (Number.Integer, "1"),
        (Operator.Word, "and"), (Number.Integer, "5"),
    ]


def test_a_stray_character_is_an_error() -> None:
    assert kind_of("a is 1 @", "@") in Error


@given(st.text(max_size=200))
def test_any_text_round_trips(text: str) -> None:
    found = SegrulesLexer().get_tokens_unprocessed(text)
    assert "".join(value for _, _, value in found) == text


def test_registered_with_pygments_when_installed() -> None:
    names = {ep.name for ep in entry_points(group="pygments.lexers")}
    if "segrules" not in names:
        pytest.skip("the pygments.lexers entry point is not installed in this environment")
    from pygments.lexers import get_lexer_by_name, get_lexer_for_filename

    assert isinstance(get_lexer_by_name("seg"), SegrulesLexer)
    assert isinstance(get_lexer_for_filename("geo.seg"), SegrulesLexer)


@pytest.mark.parametrize(
    "text", ["x is １", "x is ٣", "x within last ３ days", "x > ２０２６-01-01"]
)
def test_a_unicode_digit_is_not_a_number(text: str) -> None:
    # The parser takes only the digits 0-9; the highlighter must not show others as numbers.
    shown = [value for kind, value in tokens(text) if kind in Number or kind in Literal.Date]
    assert [value for value in shown if not value.isascii()] == []
