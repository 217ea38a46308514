"""The code generator: agreement with the reference interpreter, safety, linecache, memo."""

from __future__ import annotations

import datetime as dt
import linecache
import sys
import traceback

import attrs
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from oracle import Oracle, customers
from segrules import codegen
from segrules import nodes as n
from segrules.book import Book
from strategies import documents

NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)


def attr(*names: str, root: str = "profile") -> n.Attr:
    return n.Attr(names, root)


def cmp(names: str | tuple[str, ...], op: str, *values: n.Value, **flags: bool) -> n.Compare:
    path = (names,) if isinstance(names, str) else names
    return n.Compare(attr(*path), op, values, **flags)


def book_of(*segments: n.Segment) -> Book:
    return Book(n.Document(segments))


# --- the law: compiled code agrees with the tree-walking oracle ------------------------------


@settings(max_examples=400, deadline=None, report_multiple_bugs=False,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_compiled_code_agrees_with_the_reference_interpreter(data: st.DataObject) -> None:
    document = data.draw(documents(max_segments=3))
    if data.draw(st.booleans()):
        # Half the time open every segment up, so the rules themselves decide more often.
        document = n.Document(attrs.evolve(s, disabled=False, stores=(), active_from=None,
                                           active_until=None) for s in document.segments)
    book = Book(document)
    for _ in range(4):
        call = data.draw(customers(document))
        oracle = Oracle(document, call["profile"], session=call["session"], store=call["store"],
                        now=call["now"], members=call["members"])
        expected = {name for name in book.names if oracle.member(name)}
        event("some segment matched" if expected else "no segment matched")
        for name in book.names:
            assert book.matches(name, call["profile"], **_kwargs(call)) == (name in expected), (
                name, book.source(name))
            bound = book.predicate(name, store=call["store"], members=call["members"])
            assert bound(call["profile"], session=call["session"], now=call["now"]) == (
                name in expected), name
        assert book.segments_for(call["profile"], **_kwargs(call)) == expected
    assert book.evaluation_errors == 0


def _kwargs(call: dict[str, object]) -> dict[str, object]:
    return {key: call[key] for key in ("session", "store", "now", "members")}


# --- nothing a user writes becomes code -------------------------------------------------------

NASTY = [
    "x'); __import__('os').system('echo pwned') #",
    'a"b\'c', "line\nbreak", "\\", "{k}", "__import__", "_k0", "p.get", "\u2028", "é中",
]


@pytest.mark.parametrize("nasty", NASTY)
def test_user_text_is_bound_as_constants_never_spliced(nasty: str) -> None:
    seg = n.Segment(
        nasty, groups=(nasty,), stores=(nasty,),
        includes=(n.AllOf((cmp(nasty, "eq", n.String(nasty)),
                           cmp((nasty, nasty), "starts_with", n.String(nasty)),
                           cmp("tags", "in", n.String(nasty), n.String("x")))),),
        include_customers=(nasty,),
    )
    book = book_of(seg)
    source = book.source(nasty)
    assert repr(nasty) not in source
    if nasty not in ("_k0", "p.get"):  # those two are also words of the generated code
        assert nasty not in source
    profile = {nasty: nasty, "tags": [nasty], "id": "someone"}
    assert book.matches(nasty, profile, store=nasty) is False  # nested path is missing
    profile[nasty] = {nasty: nasty + "!"}
    assert book.matches(nasty, profile, store=nasty) is False  # the dict is not the string
    ok = book_of(n.Segment(nasty, stores=(nasty,), includes=(
        n.AllOf((cmp(nasty, "eq", n.String(nasty)), cmp("tags", "in", n.String(nasty)))),),
        include_customers=(nasty,)))
    assert ok.matches(nasty, {nasty: nasty, "tags": [nasty]}, store=nasty)
    assert ok.matches(nasty, {"id": nasty}, store=nasty)
    assert not ok.matches(nasty, {nasty: nasty, "tags": [nasty]}, store="other")


def test_only_numbers_and_bools_are_inlined() -> None:
    seg = n.Segment("s", includes=(n.AllOf((
        cmp("age", "ge", n.Number(18)), cmp("age", "between", n.Number(1), n.Number(99)),
        cmp("name", "eq", n.String("Ann")), cmp("score", "lt", n.Number(__import__("decimal")
                                                                           .Decimal("0.5"))),
    )),))
    source = book_of(seg).source("s")
    assert "(18)" in source and "(1) <= " in source
    assert "Ann" not in source and "0.5" not in source and "name" not in source


def test_names_are_looked_up_with_the_key_objects_python_code_uses() -> None:
    # Python interns name-like literals, so a dict profile written in Python holds the interned
    # name as its key, and a caller passes the interned segment name: a look-up with that very
    # object spares comparing the text.
    name, segment = "".join(["coun", "try"]), "".join(["vi", "p"])  # not interned
    book = book_of(n.Segment(segment, includes=(cmp(name, "eq", n.String("Canada")),)))
    book.compiled(segment)
    read = [value for value in book._shared.namespace.values() if value == name]
    assert read and all(value is sys.intern(name) for value in read)
    assert next(key for key in book._functions if key == segment) is sys.intern(segment)
    assert book.membership({"country": "Canada"})("vip")  # the whole-book index's look-up
    assert book.matches("vip", {"country": "Canada"})


def test_a_long_name_is_not_interned() -> None:
    # Interned strings may outlive the book; a name no one would type is not worth keeping.
    name = "".join(["a"] * 101)  # built at run time: Python would intern a folded constant
    book = book_of(n.Segment("s", includes=(cmp(name, "eq", n.String("x")),)))
    assert book.matches("s", {name: "x"})
    fresh = "".join(["a"] * 101)
    assert sys.intern(fresh) is fresh  # nobody had interned this text before


# --- tracebacks and pdb see the generated source -------------------------------------------------


def test_source_is_registered_in_linecache_under_a_readable_name() -> None:
    text = n.Segment("vip", includes=(cmp("age", "ge", n.Number(18)),))
    book = Book(n.Document((text,)))
    compiled = book.compiled("vip")
    assert compiled.filename.startswith("<segrules segment 'vip'")
    assert linecache.getlines(compiled.filename) == compiled.source.splitlines(keepends=True)
    assert compiled.function.__code__.co_filename == compiled.filename


def test_a_failure_inside_generated_code_shows_the_generated_line() -> None:
    book = book_of(n.Segment("vip", stores=("main",), active_from=dt.date(2026, 1, 1),
                             includes=(n.Everyone(),)))

    class Unhashable:
        __hash__ = None  # type: ignore[assignment]

    try:  # a moment no caller passes: `matches` makes `now` an aware datetime first
        book.compiled("vip").function({}, None, None, "main", "today", None, None)
    except TypeError as error:
        rendered = "".join(traceback.format_exception(error))
    assert "<segrules segment 'vip'" in rendered
    assert "<= now" in rendered
    # A store that is not a string is one no segment lists: nothing fails.
    assert book.compiled("vip").function({}, None, None, Unhashable(), None, None, None) is False
    assert book.matches("vip", {}, store=Unhashable()) is False  # type: ignore[arg-type]
    assert book.evaluation_errors == 0


@pytest.mark.parametrize(("body", "read"), [
    ("    return (now, memo)\n", {"now", "memo"}),  # one fused opcode on Python 3.13
    ("    x = s\n    return x, cid\n", {"s", "cid"}),
    ("    if cid is None:\n        cid = p\n    return cid\n", {"cid", "p"}),
    ("    return [memo for _ in p]\n", {"memo", "p"}),  # inlined from Python 3.12 on
    ("    return lambda: s\n", {"s"}),
])
def test_the_arguments_a_body_reads_are_found_on_every_python_version(
        body: str, read: set[str]) -> None:
    """A bound predicate sets only the arguments its body reads: one missed would fail every
    call, so the names are taken from the compiled code in a way no version's opcodes change."""
    assert read <= codegen._arguments_read([body])
    assert "store" not in codegen._arguments_read([body])


def test_different_sources_for_one_name_get_distinct_linecache_entries() -> None:
    one = book_of(n.Segment("same", includes=(cmp("a", "eq", n.Number(1)),)))
    two = book_of(n.Segment("same", includes=(cmp("a", "eq", n.Number(2)),)))
    first, second = one.compiled("same").filename, two.compiled("same").filename
    assert first != second
    assert "(1)" in "".join(linecache.getlines(first))
    assert "(2)" in "".join(linecache.getlines(second))


# --- references: each segment at most once per evaluation --------------------------------------


def test_a_referenced_segment_is_evaluated_once_per_call() -> None:
    calls: list[object] = []

    def counted(profile: object, now: dt.datetime) -> int:
        calls.append(profile)
        return 1

    base = n.Segment("base", includes=(cmp("hits", "eq", n.Number(1)),))
    users = [n.Segment(f"u{i}", includes=(n.AllOf((n.InSegment("base"),
                                                   n.Not(n.InSegment("base")))),
                                          n.InSegment("base"))) for i in range(3)]
    book = Book(n.Document((base, *users)), attributes={"hits": counted})
    assert book.segments_for({}, now=NOW) == {"base", "u0", "u1", "u2"}
    assert len(calls) == 1
    calls.clear()
    assert book.matches("u0", {}, now=NOW)
    assert len(calls) == 1


def test_segments_are_compiled_after_the_segments_they_reference() -> None:
    later = n.Segment("a", includes=(n.InSegment("b"),))
    book = book_of(later, n.Segment("b", includes=(n.Everyone(),)))
    assert book.names == ("a", "b")
    assert book.matches("a", {})


def test_clock_is_read_only_when_a_segment_needs_it() -> None:
    plain = book_of(n.Segment("plain", includes=(cmp("age", "ge", n.Number(18)),),
                              active_from=dt.date(2000, 1, 1)))
    timed = book_of(n.Segment("timed", includes=(n.Compare(
        attr("seen"), "within_last", (n.Duration(1, "days"),)),)))
    assert "_utcnow" not in plain.source("plain")
    assert "_utcnow" in timed.source("timed")


def test_the_clock_is_read_once_where_a_rule_first_needs_it(monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    """One reading per evaluation, shared with referenced segments, and none for a customer
    decided before any time condition; a later reading would see a different moment."""
    readings: list[dt.datetime] = []

    def clock() -> dt.datetime:
        readings.append(NOW + dt.timedelta(days=len(readings)))  # every reading a day later
        return readings[-1]

    monkeypatch.setattr("segrules.codegen._UTCNOW", clock)
    seen = n.Compare(attr("seen"), "within_last", (n.Duration(1, "days"),))
    recent = n.Segment("recent", includes=(seen,))
    both = n.Segment("both", includes=(n.AllOf((
        cmp("age", "ge", n.Number(18)), n.InSegment("recent"), seen,
        n.Compare(n.TimeSince("days", attr("born")), "le", (n.Number(1),)))),))
    book = book_of(recent, both)
    adult = {"age": 30, "seen": NOW - dt.timedelta(hours=12), "born": NOW.date()}
    assert book.matches("both", adult)  # a second reading, a day later, would say no
    assert len(readings) == 1
    readings.clear()
    assert book.predicate("both")(adult) and len(readings) == 1
    readings.clear()
    assert not book.matches("both", {**adult, "age": 10}) and not readings


def test_a_bound_predicate_leaves_out_the_tests_its_store_and_membership_store_decide() -> None:
    stored = n.Segment("stored", includes=(cmp("age", "ge", n.Number(18)),),
                       stores=("main",), include_customers=("c-1",))
    book = book_of(stored)
    plain = book.predicate("stored", store="main").__code__
    assert not {"store", "members"} & set(plain.co_freevars) and "_listed" not in plain.co_names
    elsewhere = book.predicate("stored", store="outlet").__code__
    assert "store" in elsewhere.co_freevars
    listed = book.predicate("stored", store="main", members={}).__code__
    assert "members" in listed.co_freevars and "_listed" in listed.co_names
    assert book.predicate("stored", store="main")({"id": "c-1", "age": 3})
    assert not book.predicate("stored", store="outlet")({"id": "c-1", "age": 30})


def test_a_book_dropped_while_its_thread_registers_a_source_does_not_deadlock() -> None:
    """The garbage collector runs a dropped book's finalizer (which releases its sources) at
    any allocation, also one made while the same thread holds the registry's lock."""
    import threading

    from segrules import codegen

    name = codegen._register("<segrules segment 'gc test'>", "x = 1\n")

    def finalizer_during_registration() -> None:
        with codegen._users_lock:
            codegen.release([name])

    worker = threading.Thread(target=finalizer_during_registration, daemon=True)
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive(), "release waited for a lock its own thread holds"
    assert name not in linecache.cache
