"""Evaluation never raises and its answers agree, however hostile the call.

Profiles with NaN, huge ints, Decimal NaN, lone surrogates, raising objects, cycles, custom and
one-shot collections; ids whose ``str()`` fails; stores, moments with raising or extreme time
zones; sessions and membership stores that raise or answer nonsense (``tests/hostile.py``):
``matches``, ``segments_for``, ``membership``, ``groups_for``, ``explain`` (text and JSON) and
targets answer without raising and agree with each other, and on the values the reference
interpreter understands (NaN, infinities, huge numbers, calendar edges, surrogates) with it.
Computed attributes that raise or return hostile values are missing or those values. Membership
stores take hostile ids and names with a ``SegrulesError`` or not at all, and the
SQLite store and the in-memory one agree op for op.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import hostile
import hostile_files
from campaign import SEEDS, evaluation_law, fuzz
from oracle import Oracle, customers
from segrules import nodes as n
from segrules.adapters import Attributes
from segrules.book import Book
from segrules.errors import SegrulesError
from segrules.loader import load, loads
from segrules.membership import MembershipStore, MemoryMembership
from strategies import documents

ROOT = Path(__file__).parent.parent
EXAMPLES = load(ROOT / "examples" / "segments")
SEED_TEXT = (ROOT / "tests" / "cases" / "seed.seg").read_text("utf-8")
SEED = loads(SEED_TEXT)
BOOKS = {"examples": EXAMPLES, "seed": SEED}


@fuzz(60)
@given(st.sampled_from(sorted(BOOKS)), SEEDS)
def test_hostile_calls(which: str, seed: int) -> None:
    rng = random.Random(seed)
    book = BOOKS[which]
    evaluation_law(book, hostile.call(rng, book.document))


@fuzz(60)
@given(SEEDS)
def test_example_customers_with_hostile_values(seed: int) -> None:
    rng = random.Random(seed)
    call = hostile.call(rng, EXAMPLES.document)
    call["profile"] = hostile_files.mutate_profile(
        rng, rng.choice(hostile_files.example_customers()))
    evaluation_law(EXAMPLES, call)


@pytest.mark.parametrize("index", range(len(hostile.SCALARS)))
def test_every_hostile_scalar_in_every_attribute(index: int) -> None:
    # Hypothesis may not draw each of them for each attribute; this does, deterministically.
    names = hostile.names_read(EXAMPLES.document)
    scalar = hostile.SCALARS[index]
    listed = {name: [scalar()] for name in names}
    listed["orders"] = [{name: scalar() for name in names}]
    for profile in ({name: scalar() for name in names}, listed):
        evaluation_law(EXAMPLES, {"profile": profile, "session": profile, "store": "main",
                                  "now": hostile.NOWS[0](), "customer_id": None,
                                  "members": None})


@pytest.mark.parametrize("index", range(len(hostile.CUSTOMER_IDS)))
def test_every_hostile_customer_id(index: int) -> None:
    for customer_id, profile in ((hostile.CUSTOMER_IDS[index](), {}),
                                 (None, {"id": hostile.CUSTOMER_IDS[index]()})):
        evaluation_law(EXAMPLES, {"profile": profile, "session": None, "store": None,
                                  "customer_id": customer_id, "now": hostile.NOWS[0](),
                                  "members": MemoryMembership()})


@pytest.mark.parametrize("index", range(len(hostile.NOWS)))
def test_every_hostile_moment_and_membership_store(index: int) -> None:
    members = hostile.MEMBERS[index % len(hostile.MEMBERS)]
    evaluation_law(EXAMPLES, {"profile": {"id": "c-1", "age": 30}, "session": None,
                              "store": "main", "customer_id": None,
                              "now": hostile.NOWS[index](), "members": members()})


def _computed(rng: random.Random) -> Any:
    """A computed attribute that raises, returns a hostile value, or returns itself."""
    kind = rng.randrange(4)
    value = hostile.value(rng)

    def compute(profile: object, now: dt.datetime) -> object:
        if kind == 0:
            raise hostile.Boom("computed")
        if kind == 1:
            return compute
        if kind == 2:
            return hostile.value(random.Random(repr(type(profile))))
        return value
    return compute


@fuzz(40)
@given(SEEDS)
def test_hostile_computed_attributes(seed: int) -> None:
    rng = random.Random(seed)
    names = hostile.names_read(SEED.document)
    attributes = Attributes()
    for name in rng.sample(names, rng.randint(1, 6)):
        attributes.register(name, _computed(rng))
    book = loads(SEED_TEXT, attributes=attributes)
    evaluation_law(book, hostile.call(rng, book.document))


# --- agreement with the reference interpreter ---------------------------------------------------

# Hostile values whose meaning the SPEC states and the oracle reads: not raising objects.
PLAIN_HOSTILE = st.sampled_from([
    math.nan, math.inf, -math.inf, -0.0, 5e-324, 1.7976931348623157e308, 10**400, -(10**400),
    2**63, True, False, Decimal("1e999"), Decimal("-0"), Decimal("Infinity"), "", "\ud800",
    "a\udfffb", "\x00", "\ufeff", "9" * 5000, "9999-12-31T23:59:59-23:59", "2026-02-30",
    "0001-01-01T00:00:00+23:59", dt.date.min, dt.date.max, dt.datetime.min, dt.datetime.max,
    dt.datetime.max.replace(tzinfo=dt.UTC), dt.datetime.min.replace(tzinfo=dt.UTC),
])


@fuzz(100)
@given(st.data())
def test_plain_hostile_values_agree_with_the_oracle(data: st.DataObject) -> None:
    document = data.draw(documents(max_segments=3))
    book = Book(document)
    call = data.draw(customers(document, PLAIN_HOSTILE))
    expected = _oracle(document, call)
    for name in book.names:
        kwargs = {key: call[key] for key in ("session", "store", "now", "members")}
        assert book.matches(name, call["profile"], **kwargs) == (name in expected), (
            name, book.source(name))
        assert book.explain(name, call["profile"], **kwargs).matched == (name in expected)


def _oracle(document: n.Document, call: dict[str, Any]) -> set[str]:
    oracle = Oracle(document, call["profile"], session=call["session"], store=call["store"],
                    now=call["now"], members=call["members"])
    return {segment.name for segment in document.segments if oracle.member(segment.name)}


# --- membership stores --------------------------------------------------------------------------

HOSTILE_IDS = (
    "c-1", "c-2", 1001, "1001", "\ud800", "a\x00b", "", 10**400, 10**5000, True, None, 1.5,
    b"c-1", ["c-1"], "c-1", hostile.RaisingStr(), hostile.Raising(), "x" * 10000, "\ufeffc-1",
)
HOSTILE_SEGMENTS = ("vip", "vip", "\ud800", "", "a\x00b", 7, None, "x" * 10000,
                    hostile.Raising())
OPERATIONS = ("add", "exclude", "remove", "unexclude", "replace", "explicit", "lists",
              "members", "excluded", "segments")


def _apply(store: Any, operation: str, segment: object, ids: list[object]) -> object:
    if operation in ("add", "exclude", "remove", "unexclude"):
        return getattr(store, operation)(segment, *ids)
    if operation == "replace":
        return store.replace(segment, ids[::2], ids[1::2])
    if operation == "explicit":
        return store.explicit(segment, ids[0] if ids else "c-1")
    if operation == "segments":
        return store.segments()
    return getattr(store, operation)(segment)


def _outcome(store: Any, operation: str, segment: object, ids: list[object]) -> object:
    """What an operation gave, or the fact that it raised a SegrulesError (anything else fails
    the test)."""
    try:
        return _apply(store, operation, segment, ids)
    except SegrulesError:
        return SegrulesError


def _index(items: tuple[object, ...]) -> st.SearchStrategy[int]:
    # Indices, not the objects: Hypothesis would call the hostile ones' repr.
    return st.integers(0, len(items) - 1)


@fuzz(60)
@given(st.lists(st.tuples(st.sampled_from(OPERATIONS), _index(HOSTILE_SEGMENTS),
                          st.lists(_index(HOSTILE_IDS), max_size=3)), max_size=12),
       st.booleans())
def test_membership_stores_take_hostile_ids_and_agree(
        drawn: list[tuple[str, int, list[int]]], close: bool) -> None:
    operations = [(operation, HOSTILE_SEGMENTS[segment], [HOSTILE_IDS[i] for i in ids])
                  for operation, segment, ids in drawn]
    sqlite, memory = MembershipStore(), MemoryMembership()
    try:
        for operation, segment, ids in operations:
            assert _outcome(sqlite, operation, segment, ids) == _outcome(
                memory, operation, segment, ids), operation
    finally:
        sqlite.close()
    if close:
        for operation, segment, ids in operations:
            assert _outcome(sqlite, operation, segment, ids) is SegrulesError
        sqlite.close()
