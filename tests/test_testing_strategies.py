"""``segrules.testing``: every drawn customer is placed as requested, for every example segment
and for random segments, and requests that can never be met fail when the strategy is built.

The draws per example segment and side default to 100 (about 40 s for all 47 segments);
CI sets ``SEGRULES_TESTING_DRAWS=200`` (.ci/run), the full count.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import segrules
from oracle import Oracle
from segrules.book import Book
from segrules.testing import Visit, customers, visits
from segrules.testing._strategies import example, generator
from strategies import documents

ROOT = Path(__file__).resolve().parent.parent
BOOK = segrules.load(ROOT / "examples" / "segments")
NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
DRAWS = int(os.environ.get("SEGRULES_TESTING_DRAWS", "100"))

#: Example segments no customer can be generated inside, and the code that says why.
NEVER_INSIDE = {"legacy_chargeback_block": "SR702", "fraud_suspects": "SR702"}


def placed(book: Book, name: str, visit: Visit) -> bool:
    return book.matches(name, visit.profile, session=visit.session,
                        customer_id=visit.customer_id, store=visit.store, now=visit.now)


@pytest.mark.parametrize("side", ["inside", "outside"])
@pytest.mark.parametrize("name", BOOK.names)
def test_every_example_segment_draws_are_placed_as_asked(name: str, side: str) -> None:
    if side == "inside" and name in NEVER_INSIDE:
        with pytest.raises(segrules.SegrulesError) as raised:
            visits(BOOK, inside=name, now=NOW)
        assert raised.value.diagnostics[0].code == NEVER_INSIDE[name]
        return
    seen: list[Visit] = []

    @settings(max_examples=DRAWS, database=None, deadline=None)
    @given(visits(BOOK, **{side: name}, now=NOW))
    def check(visit: Visit) -> None:
        seen.append(visit)
        assert placed(BOOK, name, visit) == (side == "inside")
        assert visit.now == NOW

    check()
    assert seen


def _needs_visit(name: str) -> bool:
    request = generator(BOOK, name, (), NOW, None, None, with_session=True).request
    return bool(request.reads_session) or bool(BOOK[name].stores)


@pytest.mark.parametrize("name", [name for name in BOOK.names
                                  if name not in NEVER_INSIDE and not _needs_visit(name)])
def test_customers_are_members_with_no_session(name: str) -> None:
    @settings(max_examples=20, database=None, deadline=None)
    @given(customers(BOOK, inside=name, now=NOW), customers(BOOK, outside=name, now=NOW))
    def check(member: dict[str, Any], other: dict[str, Any]) -> None:
        assert BOOK.matches(name, member, now=NOW)
        assert not BOOK.matches(name, other, now=NOW)

    check()


def test_several_segments_at_once() -> None:
    @settings(max_examples=30, database=None, deadline=None)
    @given(customers(BOOK, inside=["vip", "repeat_buyers"], outside=["big_spenders"],
                     now=NOW))
    def check(profile: dict[str, Any]) -> None:
        assert BOOK.matches("vip", profile, now=NOW)
        assert BOOK.matches("repeat_buyers", profile, now=NOW)
        assert not BOOK.matches("big_spenders", profile, now=NOW)

    check()


def test_a_visit_picks_one_of_the_stores_the_segment_lists() -> None:
    stores: set[str | None] = set()

    @settings(max_examples=30, database=None, deadline=None)
    @given(visits(BOOK, inside="north_america_adults", now=NOW))
    def check(visit: Visit) -> None:
        stores.add(visit.store)
        assert visit.store in ("main", "outlet")

    check()
    assert stores == {"main", "outlet"}


def test_session_segments_get_sessions_from_visits() -> None:
    @settings(max_examples=30, database=None, deadline=None)
    @given(visits(BOOK, inside="paid_social_visitors", now=NOW))
    def check(visit: Visit) -> None:
        assert visit.session is not None
        assert visit.session["utm_source"].lower() in ("facebook", "instagram", "tiktok")

    check()


# --- requests that can never be met --------------------------------------------------------


@pytest.mark.parametrize(("request_", "code"), [
    (dict(inside="vip", outside="vip", now=NOW), "SR701"),
    (dict(inside="legacy_chargeback_block", now=NOW), "SR702"),
    (dict(inside="fraud_suspects", now=NOW), "SR702"),
    (dict(inside="new_signups"), "SR703"),
    (dict(outside="win_back_priority"), "SR703"),  # through its references
    (dict(inside="storewide_sale", now=dt.datetime(2026, 1, 1)), "SR704"),
    (dict(inside="holiday_gift_shoppers", now=NOW, store="outlet"), "SR705"),
    (dict(inside="holiday_gift_shoppers", now=NOW), "SR705"),
    (dict(inside="newsletter_vip", now=NOW), "SR706"),
    (dict(inside="paid_social_visitors", now=NOW), "SR706"),
    (dict(inside=3, now=NOW), "SR707"),
    (dict(inside="nope", now=NOW), "SR204"),
])
def test_requests_that_can_never_be_met_fail_when_built(request_: dict[str, Any],
                                                        code: str) -> None:
    with pytest.raises(segrules.SegrulesError) as raised:
        customers(BOOK, **request_)
    assert raised.value.diagnostics[0].code == code


def test_a_session_is_not_needed_when_another_block_can_match() -> None:
    # golf_promo reads the session in one branch of an `any`; interests alone can meet it.
    @settings(max_examples=5, database=None, deadline=None)
    @given(customers(BOOK, inside="golf_promo", now=NOW))
    def check(profile: dict[str, Any]) -> None:
        assert BOOK.matches("golf_promo", profile, now=NOW)

    check()


def test_a_request_that_may_be_unsatisfiable_fails_in_hypothesis() -> None:
    book = segrules.loads("""
        segment adults { include where age >= 18 }
        segment minors { include where age < 18 }
    """)
    strategy = customers(book, inside=["adults", "minors"])

    @settings(max_examples=10, database=None, deadline=None)
    @given(strategy)
    def check(profile: dict[str, Any]) -> None:
        raise AssertionError("no profile is in both")

    with pytest.raises(Exception, match=r"Unsatisfiable|Unable to satisfy|filter"):
        check()
    assert generator(book, ["adults", "minors"], (), None, None, None,
                     with_session=False).possible() is False


# --- the construction, not the guard, does the work ------------------------------------------


@pytest.mark.parametrize("side", ["inside", "outside"])
def test_the_guard_rarely_rejects(side: str) -> None:
    """Without the final check, at least 95% of draws are placed right already."""
    judged = [0, 0]

    def sample(made: Any) -> None:
        @settings(max_examples=20, database=None, deadline=None,
                  suppress_health_check=list(HealthCheck))
        @given(st.composite(made.draw_visit)())
        def count(visit: Visit) -> None:
            judged[0] += 1
            judged[1] += made.holds(visit)

        count()

    for name in BOOK.names:
        if side == "inside" and name in NEVER_INSIDE:
            continue
        sample(generator(BOOK, name if side == "inside" else (),
                         name if side == "outside" else (), NOW, None, None,
                         with_session=True))
    assert judged[1] >= 0.95 * judged[0], judged


# --- the law over random segments ------------------------------------------------------------


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(documents(max_segments=3), st.data())
def test_whatever_is_generated_satisfies_its_request(document: Any, data: st.DataObject
                                                     ) -> None:
    assume(document.segments)
    book = Book(document)
    name = data.draw(st.sampled_from(book.names))
    side = data.draw(st.sampled_from(["inside", "outside"]))
    store = data.draw(st.sampled_from([None, *book[name].stores]))
    try:
        strategy = visits(book, **{side: name}, now=NOW, store=store)
    except segrules.SegrulesError:
        assume(False)
    visit = data.draw(strategy)
    oracle = Oracle(document, visit.profile, session=visit.session,
                    customer_id=visit.customer_id, store=visit.store, now=NOW)
    assert oracle.member(name) == (side == "inside")


def test_the_example_promotion_tests_pass() -> None:
    spec = importlib.util.spec_from_file_location(
        "example_promotions", ROOT / "examples" / "test_promotions.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    tests = [getattr(module, name) for name in dir(module) if name.startswith("test_")]
    assert len(tests) == 4
    for test in tests:
        test()


# --- with a schema -------------------------------------------------------------------------

SCHEMA = segrules.Schema.from_json_schema(ROOT / "examples" / "customers.schema.json")


@pytest.mark.parametrize("name", ["eu_shipping", "vip", "seniors", "interest_survey"])
def test_with_a_schema_the_other_attributes_follow_it(name: str) -> None:
    fields = SCHEMA.record("profile").fields  # type: ignore[union-attr]
    tiers = {"bronze", "gold", "platinum", "silver"}
    seen: set[str] = set()

    @settings(max_examples=30, database=None, deadline=None)
    @given(customers(BOOK, inside=name, now=NOW, schema=SCHEMA))
    def check(profile: dict[str, Any]) -> None:
        assert BOOK.matches(name, profile, now=NOW)
        assert set(profile) <= set(fields)
        seen.update(profile)
        if "loyalty_tier" in profile and name != "vip":
            assert profile["loyalty_tier"] in tiers
        if isinstance(profile.get("birth_date"), dt.datetime):
            raise AssertionError("birth_date is a date in the schema")

    check()
    assert len(seen) > 5  # attributes the segment does not read are drawn too


def test_without_a_schema_only_what_the_segments_read_is_drawn() -> None:
    @settings(max_examples=30, database=None, deadline=None)
    @given(customers(BOOK, inside="eu_shipping", now=NOW))
    def check(profile: dict[str, Any]) -> None:
        assert set(profile) == {"address"}

    check()


def test_a_schema_must_be_a_schema() -> None:
    with pytest.raises(segrules.SegrulesError) as raised:
        customers(BOOK, inside="vip", now=NOW, schema={"type": "object"})
    assert raised.value.diagnostics[0].code == "SR707"


# --- the question behind segment relations ---------------------------------------------------


@pytest.mark.parametrize(("inside", "outside", "found"), [
    ("vip", "big_spenders", True),  # gold tier without the spend
    ("big_spenders", "vip", True),  # a big spender with two refunds
    ("win_back_priority", "lapsed_buyers", False),  # win-back is a subset of lapsed
    (["new_signups", "never_purchased"], (), True),
    (["email_typos", "email_reachable"], (), False),  # typos do not match the pattern
    ("legacy_chargeback_block", (), False),  # disabled: never met
])
def test_example_answers_whether_a_customer_can_be_generated(inside: Any, outside: Any,
                                                              found: bool) -> None:
    visit = example(BOOK, inside=inside, outside=outside, now=NOW, max_examples=100)
    assert (visit is not None) == found
    if visit is not None:
        for name in [inside] if isinstance(inside, str) else inside:
            assert placed(BOOK, name, visit)
        for name in [outside] if isinstance(outside, str) else outside:
            assert not placed(BOOK, name, visit)


def test_example_raises_for_a_request_written_wrongly() -> None:
    with pytest.raises(segrules.SegrulesError):
        example(BOOK, inside="new_signups")
