"""A promotion tested against the segments it is meant for, with segrules.testing.

The storefront decides free express shipping with its own code (below); the marketing team
decides who is a big spender with `examples/segments`. These property tests tie the two
together: every big spender ships free, nobody else does. Run with
``pytest examples/test_promotions.py`` (needs ``pip install "segrules[testing]"``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import given

import segrules
from segrules.testing import customers, visits

BOOK = segrules.load(Path(__file__).parent / "segments")
NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def paid_spend(profile: dict[str, Any]) -> Decimal:
    """Lifetime paid spend, added up exactly as the amounts are written."""
    orders = profile.get("orders") or []
    return sum((Decimal(repr(order["total"])) for order in orders
                if order.get("status") == "paid"
                and isinstance(order.get("total"), int | float)), Decimal(0))


def free_express_shipping(profile: dict[str, Any]) -> bool:
    """The promotion: free express shipping from $1,000 of paid orders."""
    return paid_spend(profile) >= 1000


def free_shipping_banner(session: dict[str, Any] | None) -> bool:
    """The nudge banner: a cart of $35 to $49.99 with something in it."""
    cart = (session or {}).get("cart") or {}
    total = cart.get("total")
    return (bool(cart.get("items")) and isinstance(total, int | float)
            and 35 <= total <= 49.99)


@given(customers(BOOK, inside="big_spenders", now=NOW))
def test_big_spenders_ship_free(profile: dict[str, Any]) -> None:
    assert free_express_shipping(profile)


@given(customers(BOOK, outside="big_spenders", now=NOW))
def test_nobody_else_ships_free(profile: dict[str, Any]) -> None:
    assert not free_express_shipping(profile)


@given(visits(BOOK, inside="free_shipping_nudge", now=NOW))
def test_the_banner_shows_for_the_nudge_segment(visit: Any) -> None:
    assert free_shipping_banner(visit.session)


@given(visits(BOOK, outside="free_shipping_nudge", now=NOW))
def test_the_banner_stays_hidden_otherwise(visit: Any) -> None:
    assert not free_shipping_banner(visit.session)
