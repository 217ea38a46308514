"""The Book: membership (SPEC §2), lookups, groups, published examples, thread safety."""

from __future__ import annotations

import datetime as dt
import inspect
import pickle
import threading

import pytest

from doubles import CountingMembers
from segrules import nodes as n
from segrules.book import Book, GroupProvenance
from segrules.errors import SegrulesError, SegrulesReferenceError, UnknownSegmentError
from segrules.membership import MemoryMembership

NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)
ADULT = n.Compare(n.Attr(("age",)), "ge", (n.Number(18),))


def seg(name: str = "s", **fields: object) -> n.Segment:
    fields.setdefault("includes", (ADULT,))
    return n.Segment(name, **fields)  # type: ignore[arg-type]


def book(*segments: n.Segment) -> Book:
    return Book(n.Document(segments))


ADULT_PROFILE = {"id": "c-1", "age": 30}
CHILD_PROFILE = {"id": "c-2", "age": 10}


# --- the membership formula ----------------------------------------------------------------------


@pytest.mark.parametrize(("segment", "profile", "kwargs", "expected"), [
    (seg(), ADULT_PROFILE, {}, True),
    (seg(), CHILD_PROFILE, {}, False),
    (seg(disabled=True), ADULT_PROFILE, {}, False),
    (seg(disabled=True, include_customers=("c-1",)), ADULT_PROFILE, {}, False),
    (seg(active_from=dt.date(2026, 6, 1)), ADULT_PROFILE, {}, True),  # from is inclusive
    (seg(active_from=dt.date(2026, 6, 2)), ADULT_PROFILE, {}, False),
    (seg(active_until=dt.datetime(2026, 6, 1, 12)), ADULT_PROFILE, {}, False),  # until is not
    (seg(active_until=dt.datetime(2026, 6, 1, 12, 0, 1)), ADULT_PROFILE, {}, True),
    (seg(stores=("main",)), ADULT_PROFILE, {"store": "main"}, True),
    (seg(stores=("main",)), ADULT_PROFILE, {"store": "outlet"}, False),
    (seg(stores=("main",)), ADULT_PROFILE, {}, False),  # stores listed, none given
    (seg(), ADULT_PROFILE, {"store": "anything"}, True),
    (seg(include_customers=("c-2",)), CHILD_PROFILE, {}, True),  # inclusion beats rules
    (seg(exclude_customers=("c-1",)), ADULT_PROFILE, {}, False),
    (seg(include_customers=("c-1",), exclude_customers=("c-1",)), ADULT_PROFILE, {}, False),
    (seg(include_customers=("7",)), {"id": 7, "age": 1}, {}, True),  # ids compare as str
    (seg(include_customers=("c-9",)), CHILD_PROFILE, {"customer_id": "c-9"}, True),
    (seg(includes=()), ADULT_PROFILE, {}, False),  # an empty segment matches nobody
    (seg(includes=(), include_customers=("c-1",)), ADULT_PROFILE, {}, True),
    (seg(includes=(n.Everyone(),)), None, {}, True),
    (seg(includes=(n.Everyone(),), excludes=(ADULT,)), ADULT_PROFILE, {}, False),
    (seg(includes=(ADULT, n.Everyone())), CHILD_PROFILE, {}, True),  # some include holds
])
def test_membership_formula(segment: n.Segment, profile: object, kwargs: dict[str, object],
                            expected: bool) -> None:
    assert book(segment).matches("s", profile, now=NOW, **kwargs) is expected  # type: ignore[arg-type]


@pytest.mark.parametrize(("file", "store", "expected"), [
    ({}, (True, False), True),
    ({}, (False, True), False),
    ({"exclude_customers": ("c-2",)}, (True, False), False),  # file exclusion beats store
    ({"include_customers": ("c-1",)}, (False, True), False),  # store exclusion beats file
    ({}, (True, True), False),
    ({}, (False, False), False),
])
def test_a_membership_store_merges_with_the_file(file: dict[str, object],
                                                 store: tuple[bool, bool],
                                                 expected: bool) -> None:
    class Members:
        def explicit(self, segment: str, customer_id: str) -> tuple[bool, bool]:
            assert (segment, customer_id) in (("s", "c-2"), ("s", "c-1"))
            return store

    profile = CHILD_PROFILE if "include_customers" not in file else {"id": "c-1", "age": 1}
    assert book(seg(**file)).matches("s", profile, now=NOW, members=Members()) is expected


def test_a_failing_membership_store_lists_nobody_and_is_counted() -> None:
    class Broken:
        def explicit(self, segment: str, customer_id: str) -> tuple[bool, bool]:
            raise ConnectionError("redis down")

    b = book(seg())
    assert b.matches("s", ADULT_PROFILE, now=NOW, members=Broken())
    assert b.evaluation_errors == 1


def test_now_defaults_to_the_clock_and_naive_now_is_utc() -> None:
    b = book(seg(active_until=dt.datetime(2000, 1, 1)), seg("t", active_from=dt.date(2000, 1, 1)))
    assert not b.matches("s", ADULT_PROFILE)
    assert b.matches("t", ADULT_PROFILE)
    assert b.matches("s", ADULT_PROFILE, now=dt.datetime(1999, 12, 31, 23, 59))
    east = dt.timezone(dt.timedelta(hours=2))
    assert not b.matches("s", ADULT_PROFILE, now=dt.datetime(2000, 1, 1, 1, 59, tzinfo=east)
                         + dt.timedelta(minutes=2))
    with pytest.raises(TypeError):
        b.matches("s", ADULT_PROFILE, now="2026-01-01")  # type: ignore[arg-type]


def test_in_segment_uses_the_full_membership_of_the_other_segment() -> None:
    vip = seg("vip", stores=("main",), exclude_customers=("c-1",))
    user = seg("user", includes=(n.InSegment("vip"),))
    b = book(vip, user)
    assert not b.matches("user", ADULT_PROFILE, now=NOW, store="main")  # excluded from vip
    assert b.matches("user", {"id": "c-3", "age": 40}, now=NOW, store="main")
    assert not b.matches("user", {"id": "c-3", "age": 40}, now=NOW)  # vip needs a store


class Main(str):
    """A store given as a str subclass whose own hash and equality are not to be trusted."""

    def __hash__(self) -> int:
        raise RuntimeError("hash of a store")

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("equality of a store")


@pytest.mark.parametrize(("store", "expected"), [
    ("main", True), (Main("main"), True), (Main("outlet"), False), (["main"], False),
    (b"main", False), (7, False), (None, False),
])
def test_a_store_of_any_class_gets_the_answer_its_text_gets_on_every_path(
        store: object, expected: bool) -> None:
    """A str subclass is its text, anything else is no store; the store is made safe where a
    segment tests it, also for a segment reached by `in segment` from one that does not."""
    b = book(seg("vip", stores=("main",)), seg("user", includes=(n.InSegment("vip"),)))
    for name in ("vip", "user"):
        assert b.matches(name, ADULT_PROFILE, now=NOW, store=store) is expected  # type: ignore[arg-type]
        assert b.predicate(name, store=store)(ADULT_PROFILE, now=NOW) is expected  # type: ignore[arg-type]
        assert b.membership(ADULT_PROFILE, now=NOW, store=store)(name) is expected  # type: ignore[arg-type]
        assert (name in b.segments_for(ADULT_PROFILE, now=NOW, store=store)) is expected  # type: ignore[arg-type]
    assert b.evaluation_errors == 0


# --- the book as a collection ----------------------------------------------------------------


def test_lookup_iteration_and_metadata() -> None:
    b = book(seg("b", title="B", groups=("x",)), seg("a"))
    assert b.names == ("b", "a") and list(b) == ["b", "a"] and len(b) == 2
    assert "a" in b and "zzz" not in b
    assert b["b"].title == "B" and b["b"].groups == ("x",) and b["b"].enabled
    assert "def segment(" in b.source("a")


def test_an_unknown_name_is_a_key_error_with_a_hint() -> None:
    b = book(seg("north_america_adults"))
    for ask in (lambda: b["north_america_adult"], lambda: b.matches("north_america_adult", {}),
                lambda: b.source("north_america_adult")):
        with pytest.raises(UnknownSegmentError) as caught:
            ask()
        assert isinstance(caught.value, KeyError) and isinstance(caught.value, SegrulesError)
        assert "did you mean `north_america_adults`?" in str(caught.value)
    error = pickle.loads(pickle.dumps(caught.value))
    assert isinstance(error, UnknownSegmentError)


def test_unknown_references_and_cycles_are_reported_at_construction() -> None:
    with pytest.raises(SegrulesReferenceError, match="unknown segment"):
        book(seg("a", includes=(n.InSegment("nope"),)))
    with pytest.raises(SegrulesReferenceError, match="cycle"):
        book(seg("a", includes=(n.InSegment("b"),)), seg("b", includes=(n.InSegment("a"),)))


def test_a_book_is_immutable() -> None:
    b = book(seg())
    with pytest.raises(AttributeError):
        b.names = ()  # type: ignore[misc]
    with pytest.raises(AttributeError):
        b._functions = {}  # type: ignore[misc]


# --- segments_for and groups_for -------------------------------------------------------------


def test_segments_for_and_groups_for() -> None:
    b = book(
        seg("adults", groups=("grown", "all")),
        seg("everyone", includes=(n.Everyone(),), groups=("all",)),
        seg("kids", includes=(n.Compare(n.Attr(("age",)), "lt", (n.Number(18),)),),
            groups=("small",)),
    )
    assert b.segments_for(ADULT_PROFILE, now=NOW) == {"adults", "everyone"}
    groups = b.groups_for(ADULT_PROFILE, assigned=("grown", "vip", "vip"), now=NOW)
    assert list(groups) == ["grown", "vip", "all"]
    assert groups["grown"] == GroupProvenance(True, ("adults",))
    assert groups["vip"] == GroupProvenance(True, ())
    assert groups["all"] == GroupProvenance(False, ("adults", "everyone"))
    # Removing the assignment keeps the group while a segment gives it.
    assert b.groups_for(ADULT_PROFILE, now=NOW)["grown"] == GroupProvenance(False, ("adults",))
    with pytest.raises(TypeError):
        groups["x"] = GroupProvenance(True, ())  # type: ignore[index]


# --- published examples ------------------------------------------------------------------------

US, CA = n.String("United States"), n.String("Canada")
US_STATES = (n.String("Alaska"), n.String("Florida"), n.String("Alabama"))
CA_STATES = (n.String("British Columbia"), n.String("Nova Scotia"))


def country(*values: n.Value) -> n.Compare:
    return n.Compare(n.Attr(("country",)), "in", values)


def state(*values: n.Value) -> n.Compare:
    return n.Compare(n.Attr(("state",)), "in", values)


AGE_UNDER_18 = n.Compare(n.Attr(("age",)), "lt", (n.Number(18),))
NO_AGE = n.Compare(n.Attr(("age",)), "exists", negated=True)

# The three dynamic customer group examples of Salesforce B2C Commerce's "Using Dynamic Customer
# Groups for Active Merchandising" (their "contains" with several values is our "is one of").
SALESFORCE = book(
    n.Segment("one_block", includes=(n.AllOf((country(US, CA), state(*US_STATES, *CA_STATES),
                                              ADULT)),)),
    n.Segment("two_blocks", includes=(n.AllOf((country(US), state(*US_STATES))),
                                      n.AllOf((country(CA), state(*CA_STATES)))),
              excludes=(AGE_UNDER_18,)),
    n.Segment("us_adults_known_age", includes=(country(US),),
              excludes=(n.AnyOf((AGE_UNDER_18, NO_AGE)),)),
)


@pytest.mark.parametrize(("profile", "one_block", "two_blocks", "us_known"), [
    ({"country": "United States", "state": "Florida", "age": 30}, True, True, True),
    ({"country": "Canada", "state": "Nova Scotia", "age": 18}, True, True, False),
    ({"country": "United States", "state": "Florida", "age": 17}, False, False, False),
    # The single block's known flaw: a state from the other country still matches.
    ({"country": "United States", "state": "Nova Scotia", "age": 30}, True, False, True),
    # Unknown age: the exclude `age < 18` does not hold, so only the third rule drops it.
    ({"country": "United States", "state": "Alaska"}, False, True, False),
    ({"country": "Mexico", "state": "Florida", "age": 40}, False, False, False),
])
def test_salesforce_dynamic_customer_groups(profile: dict[str, object], one_block: bool,
                                            two_blocks: bool, us_known: bool) -> None:
    assert SALESFORCE.segments_for(profile, now=NOW) == {
        name for name, hit in (("one_block", one_block), ("two_blocks", two_blocks),
                               ("us_adults_known_age", us_known)) if hit}


def test_websphere_female_and_male_customer_segments() -> None:
    # Written from WebSphere Commerce's "Female customers" / "Male customers" segment examples
    # (gender is a profile attribute; customers of unknown gender are in neither).
    gender = n.Attr(("gender",))
    b = book(n.Segment("female", includes=(n.Compare(gender, "eq", (n.String("Female"),)),)),
             n.Segment("male", includes=(n.Compare(gender, "eq", (n.String("Male"),)),)))
    assert b.segments_for({"gender": "Female"}, now=NOW) == {"female"}
    assert b.segments_for({"gender": "Male"}, now=NOW) == {"male"}
    assert b.segments_for({}, now=NOW) == frozenset()
    assert b.segments_for(None, now=NOW) == frozenset()


# --- many threads, one book -----------------------------------------------------------------------


def test_evaluating_from_many_threads_while_the_store_changes() -> None:
    members = MemoryMembership()
    b = book(seg("adults"), seg("vip", includes=(n.InSegment("adults"),), groups=("vip",)))
    profiles = [{"id": f"c-{i}", "age": 10 + i % 20} for i in range(200)]
    expected = {p["id"]: p["age"] >= 18 for p in profiles}  # type: ignore[operator]
    stop = threading.Event()
    failures: list[str] = []

    def mutate() -> None:
        while not stop.is_set():
            members.exclude("vip", "c-0")
            members.add("vip", "c-1")
            members.remove("vip", "c-1")

    def evaluate() -> None:
        for _ in range(20):
            for p in profiles:
                cid = p["id"]
                got = b.matches("vip", p, now=NOW, members=members)
                if cid in ("c-0", "c-1"):
                    continue  # changing under our feet: any answer is a valid snapshot
                if got != expected[cid]:  # type: ignore[index]
                    failures.append(str(cid))
                if ("vip" in b.segments_for(p, now=NOW, members=members)) != got:
                    failures.append(f"segments_for {cid}")

    writer = threading.Thread(target=mutate)
    readers = [threading.Thread(target=evaluate) for _ in range(8)]
    writer.start()
    for thread in readers:
        thread.start()
    for thread in readers:
        thread.join()
    stop.set()
    writer.join()
    assert failures == []
    assert b.evaluation_errors == 0


def test_membership_evaluates_each_segment_once_and_only_when_asked() -> None:
    members = CountingMembers()
    b = book(
        n.Segment("base", includes=(n.Everyone(),)),
        n.Segment("ref", includes=(n.InSegment("base"),)),
        n.Segment("other", includes=(n.Everyone(),)),
    )
    member = b.membership({"id": "c-1"}, members=members)
    assert member("ref") and member("base") and member("ref")
    assert sorted(members.asked) == ["base", "ref"]  # `other` never; `base` once, via `ref`
    with pytest.raises(UnknownSegmentError):
        member("nope")


# --- predicate: one segment bound for a storefront's hot path -----------------------------------


def test_predicate_answers_as_matches_with_its_bound_store_and_members() -> None:
    b = book(seg("s", stores=("main",), include_customers=("c-9",)))
    members = MemoryMembership()
    members.exclude("s", "c-1")
    in_main = b.predicate("s", store="main", members=members)
    assert in_main({"age": 30}, now=NOW)
    assert not in_main({"age": 30}, customer_id="c-1", now=NOW)   # the store's exclusion
    assert in_main({"age": 3}, customer_id="c-9", now=NOW)        # the file's inclusion
    assert not b.predicate("s")({"age": 30}, now=NOW)             # no store: stores listed
    assert not b.predicate("s", store="outlet")({"age": 30}, now=NOW)
    assert in_main.__name__ == "predicate 's'"


def test_options_are_keyword_only_for_matches_and_predicates() -> None:
    """They are ordinary parameters behind a hidden guard (no dict lookup per call), yet a
    caller sees, and gets, keyword-only options."""
    b = book(seg("s"))
    in_s = b.predicate("s")
    for function, call, options in (
            (b.matches, lambda *extra: b.matches("s", ADULT_PROFILE, *extra),
             ["session", "customer_id", "store", "now", "members"]),
            (in_s, lambda *extra: in_s(ADULT_PROFILE, *extra),
             ["session", "customer_id", "now"])):
        parameters = inspect.signature(function).parameters.values()
        assert [p.name for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY] == options
        assert all(p.default is None for p in parameters if p.name in options)
        assert call() is True
        assert function(*(("s",) if function == b.matches else ()), profile=ADULT_PROFILE) is True
        assert next(iter(inspect.signature(function).parameters)) == (
            "name" if function == b.matches else "profile")
        for extra in ((None,), ({"device": "mobile"},), (None, None, "c-1")):
            with pytest.raises(TypeError, match="by keyword only"):
                call(*extra)


def test_a_bound_predicate_sets_only_the_arguments_its_segment_reads() -> None:
    """A local less is less work per call; a segment reading the session, an `in segment`
    and an explicit list still gets all three."""
    mobile = n.Compare(n.Attr(("device",), root="session"), "eq", (n.String("mobile"),))
    b = book(seg("plain"), seg("full", includes=(n.AllOf((ADULT, mobile, n.InSegment("plain"))),),
                               include_customers=("c-9",)))
    assert {"s", "cid", "memo"}.isdisjoint(b.predicate("plain").__code__.co_varnames)
    full = b.predicate("full")
    assert {"s", "cid", "memo"} <= set(full.__code__.co_varnames)
    assert full({"age": 30}, session={"device": "mobile"}, now=NOW)
    assert not full({"age": 30}, session={"device": "desktop"}, now=NOW)
    assert full({"age": 3}, customer_id="c-9", now=NOW)
    assert not full({"age": 3}, customer_id="c-8", now=NOW)


def test_predicate_refuses_an_unknown_name_at_once() -> None:
    with pytest.raises(UnknownSegmentError, match="did you mean `adults`"):
        book(seg("adults")).predicate("adultz")


def test_predicate_never_raises_on_odd_data() -> None:
    b = book(seg("s", active_from=dt.date(2026, 1, 1)))
    check = b.predicate("s", store=["not", "hashable"])  # type: ignore[arg-type]
    assert check({"age": 30}, now=NOW)
    assert not check({"age": "thirty"}, now=NOW)
    assert not check(object(), session=object(), customer_id=10 ** 5000, now=NOW)
    with pytest.raises(TypeError, match="now must be a datetime"):
        check({"age": 30}, now="2026-06-01")  # a programming error, as for matches
