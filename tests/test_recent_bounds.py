"""`within last` and `more than … ago` with no `now` given: bounds kept per second of the clock.

A segment whose only clock reading is one such test compares its datum with bounds kept for
the current second (`runtime.recent_bounds`) instead of building an aware `now` per call. The
answer must be the one the exact `now` of that very clock reading gives, on both sides of
each edge, while the clock moves forward, stands still or goes back.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import threading
import time
from collections.abc import Callable
from unittest import mock

from hypothesis import example, given, settings
from hypothesis import strategies as st

from segrules import nodes as n
from segrules import runtime
from segrules.book import Book

EAST = dt.timezone(dt.timedelta(hours=5, minutes=30))
WEST = dt.timezone(-dt.timedelta(hours=11))
START_NS = 1_780_315_200_123_456_789  # 2026-06-01 12:00:00.123456789 UTC
SECOND_NS = 1_000_000_000
# Steps that end just before, on and just after the second the bounds are kept for.
_TO_THE_SECOND = [0, 1, -1, SECOND_NS - 1, SECOND_NS, SECOND_NS + 211, SECOND_NS + 999]
_A_SECOND_AWAY = [-1_000_001, -1_000_000, -999_999, 999_999, 1_000_000, 1_000_001]


def recent(op: str, duration: n.Duration, name: str = "seen") -> n.Compare:
    return n.Compare(n.Attr((name,)), op, (duration,))


class Clock:
    """A `time.time_ns` that returns what the test sets."""

    def __init__(self, reading: int) -> None:
        self.reading = reading

    def __call__(self) -> int:
        return self.reading


def book_on(clock: Callable[[], int], *segments: n.Segment) -> Book:
    with mock.patch.object(time, "time_ns", clock):  # the book keeps the clock it is built with
        return Book(n.Document(segments))


@settings(max_examples=300, deadline=None)
@given(steps=st.lists(st.one_of(st.integers(-3 * SECOND_NS, 3 * SECOND_NS),
                                st.integers(-2000, 2000), st.sampled_from(_TO_THE_SECOND)),
                      min_size=1, max_size=8),
       edge=st.sampled_from(["start", "end"]),
       offset_us=st.one_of(st.integers(-3_000_000, 3_000_000), st.integers(-3, 3),
                           st.sampled_from(_A_SECOND_AWAY)),
       zone=st.sampled_from([dt.UTC, EAST, WEST]),
       op=st.sampled_from(["within_last", "more_than_ago"]),
       duration=st.sampled_from([n.Duration(365, "days"), n.Duration(36, "hours"),
                                 n.Duration(0, "days"), n.Duration(3_000_000, "days")]))
# The first reading past the kept second whose instant is a microsecond past its end.
@example(steps=[0, SECOND_NS + 999], edge="end", offset_us=1_000_001, zone=dt.UTC,
         op="within_last", duration=n.Duration(1, "days"))
def test_without_now_the_answer_is_the_exact_answer_at_each_clock_reading(
        steps: list[int], edge: str, offset_us: int, zone: dt.timezone, op: str,
        duration: n.Duration) -> None:
    """A datum a few microseconds or seconds from an edge, then the clock moved step by step:
    every answer, through `matches`, a bound predicate and under `not`, is the runtime check's
    answer at the instant of that reading. 3,000,000 days reach before year 1: no bounds."""
    clock = Clock(START_NS)
    condition = recent(op, duration)
    book = book_on(clock, n.Segment("s", includes=(condition,)),
                   n.Segment("t", includes=(n.Not(condition),)))
    assert "_ns()" in book.compiled("s").source and "_ns()" in book.compiled("t").source
    errors = runtime.ErrorCounter()
    check = runtime.predicate(op, (duration,), negated=False, ignore_case=False, errors=errors)
    length = runtime.duration_shift(duration)
    first = runtime.moment_at(START_NS)
    try:
        near = first - length if edge == "start" else first
    except OverflowError:
        near = first
    datum = (near + dt.timedelta(microseconds=offset_us)).astimezone(zone)
    bound = book.predicate("s")
    for step in steps:
        clock.reading += step
        expected = check(datum, runtime.moment_at(clock.reading))
        assert book.matches("s", {"seen": datum}) is expected
        assert bound({"seen": datum}) is expected
        assert book.matches("t", {"seen": datum}) is (not expected)
    # Only where `now - length` does not exist does the check count an error, on each path.
    assert book.evaluation_errors == 3 * errors.value


def test_the_bounds_are_kept_for_one_second_and_renewed_after_it() -> None:
    """Within the second the kept bounds decide; a reading past it, or before it (a clock
    set back), keeps new ones. A datum just inside the window at the first reading is out
    one second later, as the exact `now` says."""
    clock = Clock(START_NS)
    book = book_on(clock, n.Segment("s", includes=(recent("within_last",
                                                          n.Duration(1, "days")),)))
    edge = runtime.moment_at(START_NS) - dt.timedelta(days=1)
    inside = {"seen": edge + dt.timedelta(microseconds=1)}
    assert book.matches("s", inside) is True
    clock.reading += SECOND_NS // 2
    assert book.matches("s", inside) is False  # the exact `now` of this reading
    clock.reading += 2 * SECOND_NS
    assert book.matches("s", inside) is False
    assert book.matches("s", {"seen": edge + dt.timedelta(seconds=3)}) is True
    clock.reading = START_NS - 10 * SECOND_NS  # set back: new bounds, the same answers
    assert book.matches("s", inside) is True
    assert book.matches("s", {"seen": runtime.moment_at(START_NS)}) is False  # in the future


def test_only_a_segments_one_clock_reading_keeps_bounds() -> None:
    """`now` is one instant per evaluation: where a segment reads the clock in two places, or
    its active window reads it, or it asks another segment that does, it reads an aware `now`
    once, as before."""
    day, hour = n.Duration(1, "days"), n.Duration(2, "hours")
    book = Book(n.Document((
        n.Segment("one", includes=(recent("within_last", day),)),
        n.Segment("two", includes=(n.AllOf((recent("within_last", day),
                                            recent("more_than_ago", hour, "joined"))),)),
        n.Segment("windowed", includes=(recent("within_last", day),),
                  active_from=dt.date(2020, 1, 1)),
        n.Segment("asks", includes=(n.AllOf((recent("within_last", hour),
                                             n.InSegment("one"))),)),
        n.Segment("in_exclude", includes=(n.Everyone(),),
                  excludes=(recent("within_last", day), recent("within_last", hour))),
    )))
    assert "_ns()" in book.compiled("one").source
    for name in ("two", "windowed", "asks", "in_exclude"):
        assert "_ns()" not in book.compiled(name).source, name
        assert "_utcnow()" in book.compiled(name).source, name
    now = dt.datetime.now(dt.UTC)
    profile = {"seen": now - dt.timedelta(hours=1), "joined": now - dt.timedelta(hours=3)}
    assert [book.matches(name, profile) for name in book.names] == [
        True, True, True, True, False]


def test_the_instant_of_a_clock_reading_is_what_datetime_now_gives() -> None:
    before = dt.datetime.now(dt.UTC)
    reading = runtime.moment_at(time.time_ns())
    after = dt.datetime.now(dt.UTC)
    assert before <= reading <= after
    assert runtime.moment_at(START_NS) == dt.datetime(2026, 6, 1, 12, 0, 0, 123456,
                                                      tzinfo=dt.UTC)
    assert runtime.moment_at(-1) == dt.datetime(1969, 12, 31, 23, 59, 59, 999999,
                                                tzinfo=dt.UTC)  # floored, as the clock is


def test_threads_with_clocks_far_apart_each_get_the_answer_of_their_own_reading() -> None:
    """Eight threads, each with its own clock (seconds to days apart, some going back), share
    a book and so the kept bounds, which they renew against each other all the time: each
    answer is still the exact answer at that thread's reading."""
    local = threading.local()
    book = book_on(lambda: local.reading,  # each thread's own clock
                   n.Segment("s", includes=(recent("within_last", n.Duration(1, "days")),)))
    check = runtime.predicate("within_last", (n.Duration(1, "days"),), negated=False,
                              ignore_case=False, errors=runtime.ErrorCounter())
    wrong: list[tuple[int, dt.datetime]] = []

    def shopper(index: int) -> None:
        rng = random.Random(index)
        base = START_NS + index * 3_600 * SECOND_NS * (-1 if index % 2 else 1)
        for _ in range(3_000):
            local.reading = base + rng.randrange(-3 * SECOND_NS, 3 * SECOND_NS)
            now = runtime.moment_at(local.reading)
            edge = now - dt.timedelta(days=1) if rng.random() < 0.5 else now
            datum = edge + dt.timedelta(microseconds=rng.randrange(-2_000_000, 2_000_000))
            if book.matches("s", {"seen": datum}) is not check(datum, now):
                wrong.append((local.reading, datum))

    threads = [threading.Thread(target=shopper, args=(index,)) for index in range(8)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as CPython can
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert wrong == []
