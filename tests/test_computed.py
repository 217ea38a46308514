"""Computed attributes are computed at most once per evaluation, however many segments and
conditions read them (the function may be a remote call), a failure included."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from segrules import Attributes, Target
from segrules.book import Book
from segrules.loader import loads

NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)
TEXT = """
segment big      { include where ltv.total >= 1000  exclude where ltv.currency is "XXX" }
segment medium   { include all { ltv.total >= 100  ltv.total < 1000 } }
segment known    { include where ltv exists }
segment unknown  { include where ltv does not exist }
segment big_fan  { include segment big  exclude where not in segment known }
segment adult    { include where age >= 18 }
"""


class Counting:
    """A computed attribute that counts its calls (and raises when asked to)."""

    def __init__(self, value: object = None, error: Exception | None = None) -> None:
        self.calls = 0
        self.value = value
        self.error = error

    def __call__(self, profile: object, now: dt.datetime) -> object:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return self.value


def book_with(ltv: Counting) -> Book:
    attributes = Attributes()
    attributes.register("ltv", ltv)
    return loads(TEXT, attributes=attributes)


CALLS: dict[str, Callable[[Book, dict[str, Any]], object]] = {
    "matches": lambda book, p: [book.matches("big_fan", p, now=NOW)],
    "matches, two conditions": lambda book, p: [book.matches("big", p, now=NOW)],
    "segments_for": lambda book, p: book.segments_for(p, now=NOW),
    "groups_for": lambda book, p: book.groups_for(p, now=NOW),
    "membership": lambda book, p: list(map(book.membership(p, now=NOW), book.names)),
    "target": lambda book, p: Target("all", ["medium", "known", "big_fan"]).matches(
        book, p, now=NOW),
    "explain": lambda book, p: [book.explain("big_fan", p, now=NOW)],
}


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
@pytest.mark.parametrize("profile", [{"age": 30}, {"id": "c-1", "ltv": "stored"}])
def test_one_evaluation_computes_an_attribute_once(
        call: Callable[[Book, dict[str, Any]], object], profile: dict[str, Any]) -> None:
    ltv = Counting({"total": 1500.0, "currency": "EUR"})
    call(book_with(ltv), profile)
    assert ltv.calls == 1


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
def test_a_computed_attribute_that_raises_is_computed_once_and_missing(
        call: Callable[[Book, dict[str, Any]], object]) -> None:
    ltv = Counting(error=ConnectionError("order service down"))
    book = book_with(ltv)
    call(book, {"age": 30})
    assert ltv.calls == 1
    assert book.evaluation_errors <= 1


def test_answers_with_a_computed_attribute_read_many_times() -> None:
    ltv = Counting({"total": 1500.0, "currency": "EUR"})
    book = book_with(ltv)
    assert book.segments_for({}, now=NOW) == {"big", "known", "big_fan"}
    failing = book_with(Counting(error=ConnectionError()))
    assert failing.segments_for({}, now=NOW) == {"unknown"}
    assert failing.evaluation_errors == 1


def test_each_evaluation_computes_afresh() -> None:
    ltv = Counting({"total": 1500.0})
    book = book_with(ltv)
    for _ in range(3):
        book.segments_for({}, now=NOW)
    assert ltv.calls == 3
