"""List-valued attributes: which values are lists, and that every evaluator agrees on them.

A list is any ``collections.abc.Collection`` that is not text, bytes or a mapping; a one-shot
iterator is missing and never consumed. Every check asks every evaluator (``agree.holds``), so
no evaluation path keeps its own idea of a list.
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections import UserString, deque
from collections.abc import Callable, Collection, Iterator, Sequence
from types import SimpleNamespace
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agree import NOW, holds
from oracle import Oracle
from segrules import nodes as n
from segrules.book import Book
from segrules.explain import explain, show
from segrules.loader import loads
from strategies import expressions


class Shelf(Sequence[Any]):
    """A custom read-only sequence, as an ORM or an API client returns."""

    def __init__(self, items: Collection[Any]) -> None:
        self._items = list(items)

    def __getitem__(self, index: Any) -> Any:
        return self._items[index]

    def __len__(self) -> int:
        return len(self._items)


class Bag:
    """The least a Collection is: ``__len__``, ``__iter__`` and ``__contains__``, no indexing."""

    def __init__(self, items: Collection[Any]) -> None:
        self._items = list(items)

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items)

    def __contains__(self, item: object) -> bool:
        return item in self._items


def _keyed(items: list[Any]) -> dict[int, Any]:
    return dict(enumerate(items))


# Every kind of list a profile may hold, built from a plain list of its elements.
COLLECTIONS: dict[str, Callable[[list[Any]], Collection[Any]]] = {
    "tuple": tuple,
    "deque": deque,
    "dict_values": lambda items: _keyed(items).values(),
    "custom Sequence": Shelf,
    "custom Collection": Bag,
}
# Set-like kinds lose order and duplicates, so only lists of distinct hashables become them.
SET_LIKE: dict[str, Callable[[list[Any]], Collection[Any]]] = {
    "set": set, "frozenset": frozenset, "dict_keys": lambda items: dict.fromkeys(items).keys(),
}


ORDERS = [{"total": 10, "status": "paid"}, {"total": 5, "status": "new"},
          {"total": 20, "status": "paid"}]


@pytest.mark.parametrize("kind", sorted(COLLECTIONS))
@pytest.mark.parametrize(("condition", "expected"), [
    ('x is "vip"', True),
    ('x is not "vip"', False),
    ('x is one of "a", "vip"', True),
    ('x starts with "vi"', True),
    ('x contains "vip"', True),
    ('x contains all of "vip", "new"', True),
    ('x does not contain "gold"', True),
    ("x is empty", False),
    ("x is not empty", True),
    ("x exists", True),
    ("x does not exist", False),
    ("count(x) = 2", True),
    ('count(x where x is "vip") = 0', True),  # elements are not records: no field x
])
def test_every_collection_is_a_list(kind: str, condition: str, expected: bool) -> None:
    assert holds(condition, COLLECTIONS[kind](["new", "vip"])) is expected


@pytest.mark.parametrize("kind", sorted(COLLECTIONS))
def test_aggregates_run_over_every_collection(kind: str) -> None:
    orders = COLLECTIONS[kind](ORDERS)
    assert holds('count(x where status is "paid") = 2', orders)
    assert holds("sum(x.total) = 35", orders)
    assert holds('avg(x.total where status is "paid") = 15', orders)
    assert holds("min(x.total) = 5", orders)
    assert holds("max(x.total) = 20", orders)


@pytest.mark.parametrize("kind", sorted(COLLECTIONS))
def test_an_empty_collection_is_empty(kind: str) -> None:
    empty = COLLECTIONS[kind]([])
    assert holds("x is empty", empty)
    assert not holds("x is not empty", empty)
    assert holds("count(x) = 0", empty)
    assert not holds('x is "a"', empty)
    assert holds('x is not "a"', empty)  # present, and no element is "a"
    assert holds('x does not contain "a"', empty)


def test_a_list_valued_field_inside_where_is_a_list() -> None:
    orders = [{"tags": deque(["gift"])}, {"tags": Shelf(["gift", "rush"])}, {"tags": ("x",)}]
    assert holds('count(x where tags is "gift") = 2', orders)
    assert holds('count(x where tags contains "rush") = 1', orders)


def test_a_path_does_not_read_through_a_collection() -> None:
    # dict_values has a public `mapping` attribute: the dict it views. A list is data, not a
    # record, so `x.mapping` is missing however the list is spelled.
    values = {"secret": "yes"}.values()
    assert holds("x.mapping does not exist", values)
    assert not holds('x.mapping.secret is "yes"', values)
    assert holds("x.maxlen does not exist", deque([1], maxlen=3))


# --- one-shot iterators: missing, and never advanced -------------------------------------------


def _started(iterator: Iterator[Any]) -> bool:
    if inspect.isgenerator(iterator):
        return inspect.getgeneratorstate(iterator) != inspect.GEN_CREATED
    assert isinstance(iterator, Ticker)
    return iterator.advanced > 0


class Ticker:
    """An iterator that records whether anything advanced it."""

    def __init__(self) -> None:
        self.advanced = 0

    def __iter__(self) -> Ticker:
        return self

    def __next__(self) -> str:
        self.advanced += 1
        return "vip"


def _generator() -> Iterator[Any]:
    yield from ORDERS


@pytest.mark.parametrize("make", [_generator, Ticker, lambda: iter(["vip"]),
                                  lambda: map(str, ["vip"])], ids=["generator", "iterator",
                                                                   "list iterator", "map"])
@pytest.mark.parametrize(("condition", "expected"), [
    ("x exists", False),
    ("x does not exist", True),
    ("x is empty", False),
    ("x is not empty", False),
    ('x is "vip"', False),
    ('x is not "vip"', False),
    ('x contains "vip"', False),
    ('x does not contain "vip"', False),
    ("count(x) = 0", True),
    ('count(x where status is "paid") > 0', False),
    ("sum(x.total) = 0", True),
    ("max(x.total) does not exist", True),
    ("x within last 1 day", False),
    ("x.gi_frame does not exist", True),
])
def test_a_one_shot_iterator_is_missing_and_never_consumed(
        make: Callable[[], Iterator[Any]], condition: str, expected: bool) -> None:
    iterator = make()
    assert holds(condition, iterator) is expected
    if isinstance(iterator, Ticker) or inspect.isgenerator(iterator):
        assert not _started(iterator)
    else:
        assert next(iterator) == "vip"  # the first element is still there


def test_explain_shows_an_iterator_as_missing_without_consuming_it() -> None:
    generator = _generator()
    book = loads("segment s { include where x is not empty }")
    text = str(explain(book, "s", {"x": generator}, now=NOW))
    assert "x = missing" in text
    assert show(generator) == "missing"
    assert not _started(generator)


# --- text, bytes and mappings are not lists ----------------------------------------------------


@pytest.mark.parametrize("value", [b"vip", bytearray(b"vip"), memoryview(b"vip"),
                                   UserString("vip")], ids=["bytes", "bytearray",
                                                            "memoryview", "UserString"])
@pytest.mark.parametrize(("condition", "expected"), [
    ("x exists", True),
    ('x is "vip"', False),
    ('x is "v"', False),
    ('x is not "v"', True),
    ("x is 118", False),  # iterating bytes gives ints: never element-wise
    ("x contains 118", False),
    ('x contains "v"', False),
    ("x is empty", False),
    ("x is not empty", True),
    ("count(x) = 0", True),
])
def test_bytes_and_user_strings_are_neither_lists_nor_text(value: object, condition: str,
                                                           expected: bool) -> None:
    assert holds(condition, value) is expected


def test_a_mapping_is_not_a_list() -> None:
    assert not holds('x is "vip"', {"vip": 1})
    assert holds("count(x) = 0", {"vip": 1})
    assert holds("x is empty", {})


# --- hostile collections: false and counted, never raised ---------------------------------------


class Hostile(Sequence[Any]):
    """A Collection whose every method fails, as a lazy ORM relation can after a disconnect."""

    def __init__(self, fail: str) -> None:
        self.fail = fail

    def _maybe(self, name: str) -> None:
        if self.fail in (name, "all"):
            raise RuntimeError(f"{name} failed")

    def __getitem__(self, index: Any) -> Any:
        self._maybe("getitem")
        return "vip"

    def __len__(self) -> int:
        self._maybe("len")
        return 1

    def __iter__(self) -> Iterator[Any]:
        self._maybe("iter")
        yield "vip"

    def __contains__(self, item: object) -> bool:
        self._maybe("contains")
        return item == "vip"


CONDITIONS = ['x is "vip"', 'x is not "vip"', 'x contains "vip"', "x is empty",
              "x is not empty", "count(x) = 1", "sum(x) = 0", "x within last 1 day",
              'count(x where x is "a") = 0']


@pytest.mark.parametrize("fail", ["iter", "len", "contains", "all"])
def test_a_hostile_collection_is_false_and_counted_never_raised(fail: str) -> None:
    value = Hostile(fail)
    for condition in CONDITIONS:
        book = loads(f"segment s {{ include where {condition} }}")
        for profile in ({"x": value}, SimpleNamespace(x=value)):
            matched = book.matches("s", profile, now=NOW)
            explained = explain(book, "s", profile, now=NOW)
            assert explained.matched is matched
            str(explained)
            explained.to_dict()
    assert show(value) == ('["vip"]' if fail == "contains" else "<Hostile>")


def test_a_hostile_collection_makes_the_condition_false_and_counts_it() -> None:
    book = loads('segment s { include where x is not "gold" }')
    assert book.matches("s", {"x": Hostile("iter")}) is False
    assert book.evaluation_errors == 1
    assert book.matches("s", {"x": Hostile("len")}) is True  # len is never asked
    assert book.evaluation_errors == 1


# --- the law: every Collection gives the answers of the equivalent list ------------------------


def _on_x(node: Any, element: bool = False) -> Any:
    """``node`` with every path renamed: ``x`` on the profile, ``f`` on a list element."""
    name = ("f",) if element else ("x",)
    if isinstance(node, n.Attr):
        return n.Attr(name)
    if isinstance(node, n.Compare):
        return attrs.evolve(node, left=_on_x(node.left, element))
    if isinstance(node, n.TimeSince):
        return attrs.evolve(node, operand=_on_x(node.operand, element))
    if isinstance(node, n.Aggregate):
        where = None if node.where is None else _on_x(node.where, True)
        return n.Aggregate(node.func, n.Attr(name), ("f",) if node.value_path else (), where)
    if isinstance(node, n.AllOf | n.AnyOf):
        return type(node)(tuple(_on_x(item, element) for item in node.items))
    if isinstance(node, n.Not):
        return n.Not(_on_x(node.item, element))
    return node


def _literals(node: Any) -> list[Any]:
    if isinstance(node, n.Compare):
        found = [v.value for v in node.values if isinstance(v, n.String | n.Number | n.Boolean)]
        found += [v.value.isoformat() for v in node.values if isinstance(v, n.Date | n.DateTime)]
        return found + _literals(node.left)
    if isinstance(node, n.Aggregate) and node.where is not None:
        return _literals(node.where)
    if isinstance(node, n.AllOf | n.AnyOf):
        return [x for item in node.items for x in _literals(item)]
    if isinstance(node, n.Not):
        return _literals(node.item)
    return []


def _values(literals: list[Any]) -> st.SearchStrategy[Any]:
    """Values of ``x``: the condition's own literals, alone, in lists and in records."""
    leaf = st.sampled_from([*literals, None, "x", "", 0, NOW - dt.timedelta(hours=1)])
    records = st.fixed_dictionaries({"f": st.one_of(leaf, st.lists(leaf, max_size=3))})
    return st.one_of(leaf, st.lists(st.one_of(leaf, records), max_size=4), records)


def _convert(value: Any, choose: Callable[[list[Any]], str]) -> Any:
    """``value`` with every list (at any depth) turned into the collection ``choose`` names."""
    if isinstance(value, dict):
        return {key: _convert(item, choose) for key, item in value.items()}
    if not isinstance(value, list):
        return value
    items = [_convert(item, choose) for item in value]
    kind = choose(items)
    make = COLLECTIONS.get(kind) or SET_LIKE[kind]
    return make(items)


def _kinds(items: list[Any]) -> list[str]:
    # A set iterates in its own order: only elements of one exactly-summing type, all
    # distinct (1, 1.0 and True are one set element), may become one.
    kinds = {type(x) for x in items}
    settable = kinds <= {str} or kinds <= {int} or kinds <= {dt.datetime}
    try:
        distinct = len(items) == len(set(items))
    except TypeError:
        distinct = False
    return sorted(COLLECTIONS) + (sorted(SET_LIKE) if settable and distinct else [])


@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_every_collection_gives_the_answers_of_the_equivalent_list(data: st.DataObject) -> None:
    condition = _on_x(data.draw(expressions(max_depth=2)))
    document = n.Document((n.Segment("s", includes=(condition,)),))
    book = Book(document)
    value = data.draw(_values(_literals(condition)))
    converted = _convert(value, lambda items: data.draw(st.sampled_from(_kinds(items))))
    expected = book.matches("s", {"x": value}, now=NOW)
    for profile in ({"x": converted}, SimpleNamespace(x=converted)):
        assert book.matches("s", profile, now=NOW) is expected, book.source("s")
        assert explain(book, "s", profile, now=NOW).matched is expected
        assert Oracle(document, profile, now=NOW).member("s") is expected
    assert book.evaluation_errors == 0


def test_the_kinds_above_are_collections_and_a_generator_is_not() -> None:
    for make in (*COLLECTIONS.values(), *SET_LIKE.values()):
        assert isinstance(make([1]), Collection)
    assert not isinstance(_generator(), Collection)
