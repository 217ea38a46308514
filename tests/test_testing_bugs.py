"""Planted bugs: handwritten versions of example segments, each with one mistake, that a test
written with ``segrules.testing`` must catch, its shrunk counterexample on the boundary.

Each version is what a storefront developer might write instead of asking the book: one
boundary moved, one ``>=`` written as ``>``, one missing attribute taken as a value, one case
ignored. The test runs ``@given(customers(...))`` for inside and outside with Hypothesis's
default search (100 examples; only the example database and the deadline are off, so a loaded
CI machine and earlier runs do not change the outcome) and asserts the minimal failing profile.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings

import segrules
from segrules.testing import Visit, customers, visits

BOOK = segrules.load(Path(__file__).resolve().parent.parent / "examples" / "segments")
NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
UTC = dt.UTC


def counterexample(code: Callable[[Any], bool], name: str, *, store: str | None = None,
                   visit: bool = False) -> Any:
    """The shrunk profile (or visit) on which ``code`` disagrees with the book about ``name``,
    from customers drawn inside and then outside it; None when every draw agrees."""
    for side in ("inside", "outside"):
        found = _disagreement(code, name, side, store, visits if visit else customers)
        if found:
            return found[0]
    return None


def _disagreement(code: Callable[[Any], bool], name: str, side: str, store: str | None,
                  make: Callable[..., Any]) -> list[Any]:
    failing: list[Any] = []

    @settings(database=None, deadline=None)
    @given(make(BOOK, **{side: name}, now=NOW, store=store))
    def agrees(drawn: Any) -> None:
        if code(drawn) != (side == "inside"):
            failing.append(drawn)
            raise AssertionError(f"{name}: the code disagrees {side}")

    try:
        agrees()
    except AssertionError:
        return failing[-1:]  # Hypothesis replays the shrunk example last
    return []


# --- reading profiles the way handwritten code does ---------------------------------------


def orders(p: dict[str, Any]) -> list[dict[str, Any]]:
    found = p.get("orders")
    return [o for o in found if isinstance(o, dict)] if isinstance(found, list) else []


def paid(p: dict[str, Any]) -> list[dict[str, Any]]:
    return [o for o in orders(p) if o.get("status") == "paid"]


def number(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def money(values: list[Any]) -> Decimal:
    return sum((Decimal(repr(v)) for v in values if number(v)), Decimal(0))


def paid_spend(p: dict[str, Any]) -> Decimal:
    return money([o.get("total") for o in paid(p)])


def moment(x: object) -> dt.datetime | None:
    if isinstance(x, dt.datetime):
        return x
    if isinstance(x, dt.date):
        return dt.datetime(x.year, x.month, x.day, tzinfo=UTC)
    return None


def tags(p: dict[str, Any]) -> list[Any]:
    found = p.get("tags")
    return found if isinstance(found, list) else []


# --- the planted bugs ----------------------------------------------------------------------


def test_big_spenders_written_with_greater_than() -> None:
    found = counterexample(lambda p: paid_spend(p) > 1000, "big_spenders")
    assert found is not None and paid_spend(found) == 1000


def test_repeat_buyers_written_with_greater_than() -> None:
    found = counterexample(lambda p: len(paid(p)) > 5, "repeat_buyers")
    assert found is not None and len(paid(found)) == 5


def test_premium_baskets_average_written_inclusive() -> None:
    def premium(p: dict[str, Any]) -> bool:
        totals = [o.get("total") for o in paid(p) if number(o.get("total"))]
        return bool(totals) and money(totals) / len(totals) >= 110 and len(paid(p)) > 1

    found = counterexample(premium, "premium_baskets")
    assert found is not None
    totals = [o["total"] for o in paid(found) if number(o.get("total"))]
    assert money(totals) / len(totals) == 110


def test_seniors_counted_by_calendar_year() -> None:
    def senior(p: dict[str, Any]) -> bool:
        born = p.get("birth_date")
        return isinstance(born, dt.date) and NOW.year - born.year >= 65

    found = counterexample(senior, "seniors")
    assert found is not None and found["birth_date"] == dt.date(1961, 11, 2)


def test_new_signups_window_written_exclusive() -> None:
    def new(p: dict[str, Any]) -> bool:
        at = moment(p.get("signup_at"))
        return at is not None and NOW - dt.timedelta(days=90) < at <= NOW

    found = counterexample(new, "new_signups")
    assert found is not None and moment(found["signup_at"]) == NOW - dt.timedelta(days=90)


def test_dormant_accounts_forgetting_the_missing_login() -> None:
    def dormant(p: dict[str, Any]) -> bool:
        at = moment(p.get("last_login_at"))
        return at is not None and at < NOW - relativedelta(years=1)

    found = counterexample(dormant, "dormant_accounts")
    assert found is not None and found.get("last_login_at") is None


def test_international_taking_a_missing_country_as_abroad() -> None:
    def abroad(p: dict[str, Any]) -> bool:
        address = p.get("address") or {}
        return address.get("country_code") != "US"

    found = counterexample(abroad, "international")
    assert found is not None and (found.get("address") or {}).get("country_code") is None


def test_paid_social_comparing_case_sensitively() -> None:
    def social(v: Visit) -> bool:
        return (v.session or {}).get("utm_source") in ("facebook", "instagram", "tiktok")

    found = counterexample(social, "paid_social_visitors", visit=True)
    assert found is not None
    source = found.session["utm_source"]
    assert source.lower() in ("facebook", "instagram", "tiktok") and source != source.lower()


def test_staff_tag_mismatch_comparing_case_sensitively() -> None:
    def mismatch(p: dict[str, Any]) -> bool:
        email = p.get("email")
        return ("employee" in tags(p) and isinstance(email, str)
                and not email.endswith("@staff.example.com"))

    found = counterexample(mismatch, "staff_tag_mismatch")
    assert found is not None
    assert found["email"].lower().endswith("@staff.example.com")
    assert not found["email"].endswith("@staff.example.com")


def test_free_shipping_nudge_upper_bound_written_exclusive() -> None:
    def nudge(v: Visit) -> bool:
        cart = (v.session or {}).get("cart") or {}
        items, total = cart.get("items"), cart.get("total")
        return (isinstance(items, list) and len(items) >= 1 and number(total)
                and 35 <= total < 49.99)

    found = counterexample(nudge, "free_shipping_nudge", visit=True)
    assert found is not None and found.session["cart"]["total"] == 49.99


def test_coupon_farming_with_no_orders_only() -> None:
    def farming(p: dict[str, Any]) -> bool:
        email = p.get("email")
        return isinstance(email, str) and "+" in email and len(p.get("orders") or []) < 1

    found = counterexample(farming, "coupon_farming")
    assert found is not None and len(found["orders"]) == 1


def test_unusual_order_values_lower_bound_written_inclusive() -> None:
    def unusual(p: dict[str, Any]) -> bool:
        return any(number(o.get("total")) and not 1 < o["total"] <= 1500 for o in orders(p))

    found = counterexample(unusual, "unusual_order_values")
    assert found is not None
    assert [o["total"] for o in orders(found) if number(o.get("total"))] == [1]


def test_refund_abusers_written_with_greater_than() -> None:
    def abuser(p: dict[str, Any]) -> bool:
        return len([o for o in orders(p) if o.get("status") == "refunded"]) > 2

    found = counterexample(abuser, "refund_abusers")
    assert found is not None
    assert len([o for o in orders(found) if o.get("status") == "refunded"]) == 2


def test_outlet_bargain_hunters_written_inclusive() -> None:
    def hunter(p: dict[str, Any]) -> bool:
        totals = [o["total"] for o in paid(p) if number(o.get("total"))]
        return len(orders(p)) >= 2 and bool(totals) and max(totals) <= 100

    found = counterexample(hunter, "outlet_bargain_hunters", store="outlet")
    assert found is not None
    assert max(o["total"] for o in paid(found) if number(o.get("total"))) == 100


def _vip(p: dict[str, Any]) -> bool:
    refunded = len([o for o in orders(p) if o.get("status") == "refunded"])
    if refunded >= 2 or {"employee", "wholesale"} & set(tags(p)) or p.get("id") == "c-000042":
        return False
    return paid_spend(p) >= 1000 or p.get("loyalty_tier") in ("gold", "platinum")


def test_tier_upgrade_candidates_lower_bound_written_exclusive() -> None:
    def candidate(p: dict[str, Any]) -> bool:
        tier = p.get("loyalty_tier")
        return (isinstance(tier, str) and tier not in ("gold", "platinum")
                and Decimal(350) < paid_spend(p) <= Decimal("1499.99") and not _vip(p))

    found = counterexample(candidate, "tier_upgrade_candidates")
    assert found is not None and paid_spend(found) == 350


def _north_america(p: dict[str, Any], adult: Callable[[Any], bool]) -> bool:
    if p.get("id") == "c-2000":
        return False
    if p.get("id") in ("c-1001", "c-1002"):
        return True
    country, state = p.get("country"), p.get("state")
    region = ((country == "United States" and state in ("Alaska", "Florida", "Alabama"))
              or (country == "Canada" and state in ("British Columbia", "Nova Scotia")))
    return region and adult(p.get("age"))


def test_north_america_adults_age_written_with_greater_than() -> None:
    found = counterexample(
        lambda p: _north_america(p, lambda age: number(age) and age > 18),
        "north_america_adults", store="main")
    assert found is not None and found["age"] == 18


def test_north_america_adults_letting_a_missing_age_in() -> None:
    found = counterexample(
        lambda p: _north_america(p, lambda age: age is None or (number(age) and age >= 18)),
        "north_america_adults", store="main")
    assert found is not None and found.get("age") is None


def test_high_income_written_with_greater_than() -> None:
    def high(p: dict[str, Any]) -> bool:
        return number(p.get("income")) and p["income"] > 150000 and p.get("country") != "Nowhere"

    found = counterexample(high, "High-Income Earners")
    assert found is not None and found["income"] == 150000


def test_interest_survey_taking_missing_interests_as_empty() -> None:
    sports = {"golf", "sailing", "hiking", "camping", "fishing", "skiing"}

    def survey(p: dict[str, Any]) -> bool:
        interests = p.get("interests")
        if p.get("email_opt_in") is False:
            return False
        return not interests or (isinstance(interests, list) and not sports & set(interests))

    found = counterexample(survey, "interest_survey")
    assert found is not None and found.get("interests") is None


def test_five_year_members_counted_in_days() -> None:
    def member(p: dict[str, Any]) -> bool:
        at = moment(p.get("signup_at"))
        return at is not None and (NOW - at).days >= 5 * 365

    found = counterexample(member, "five_year_members")
    assert found is not None
    assert moment(found["signup_at"]) == NOW - relativedelta(years=5) + dt.timedelta(seconds=1)


def test_recently_active_written_exclusive() -> None:
    def active(p: dict[str, Any]) -> bool:
        at = moment(p.get("last_login_at"))
        return at is not None and (NOW - at).days < 30

    found = counterexample(active, "recently_active")
    assert found is not None
    assert moment(found["last_login_at"]) == NOW - dt.timedelta(days=31, seconds=-1)


def test_lapsed_buyers_with_six_months_as_182_days() -> None:
    def lapsed(p: dict[str, Any]) -> bool:
        dates = [moment(o.get("placed_at")) for o in paid(p)]
        known = [d for d in dates if d is not None]
        return bool(orders(p)) and bool(known) and max(known) < NOW - dt.timedelta(days=182)

    found = counterexample(lapsed, "lapsed_buyers")
    assert found is not None
    latest = max(d for o in paid(found) if (d := moment(o.get("placed_at"))) is not None)
    assert latest == NOW - relativedelta(months=6)


def test_joined_2025_upper_bound_written_exclusive() -> None:
    def joined(p: dict[str, Any]) -> bool:
        at = moment(p.get("signup_at"))
        return (at is not None
                and dt.datetime(2025, 1, 1, tzinfo=UTC) <= at
                < dt.datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC))

    found = counterexample(joined, "joined_2025")
    assert found is not None
    assert moment(found["signup_at"]) == dt.datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC)


def test_long_time_customers_written_inclusive() -> None:
    def long_time(p: dict[str, Any]) -> bool:
        dates = [d for o in orders(p) if (d := moment(o.get("placed_at"))) is not None]
        return bool(dates) and min(dates) <= dt.datetime(2024, 6, 1, tzinfo=UTC)

    found = counterexample(long_time, "long_time_customers")
    assert found is not None
    first = min(d for o in orders(found) if (d := moment(o.get("placed_at"))) is not None)
    assert first == dt.datetime(2024, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize("name", ["big_spenders", "seniors", "north_america_adults"])
def test_a_correct_version_is_not_reported(name: str) -> None:
    correct: dict[str, Callable[[Any], bool]] = {
        "big_spenders": lambda p: paid_spend(p) >= 1000,
        "seniors": lambda p: isinstance(p.get("birth_date"), dt.date) and (
            relativedelta(NOW.date(), p["birth_date"]).years >= 65),
        "north_america_adults": lambda p: _north_america(
            p, lambda age: number(age) and age >= 18),
    }
    store = "main" if name == "north_america_adults" else None
    assert counterexample(correct[name], name, store=store) is None
