"""Hostile literals and load arguments: huge numbers, durations past the calendar, lone
surrogates, NUL and odd paths. Each is a ``SegrulesError`` with a place at load, or loads and
then evaluates without raising; never another exception at load, compile or evaluation.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import segrules
from segrules import nodes as n
from segrules.errors import SegrulesError, SegrulesValueError
from segrules.loader import parse_all
from segrules.source import Source

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
PROFILES = [
    {}, {"x": 5}, {"x": 10**120}, {"x": -1.5e308}, {"x": "a\x00b"}, {"x": "2026-01-01"},
    {"x": dt.datetime(1, 1, 1)}, {"x": dt.date(9999, 12, 31)}, {"x": ["a", 1, None]},
    {"x": "\ud800"},
]


def problems(text: str) -> list[tuple[str, int, int]]:
    """(code, line, column) of every error ``segrules check`` would report for ``text``."""
    found = parse_all([Source("t.seg", text)])[1]
    return [(d.code, d.span.line, d.span.column) for d in found
            if d.severity == "error" and d.span is not None]


def loads_error(text: str) -> SegrulesError:
    with pytest.raises(SegrulesError) as caught:
        segrules.loads(text, "t.seg")
    return caught.value


# --- numbers ----------------------------------------------------------------------------------


@pytest.mark.parametrize("condition", [
    "x > " + "9" * 400,
    "x is between 1 and " + "9" * 400,
    "x is " + "9" * 5000,
    "x is -" + "9" * 101,
    "x > " + "9" * 400 + ".5",
    "x is 0." + "0" * 100 + "1",
    "x is one of 1, " + "1" * 101,
])
def test_a_number_of_more_than_a_hundred_digits_is_an_error_at_load(condition: str) -> None:
    text = f"segment s {{\n    include where {condition}\n}}\n"
    column = 5 + len("include where ") + len(condition) - len(condition.split()[-1])
    assert problems(text) == [("SR306", 2, column)]
    error = loads_error(text)
    assert type(error) is SegrulesValueError
    assert error.diagnostics[0].render().splitlines()[0] == (
        f"t.seg:2:{column}: error[SR306]: a number may have at most 100 digits"
    )


def test_a_hundred_digits_load_and_evaluate() -> None:
    big, small = "9" * 100, "0." + "0" * 98 + "1"
    book = segrules.loads(f"segment s {{ include where x is between -{big} and {big} "
                          f"and y > {small} }}")
    assert book.matches("s", {"x": 10**99, "y": 1}) and book.matches("s", {"x": 1e99, "y": 1})
    assert not book.matches("s", {"x": 10**100, "y": 1})
    assert not book.matches("s", {"x": 1e300, "y": 1})
    assert book.evaluation_errors == 0


def test_a_huge_bound_is_not_also_an_empty_range() -> None:
    assert [code for code, *_ in problems(f"segment s {{ include where x is between {'9' * 101}"
                                          " and 1 }")] == ["SR306"]


# --- durations --------------------------------------------------------------------------------


@pytest.mark.parametrize(("duration", "ok"), [
    ("1000 years", True), ("1001 years", False),
    ("12000 months", True), ("12001 months", False),
    ("52285 weeks", True), ("52286 weeks", False),
    ("366000 days", True), ("366001 days", False), ("1000000000 days", False),
    ("8784000 hours", True), ("8784001 hours", False),
    ("527040000 minutes", True), ("527040001 minutes", False),
    ("9" * 5000 + " minutes", False),
])
def test_a_duration_reaches_back_at_most_a_thousand_years(duration: str, ok: bool) -> None:
    for condition in (f"x within last {duration}", f"x more than {duration} ago"):
        text = f"segment s {{\n    include where {condition}\n}}\n"
        column = 5 + len("include where ") + condition.index(duration[0])
        assert problems(text) == ([] if ok else [("SR307", 2, column)]), condition
        if ok:
            book = segrules.loads(text)
            for profile in PROFILES:
                book.matches("s", profile, now=NOW)
                book.matches("s", profile)
            assert book.evaluation_errors == 0


def test_the_duration_error_says_what_to_write() -> None:
    diagnostic = loads_error("segment s { include where x within last 1000000000 days }")
    assert diagnostic.diagnostics[0].render() == "\n".join([
        "t.seg:1:41: error[SR307]: a duration may reach back at most 1000 years "
        "(366000 days), not 1000000000 days",
        "  |",
        "1 | segment s { include where x within last 1000000000 days }",
        "  |                                         ^^^^^^^^^^^^^^^",
        'help: to mean "ever", test `exists` instead, or compare with `is before` a date',
    ])


# --- dates and datetimes ----------------------------------------------------------------------


@pytest.mark.parametrize("moment", ["9999-12-31T24:00:00Z", "9999-12-31T24:00"])
def test_a_datetime_past_the_last_day_is_impossible(moment: str) -> None:
    assert problems(f"segment s {{ include where x is {moment} }}") == [("SR301", 1, 32)]
    assert problems(f"segment s {{ active until {moment} }}") == [("SR301", 1, 26)]


@pytest.mark.parametrize("text", [
    "segment s { active from 0001-01-01T00:00:00+23:59 until 9999-12-31T23:59:59-23:59 "
    "include where x is between 0001-01-01T00:00+01:00 and 9999-12-31T23:00-05:00 }",
    "segment s { include where x is before 0001-01-01 or x is after 9999-12-31 }",
    "segment s { include where x within last 1000 years and y more than 1000 years ago }",
])
def test_extreme_moments_load_and_evaluate(text: str) -> None:
    book = segrules.loads(text)
    for profile in PROFILES:
        book.matches("s", profile, now=NOW)
        book.matches("s", profile)
        str(book.explain("s", profile, now=NOW))
    segrules.loads(segrules.dumps(book))


# --- strings, patterns, names -----------------------------------------------------------------


@pytest.mark.parametrize("literal", ['"\\uD800"', '"a\\udfffb"', '"\\uDE00\\uD83D"'])
@pytest.mark.parametrize("template", [
    "segment s {{ include where x matches {} }}",
    "segment s {{ include where x is {} }}",
    "segment s {{ title {} include everyone }}",
    "segment s {{ stores \"a\", {} include everyone }}",
    "segment s {{ include customers {} }}",
    "segment {} {{ include everyone }}",
    "segment s {{ include segment {} }}",
])
def test_a_lone_surrogate_escape_is_an_error_at_load(template: str, literal: str) -> None:
    text = template.format(literal)
    error = loads_error(text)
    escape = next(d for d in error.diagnostics if d.code == "SR104")
    assert escape.span is not None and escape.span.text.lower().startswith("\\ud")
    # Nothing the load reports carries the surrogate: it would not print or encode.
    str(error).encode("utf-8")


def test_a_lone_surrogate_escape_renders_with_a_hint() -> None:
    error = loads_error('segment s { include where x is "\\uD800" }')
    assert error.diagnostics[0].render() == "\n".join([
        "t.seg:1:33: error[SR104]: `\\uD800` is half of a surrogate pair, not a character",
        "  |",
        '1 | segment s { include where x is "\\uD800" }',
        "  |                                 ^^^^^^",
        "help: write the character itself, or both halves of its pair: "
        "\\uD83D\\uDE00 is 😀",
    ])


def test_a_surrogate_pair_escape_is_the_character_it_encodes() -> None:
    book = segrules.loads(
        'segment s { include where x is "\\uD83D\\uDE00" and y matches "^\\ud83d\\ude00$" }'
    )
    assert book.matches("s", {"x": "😀", "y": "😀"})
    assert segrules.loads(segrules.dumps(book)).matches("s", {"x": "😀", "y": "😀"})


@pytest.mark.parametrize("text", [
    'segment s { include where x is "a\ud800" }',
    "segment s { include where x matches /\udfff/ }",
    "segment s { include where `a\ud800` exists }",
    "segment s { include everyone } # \ud800",
    "segment s { include everyone } \ud800",
])
def test_a_lone_surrogate_in_the_text_is_an_error_at_load(text: str) -> None:
    error = loads_error(text)
    (found,) = [d for d in error.diagnostics if d.code == "SR108"]
    assert found.span is not None
    assert found.span.start == text.index(next(c for c in text if "\ud800" <= c <= "\udfff"))


@pytest.mark.parametrize("text", [
    'segment s { include where x is "a\x00b" and y matches "a\\u0000" }',
    'segment "a\\u0000b" { include customers "\\u0000" }',
    "segment s { include where `a\x00b` exists }",
])
def test_nul_in_literals_loads_and_evaluates(text: str) -> None:
    book = segrules.loads(text)
    for profile in PROFILES:
        book.segments_for(profile, now=NOW)
        str(book.explain(book.names[0], profile, now=NOW))


# --- load arguments ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["a\x00b", "\ud800.seg", "a\nb", "<x>", "'quoted'", ""])
def test_any_source_name_is_accepted_and_named_in_errors(name: str) -> None:
    book = segrules.loads("segment s { include where x is 1 }", source=name)
    assert book.matches("s", {"x": 1})
    with pytest.raises(SegrulesError) as caught:
        segrules.loads("segment s { inclde everyone }", source=name)
    assert str(caught.value).startswith(f"{name}:1:13: error[SR101]")


def test_odd_paths_are_segrules_errors(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "latin1.seg").write_bytes(b"segment \xe9 { }")
    (tmp_path / "dangling.seg").symlink_to(tmp_path / "nowhere")
    for path in [
        "a\x00b", "\ud800.seg", "x" * 5000, tmp_path / "empty", tmp_path / "latin1.seg",
        tmp_path / "dangling.seg", tmp_path / "latin1.seg" / "below", tmp_path / ("y" * 300),
    ]:
        with pytest.raises(SegrulesError) as caught:
            segrules.load(path)
        assert caught.value.diagnostics[0].code == "SR000"


# --- the law: hostile literals never raise anything but SegrulesError ------------------------

HOSTILE_VALUES = [
    "9" * 400, "-" + "9" * 101, "9" * 100, "0." + "0" * 120 + "1", "1" * 5000, "0", "-0.0",
    "0001-01-01", "9999-12-31", "0000-01-01", "2026-02-29", "9999-12-31T24:00:00Z",
    "0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59", "2026-01-01T10:00:00.1234567Z",
    '"\\uD800"', '"\\uD83D\\uDE00"', '"\\uDE00"', '"\ud800"', '"a\x00b"', '"\\u0000"', '""',
    '"\ufeff"', '"\\q"', "true",
]
HOSTILE_DURATIONS = ["1 day", "1000 years", "1001 years", "999999999 days", "1000000000 days",
                     "9" * 30 + " minutes", "0 minutes", "+5 hours", "12000 months"]
HOSTILE_PATTERNS = ['"\\uD800"', "/\\x{D800}/", "/\ud800/", '"a\x00"', "/a{1000}{1000}/",
                    '"\\u0000"', "/(/"]
OPERATORS = ["is", "is not", ">", "<=", "is before", "is after", "is one of", "contains",
             "starts with"]


@st.composite
def hostile_conditions(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["compare", "between", "duration", "ago", "regex"]))
    value = st.sampled_from(HOSTILE_VALUES)
    if kind == "compare":
        return f"x {draw(st.sampled_from(OPERATORS))} {draw(value)}"
    if kind == "between":
        return f"x is between {draw(value)} and {draw(value)}"
    if kind == "regex":
        return f"x matches {draw(st.sampled_from(HOSTILE_PATTERNS))}"
    duration = draw(st.sampled_from(HOSTILE_DURATIONS))
    return f"x within last {duration}" if kind == "duration" else f"x more than {duration} ago"


@st.composite
def hostile_texts(draw: st.DrawFn) -> str:
    moments = st.sampled_from([v for v in HOSTILE_VALUES if v[:1].isdigit() and "-" in v])
    header = draw(st.sampled_from([
        "", f"active from {draw(moments)}", f"active until {draw(moments)}",
        f"active from {draw(moments)} until {draw(moments)}",
        f"title {draw(st.sampled_from(HOSTILE_VALUES))}", 'stores "\\uD800"',
    ]))
    name = draw(st.sampled_from(["s", '"\\uD800"', '"a\\u0000"', '"\ud800"']))
    conditions = draw(st.lists(hostile_conditions(), min_size=1, max_size=3))
    return f"segment {name} {{\n  {header}\n  include where {' and '.join(conditions)}\n}}\n"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_texts(), st.sampled_from(["t.seg", "a\x00b", "\ud800"]))
@example("segment s {\n  \n  include where x within last 1000000000 days\n}\n", "t.seg")
@example('segment s {\n  \n  include where x matches "\\uD800"\n}\n', "t.seg")
@example("segment s {\n  \n  include where x > " + "9" * 400 + "\n}\n", "t.seg")
def test_hostile_literals_raise_only_segrules_errors(text: str, source: str) -> None:
    try:
        book = segrules.loads(text, source)
    except SegrulesError as error:
        assert error.diagnostics
        for found in error.diagnostics:
            assert found.span is not None and 0 <= found.span.start <= found.span.end <= len(text)
        str(error)
        return
    for profile in PROFILES:
        for name in book.names:
            book.matches(name, profile, now=NOW)
            book.matches(name, profile)
            str(book.explain(name, profile, now=NOW))
        book.segments_for(profile, now=NOW)
    assert segrules.loads(segrules.dumps(book)).names == book.names


# --- the JSON form takes the same limits ------------------------------------------------------


@pytest.mark.parametrize(("node", "path"), [
    ({"type": "Number", "value": 10**400}, "value"),
    ({"type": "Number", "value": "1e400"}, "value"),
    ({"type": "Number", "value": "1e-400"}, "value"),
    ({"type": "Duration", "amount": 10**9, "unit": "days"}, "amount"),
    ({"type": "String", "value": "\ud800"}, "value"),
    ({"type": "Regex", "pattern": "a\udfff"}, "pattern"),
])
def test_the_json_form_rejects_what_text_cannot_hold(node: dict[str, object], path: str) -> None:
    with pytest.raises(SegrulesValueError) as caught:
        segrules.from_json(node)
    assert caught.value.diagnostics[0].code == "SR391"
    assert f"at {path}:" in caught.value.diagnostics[0].message


def test_the_json_form_takes_a_hundred_digits() -> None:
    node = segrules.from_json({"type": "Number", "value": 10**100 - 1})
    assert isinstance(node, n.Number) and node.value == 10**100 - 1
