"""Checking conditions against the data: warnings without a schema, errors with one.

Each diagnostic kind is pinned with its full rendering (the header, the source line, the caret
and the hint), because the rendering is what a marketer reads.
"""

from __future__ import annotations

import pytest

import segrules
from segrules.loader import parse_all
from segrules.source import Source


def warnings_of(text: str) -> list[str]:
    return [w.render() for w in segrules.loads(text, "w.seg").warnings]


def condition(text: str) -> str:
    return f"segment s {{ include where {text} }}"


# --- warnings without a schema ----------------------------------------------------------------


def test_a_quoted_date_in_a_comparison() -> None:
    assert warnings_of(condition('signup_at > "2025-01-01"')) == ["""\
w.seg:1:39: warning[SR402]: "2025-01-01" is a string, compared as text and never as a date
  |
1 | segment s { include where signup_at > "2025-01-01" }
  |                                       ^^^^^^^^^^^^
help: write 2025-01-01 without quotes"""]


def test_a_quoted_datetime_in_a_list() -> None:
    assert warnings_of(condition('seen_at is one of "2025-01-01T09:30:00Z"')) == ["""\
w.seg:1:45: warning[SR402]: "2025-01-01T09:30:00Z" is a string, compared as text and never as \
a datetime
  |
1 | segment s { include where seen_at is one of "2025-01-01T09:30:00Z" }
  |                                             ^^^^^^^^^^^^^^^^^^^^^^
help: write 2025-01-01T09:30:00Z without quotes"""]


def test_a_quoted_boolean() -> None:
    assert warnings_of(condition('email_opt_in is "true"')) == ["""\
w.seg:1:43: warning[SR403]: "true" is a string, never equal to the boolean true
  |
1 | segment s { include where email_opt_in is "true" }
  |                                           ^^^^^^
help: write `is true` without quotes"""]


def test_a_quoted_boolean_negated_and_capitalised() -> None:
    (found,) = segrules.loads(condition('email_opt_in != "False"')).warnings
    assert (found.code, found.message, found.hint) == (
        "SR403", '"False" is a string, never equal to the boolean false',
        "write `is not false` without quotes",
    )


def test_a_quoted_number_compared_by_order() -> None:
    assert warnings_of(condition('age >= "18"')) == ["""\
w.seg:1:34: warning[SR404]: "18" is a string, so it is ordered as text, where "9" comes after "10"
  |
1 | segment s { include where age >= "18" }
  |                                  ^^^^
help: write 18 without quotes"""]


def test_each_quoted_bound_of_between_is_reported() -> None:
    # Bounds of one length would be a code range; `"5" and "18"` is SR303 (text order).
    found = segrules.loads(condition('income is between "10" and "200"')).warnings
    assert [(w.code, w.hint) for w in found] == [
        ("SR404", "write 10 without quotes"), ("SR404", "write 200 without quotes"),
    ]


@pytest.mark.parametrize("text", [
    'zip is "02134"',                              # equality with digits: a code
    'zip >= "01000"',                              # a leading zero: a code ordered as text
    'postcode is between "10000" and "19999"',     # codes of one length: text order is number order
    'title contains "2025-01-01"',                 # text operators take text
    'note starts with "true"',
    'signup_at > 2025-01-01',                      # the literals themselves
    'email_opt_in is true',
    'age >= 18',
    'code is "2025-13-45"',                        # not a date
    'flag is "yes"',
    'size > "10 kg"',
])
def test_strings_that_are_meant(text: str) -> None:
    assert segrules.loads(condition(text)).warnings == ()


def test_warnings_inside_aggregates_and_negations() -> None:
    text = condition('count(orders where placed_at > "2025-01-01") >= 1 '
                     'and not (vip is "false")')
    assert [w.code for w in segrules.loads(text).warnings] == ["SR402", "SR403"]


def test_an_error_at_the_same_place_is_not_repeated_as_a_warning() -> None:
    with pytest.raises(segrules.SegrulesError) as raised:
        segrules.loads(condition('signup_at is before "2025-01-01"'))
    assert [d.code for d in raised.value.diagnostics] == ["SR305"]
    _, found = parse_all([Source("w.seg", condition('signup_at is before "2025-01-01"'))])
    assert [d.code for d in found] == ["SR305"]
