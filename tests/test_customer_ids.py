"""Customer ids whose ``str()`` fails are no id: the rules alone decide, on every API."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from segrules import Target
from segrules.adapters import id_text
from segrules.errors import SegrulesValueError
from segrules.loader import loads
from segrules.membership import MembershipStore, MemoryMembership

NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)
BOOK = loads("""
segment listed   { groups "a"  include where age >= 18  include customers "x" }
segment unlisted { groups "b"  include where age >= 18  exclude customers "x" }
segment only     { include customers "c-1" }
segment stored   { groups "c"  include where age >= 18 }
""")


class Raises:
    def __str__(self) -> str:
        raise RuntimeError("no text")


class NotText:
    def __str__(self) -> Any:
        return 42


class SlyText(str):
    def __hash__(self) -> int:
        raise RuntimeError("no hash")

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("no eq")


class GivesSlyText:
    def __str__(self) -> str:
        return SlyText("c-1")


HOSTILE = [10 ** 5000, Raises(), NotText()]


def answers(profile: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Every API's view of the customer: which segments they are in."""
    members = MemoryMembership()
    members.add("stored", "x")
    kwargs = {"now": NOW, "members": members, **kwargs}
    member = BOOK.membership(profile, **kwargs)
    explained = {name: BOOK.explain(name, profile, **kwargs) for name in BOOK.names}
    for tree in explained.values():
        assert str(tree) and json.dumps(tree.to_dict())
    return {
        "matches": {name for name in BOOK.names if BOOK.matches(name, profile, **kwargs)},
        "predicate": {name for name in BOOK.names if BOOK.predicate(
            name, members=kwargs["members"])(profile, **{
                key: value for key, value in kwargs.items() if key != "members"})},
        "segments_for": set(BOOK.segments_for(profile, **kwargs)),
        "groups_for": set(BOOK.groups_for(profile, **kwargs)),
        "membership": {name for name in BOOK.names if member(name)},
        "target": {name for name in BOOK.names if Target("any", [name]).matches(
            BOOK, profile, **kwargs)},
        "explain": {name for name, tree in explained.items() if tree.matched},
    }


def expect(segments: set[str]) -> dict[str, Any]:
    groups = {"listed": "a", "unlisted": "b", "stored": "c"}
    return {"matches": segments, "predicate": segments, "segments_for": segments,
            "membership": segments,
            "target": segments, "explain": segments,
            "groups_for": {groups[name] for name in segments if name in groups}}


@pytest.mark.parametrize("hostile", HOSTILE, ids=["huge int", "raising __str__", "non-str"])
def test_an_id_without_text_is_no_id_and_the_rules_decide(hostile: object) -> None:
    before = BOOK.evaluation_errors
    assert answers({"id": hostile, "age": 30}) == expect({"listed", "unlisted", "stored"})
    assert answers({"id": hostile, "age": 3}) == expect(set())
    assert answers({"age": 30}, customer_id=hostile) == expect({"listed", "unlisted", "stored"})
    # A given id without text is no id: the profile's own id is not used instead.
    assert answers({"id": "c-1", "age": 3}, customer_id=hostile) == expect(set())
    assert BOOK.evaluation_errors == before


def test_an_id_that_is_text_is_compared_as_its_text() -> None:
    assert answers({"id": "x", "age": 30}) == expect({"listed", "stored"})
    assert answers({"id": SlyText("x"), "age": 30}) == expect({"listed", "stored"})
    assert answers({"age": 3}, customer_id=SlyText("c-1")) == expect({"only"})
    assert answers({"age": 3}, customer_id=GivesSlyText()) == expect({"only"})
    assert answers({"age": 3}, customer_id=10 ** 20) == expect(set())


@pytest.mark.parametrize(("value", "text"), [
    ("c-1", "c-1"), (1001, "1001"), (SlyText("c-1"), "c-1"), (GivesSlyText(), "c-1"),
    (10 ** 5000, None), (Raises(), None), (NotText(), None),
], ids=["str", "int", "str subclass", "__str__ gives a str subclass", "huge int",
        "raising __str__", "non-str"])
def test_id_text(value: object, text: str | None) -> None:
    found = id_text(value)
    assert found == text and (found is None or type(found) is str)


class RaisesInt(int):
    def __str__(self) -> str:
        raise RuntimeError("no text")

    def __repr__(self) -> str:
        raise RuntimeError("no repr")


@pytest.mark.parametrize("kind", [MemoryMembership, MembershipStore])
@pytest.mark.parametrize("hostile", [10 ** 5000, RaisesInt(7)], ids=["huge int", "hostile int"])
def test_a_membership_store_rejects_an_id_without_text(kind: type, hostile: int) -> None:
    store = kind()
    with pytest.raises(SegrulesValueError, match="customer id must be a non-empty string"):
        store.add("s", hostile)
    with pytest.raises(SegrulesValueError, match="customer id must be a non-empty string"):
        store.explicit("s", hostile)
    store.add("s", SlyText("c-1"))
    assert store.explicit("s", "c-1") == (True, False)
    assert type(next(iter(store.members("s")))) is str


@pytest.mark.parametrize("name", [10 ** 5000, Raises(), NotText()],
                         ids=["huge int", "raising __str__", "non-str"])
def test_a_segment_name_without_text_is_an_unknown_segment(name: object) -> None:
    from segrules.errors import UnknownSegmentError

    for call in (lambda: BOOK.matches(name, {}), lambda: BOOK[name],  # type: ignore[index]
                 lambda: BOOK.explain(name, {}), lambda: BOOK.membership({})(name),
                 lambda: BOOK.compiled(name)):
        with pytest.raises(UnknownSegmentError) as info:
            call()  # type: ignore[no-untyped-call]
        assert "no segment named" in str(info.value)
