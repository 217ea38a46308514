"""Every evaluation path gives the tree-walking oracle's answer (``tests/oracle.py``).

The paths: ``matches``; ``predicate(name, store=, members=)(profile, …)``; ``segments_for``;
``groups_for``; ``membership(…)(name)`` asked in any order; the verdict of ``explain``. They are
generated and indexed differently (one function per segment, a bound predicate with its defaults,
one evaluator for the whole book that indexes segments on their shared conditions and keeps
answers between calls), so each book is asked about several customers in a row.

Books are random documents (``tests/strategies.py``) and books of many segments that share
equality, ``one of`` and threshold conditions on a few attributes, as storefront books do; the
customers hold the books' own literals and the values those conditions are easiest to get wrong
on (case and Unicode forms, ``100`` as a float, a ``Decimal``, a NumPy scalar or a bool, NaN,
ints beyond 2**53, lists). Hostile calls (``tests/hostile.py``: raising objects, lying
collections, odd ids, stores and moments, membership stores that raise) must get one answer from
every path, the oracle's where the oracle can read the call and evaluation met no error.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import unicodedata
from collections import UserString
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType, SimpleNamespace
from typing import Any

import attrs
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hostile
from oracle import DictMembers, Oracle, customers
from segrules import nodes as n
from segrules.book import Book, GroupProvenance
from segrules.operators import OPERATORS
from strategies import documents

AGREE = settings(max_examples=60, deadline=None, report_multiple_bugs=False,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# --- books whose segments share conditions ------------------------------------------------------

TEXTS = ("Canada", "France", "gold", "silver", "Café", "straße")
# Forms equal to one of TEXTS only in NFC or ignoring case, and near misses.
TEXT_DATA = ("canada", "CANADA", "Cafe\u0301", "CAFÉ", "STRASSE", "Straße", "gold ", "",
             "Gold", "silver\x00")
BOUNDS = (0, 1, 100, 500, -7, 2**53, 2**53 + 1, Decimal("99.5"), Decimal("0.1"))
NUMBER_DATA = (100, 100.0, 99.99999999999999, 100.00000000000001, Decimal("100"),
               Decimal("100.00"), Decimal("99.5"), Fraction(199, 2), np.int64(100),
               np.float64(100.0), np.float32(99.5), True, False, 2**53, 2**53 + 1,
               float(2**53), float(2**53 + 2), math.nan, math.inf, -math.inf, -0.0, 0.1,
               Decimal("NaN"), 10**400, "100", 500, 499.99999999999994)
PATHS = (("country",), ("tier",), ("address", "country"), ("spent",), ("visits",))
TEXT_PATHS, NUMBER_PATHS = PATHS[:3], PATHS[3:]


class Text(UserString):
    """Text that is not a ``str``: never equal to a string literal."""


class Profile(dict[str, Any]):
    """A profile that is a dict, but not exactly one."""


def _data() -> st.SearchStrategy[object]:
    scalars = st.one_of(st.sampled_from(TEXTS + TEXT_DATA), st.sampled_from(NUMBER_DATA),
                        st.sampled_from(TEXTS).map(lambda t: unicodedata.normalize("NFD", t)),
                        st.sampled_from(TEXTS).map(Text))
    return st.one_of(scalars, st.lists(scalars, max_size=3), st.lists(scalars, max_size=2)
                     .map(tuple))


DATA = _data()


def _negatable(draw: st.DrawFn, op: str) -> bool:
    return bool(OPERATORS[op].negative_spellings) and draw(st.integers(0, 4)) == 0


@st.composite
def shared_conditions(draw: st.DrawFn) -> n.Compare:
    """An equality, ``one of`` or threshold on one of a few attributes, from few values."""
    if draw(st.booleans()):
        path = draw(st.sampled_from(TEXT_PATHS))
        op = draw(st.sampled_from(("eq", "in")))
        count = 1 if op == "eq" else draw(st.integers(1, 3))
        values = tuple(n.String(v) for v in draw(
            st.lists(st.sampled_from(TEXTS), min_size=count, max_size=count)))
        return n.Compare(n.Attr(path), op, values, _negatable(draw, op), draw(st.booleans()))
    path = draw(st.sampled_from(NUMBER_PATHS))
    op = draw(st.sampled_from(("ge", "gt", "le", "lt", "between", "eq", "in")))
    if op == "between":
        low, high = sorted(draw(st.lists(st.sampled_from(BOUNDS), min_size=2, max_size=2)))
        values: tuple[n.Value, ...] = (n.Number(low), n.Number(high))
    else:
        count = draw(st.integers(1, 3)) if op == "in" else 1
        values = tuple(n.Number(v) for v in draw(
            st.lists(st.sampled_from(BOUNDS), min_size=count, max_size=count)))
    return n.Compare(n.Attr(path), op, values, _negatable(draw, op))


@st.composite
def _block(draw: st.DrawFn, refs: list[str]) -> n.Expr:
    items: list[n.Expr] = draw(st.lists(shared_conditions(), min_size=1, max_size=3))
    roll = draw(st.integers(0, 9))
    if roll == 0 and refs:
        items.append(n.InSegment(draw(st.sampled_from(refs))))
    elif roll == 1:
        items.append(n.Not(draw(shared_conditions())))
    elif roll == 2:
        items.append(n.AnyOf(draw(st.lists(shared_conditions(), min_size=2, max_size=3))))
    return items[0] if len(items) == 1 else n.AllOf(items)


@st.composite
def shared_books(draw: st.DrawFn, max_segments: int = 12) -> n.Document:
    """Segments over a few attributes and values, most of them plain conjunctions the way an
    index can key them, some with what it cannot (windows, stores, references, excludes,
    explicit lists, a second include block)."""
    count = draw(st.integers(1, max_segments))
    names = [f"s{i}" for i in range(count)]
    segments = []
    for index, name in enumerate(names):
        refs = names[:index]
        plain = draw(st.integers(0, 2)) > 0
        window = (None, None) if plain or draw(st.booleans()) else draw(st.sampled_from(
            [(dt.date(2026, 1, 1), dt.date(2027, 1, 1)), (None, dt.date(2000, 1, 1))]))
        segments.append(n.Segment(
            name, groups=draw(st.lists(st.sampled_from(("vip", "na", "eu")), max_size=2,
                                       unique=True)),
            active_from=window[0], active_until=window[1],
            disabled=not plain and draw(st.integers(0, 5)) == 0,
            stores=() if plain else draw(st.lists(st.sampled_from(("main", "outlet")),
                                                  max_size=1)),
            includes=draw(st.lists(_block(refs), min_size=1, max_size=1 if plain else 2)),
            excludes=() if plain else draw(st.lists(_block(refs), max_size=1)),
            include_customers=() if plain else draw(st.lists(
                st.sampled_from(("c-1", "c-2")), max_size=1)),
            exclude_customers=() if plain else draw(st.lists(
                st.sampled_from(("c-2", "c-3")), max_size=1)),
        ))
    return n.Document(segments)


def _opened(document: n.Document) -> n.Document:
    """Every segment enabled, with no window and no stores, so the rules decide more often."""
    return n.Document(attrs.evolve(s, disabled=False, stores=(), active_from=None,
                                   active_until=None) for s in document.segments)


BOOKS = st.one_of(documents(max_segments=3), documents(max_segments=3).map(_opened),
                  shared_books(), shared_books().map(_opened))

# --- asking every path --------------------------------------------------------------------------


def _answers(book: Book, call: dict[str, Any], assigned: tuple[str, ...],
             order: list[str]) -> set[str]:
    """The members by every path, asserted equal to each other; the set they agree on."""
    profile = call["profile"]
    kwargs = {key: call.get(key) for key in ("session", "customer_id", "store", "now",
                                             "members")}
    within = book.segments_for(profile, **kwargs)
    assert type(within) is frozenset
    for name in book.names:
        said = book.matches(name, profile, **kwargs)
        assert said is (name in within), ("matches", name, book.source(name))
        bound = book.predicate(name, store=kwargs["store"], members=kwargs["members"])
        assert bound(profile, session=kwargs["session"], customer_id=kwargs["customer_id"],
                     now=kwargs["now"]) is said, ("predicate", name)
        assert book.explain(name, profile, **kwargs).matched is said, ("explain", name)
    member = book.membership(profile, **kwargs)
    assert {name for name in order if member(name)} == within, "membership"
    given: dict[str, dict[str, None]] = {}
    for name in book.names:
        if name in within:
            for group in book[name].groups:
                given.setdefault(group, {})[name] = None
    expected = {group: GroupProvenance(True, tuple(given.get(group, ()))) for group in assigned}
    for group, names in given.items():
        expected.setdefault(group, GroupProvenance(False, tuple(names)))
    groups = book.groups_for(profile, assigned=assigned, **kwargs)
    assert list(groups.items()) == list(expected.items()), "groups_for"
    return set(within)


def _oracle(document: n.Document, call: dict[str, Any]) -> set[str]:
    oracle = Oracle(document, call["profile"], session=call["session"],
                    customer_id=call.get("customer_id"), store=call["store"], now=call["now"],
                    members=call["members"])
    return {segment.name for segment in document.segments if oracle.member(segment.name)}


@st.composite
def calls(draw: st.DrawFn, document: n.Document) -> dict[str, Any]:
    """A customer for ``document`` (its literals, ``DATA``, plain hostile numbers and text),
    without a membership store half the time, with an explicit customer id now and then."""
    call = draw(customers(document, DATA))
    if draw(st.booleans()):
        call["members"] = None
    elif call["members"] is None and draw(st.booleans()):
        ids = ("c-1", "c-2", "c-3")
        call["members"] = DictMembers({(s.name, i): (draw(st.booleans()), draw(st.booleans()))
                                       for s in document.segments for i in ids})
    if draw(st.integers(0, 3)) == 0:
        call["customer_id"] = draw(st.sampled_from(("c-1", "c-2", "c-3")))
    if isinstance(call["profile"], dict):
        # Bodies are specialised for a plain dict: the other profiles take the general reader.
        shape = draw(st.sampled_from(("dict", "dict", "mapping", "object", "subclass")))
        if shape == "mapping":
            call["profile"] = MappingProxyType(call["profile"])
        elif shape == "object":
            call["profile"] = SimpleNamespace(**call["profile"])
        elif shape == "subclass":
            call["profile"] = Profile(call["profile"])
    return call


@AGREE
@given(BOOKS, st.data())
def test_every_path_agrees_with_the_oracle(document: n.Document, data: st.DataObject) -> None:
    book = Book(document)
    order = data.draw(st.permutations(book.names))
    for _ in range(5):
        call = data.draw(calls(document))
        assert _answers(book, call, ("vip", "new"), order) == _oracle(document, call)
    assert book.evaluation_errors == 0


@AGREE
@given(BOOKS, st.integers(0, 2**32 - 1))
def test_hostile_calls_get_one_answer_from_every_path(document: n.Document, seed: int) -> None:
    book = Book(document)
    rng = random.Random(seed)
    names = hostile.names_read(document)
    for _ in range(5):
        call = hostile.call(rng, document)
        if rng.random() < 0.5 and isinstance(call["profile"], dict):
            # The shared attributes with hostile and edge values side by side.
            for path in PATHS:
                if rng.random() < 0.5:
                    call["profile"][path[0]] = (
                        {path[1]: rng.choice((*NUMBER_DATA, *TEXT_DATA, hostile.value(rng)))}
                        if len(path) > 1 else rng.choice((*NUMBER_DATA, hostile.value(rng))))
        errors = book.evaluation_errors
        within = _answers(book, call, tuple(rng.sample(names, min(2, len(names)))),
                          rng.sample(book.names, len(book.names)))
        if book.evaluation_errors != errors:
            continue  # odd data met: each path took the condition as false, and agreed
        try:
            expected = _oracle(document, call)
        except Exception:
            continue  # beyond what the oracle reads
        assert within == expected
