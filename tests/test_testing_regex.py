"""RE2 patterns translated for ``from_regex``: every string drawn from the translation is one
RE2 finds the pattern in, including the cases where Python's syntax means something else."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segrules.regex import compile_pattern
from segrules.testing._regex import python_pattern

PATTERNS = [
    r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$",
    r"@shop\.com$",
    r"^(EC|WC|E|N|NW|SE|SW|W)[0-9]{1,2} [0-9][A-Z]{2}$",
    r"^\d{5}(-\d{4})?\z",
    r"\Qa.b*c\E$",
    r"^[[:alpha:]][[:digit:]]+$",
    r"^\pL+\s\p{Lu}$",
    r"^\w+$",
]


def test_end_of_text_is_end_of_text() -> None:
    assert python_pattern(r"@shop\.com$") == r"@shop\.com\Z"
    assert re.search(python_pattern(r"a$") or "", "a\n") is None


def test_perl_and_posix_classes_are_ascii() -> None:
    assert python_pattern(r"\d") == "[0-9]"
    assert python_pattern(r"[^@\s]") == r"[^@\t\n\f\r ]"
    assert python_pattern(r"[[:alpha:]]") == "[A-Za-z]"
    assert python_pattern(r"\Qa.b\E") == re.escape("a.b")


def test_a_pattern_without_a_python_spelling_gives_none() -> None:
    assert python_pattern(r"\p{Greek}") is None


@pytest.mark.parametrize("pattern", PATTERNS)
def test_drawn_strings_match_in_re2(pattern: str) -> None:
    translated = python_pattern(pattern)
    assert translated is not None
    search = compile_pattern(pattern).search

    @settings(max_examples=50, database=None, deadline=None)
    @given(st.from_regex(translated))
    def check(text: str) -> None:
        assert search(text) is not None

    check()
