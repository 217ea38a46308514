"""Membership stores: explicit includes and excludes, the latest action winning, atomic replace,
many threads, and a writer killed mid-transaction."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from segrules.errors import SegrulesError, SegrulesValueError
from segrules.membership import Membership, MembershipStore, MemoryMembership

Store = MembershipStore | MemoryMembership
KINDS = ["sqlite-file", "sqlite-memory", "dict"]


def open_store(kind: str, tmp_path: Path) -> Store:
    if kind == "sqlite-file":
        return MembershipStore(tmp_path / "members.db")
    if kind == "sqlite-memory":
        return MembershipStore(":memory:")
    return MemoryMembership()


@pytest.fixture(params=KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    with open_store(request.param, tmp_path) as s:
        yield s


# --- every method ---------------------------------------------------------------------------


def test_an_empty_store_lists_nobody(store: Store) -> None:
    assert store.explicit("vip", "c-1") == (False, False)
    assert store.members("vip") == frozenset()
    assert store.excluded("vip") == frozenset()
    assert store.lists("vip") == (frozenset(), frozenset())
    assert store.segments() == ()


def test_add_includes_customers(store: Store) -> None:
    store.add("vip", "c-1", "c-2")
    store.add("vip", "c-2", "c-3")
    assert store.members("vip") == {"c-1", "c-2", "c-3"}
    assert store.explicit("vip", "c-2") == (True, False)
    assert store.explicit("vip", "c-9") == (False, False)
    assert store.explicit("other", "c-1") == (False, False)
    assert store.excluded("vip") == frozenset()


def test_exclude_excludes_customers(store: Store) -> None:
    store.exclude("fraud", "c-7", "c-8")
    assert store.excluded("fraud") == {"c-7", "c-8"}
    assert store.explicit("fraud", "c-7") == (False, True)
    assert store.members("fraud") == frozenset()
    assert store.lists("fraud") == (frozenset(), frozenset({"c-7", "c-8"}))


def test_the_latest_action_wins(store: Store) -> None:
    store.exclude("vip", "c-1")
    store.add("vip", "c-1")
    assert store.explicit("vip", "c-1") == (True, False)
    assert store.excluded("vip") == frozenset()
    store.exclude("vip", "c-1")
    assert store.explicit("vip", "c-1") == (False, True)
    assert store.members("vip") == frozenset()


def test_remove_drops_an_inclusion_but_keeps_an_exclusion(store: Store) -> None:
    store.add("vip", "c-1", "c-2")
    store.exclude("vip", "c-3")
    store.remove("vip", "c-1", "c-3", "c-404")
    assert store.lists("vip") == (frozenset({"c-2"}), frozenset({"c-3"}))
    assert store.explicit("vip", "c-1") == (False, False)


def test_unexclude_drops_an_exclusion_but_keeps_an_inclusion(store: Store) -> None:
    store.add("vip", "c-1")
    store.exclude("vip", "c-2", "c-3")
    store.unexclude("vip", "c-1", "c-2")
    assert store.lists("vip") == (frozenset({"c-1"}), frozenset({"c-3"}))


def test_replace_swaps_one_segment_and_leaves_the_others(store: Store) -> None:
    store.add("vip", "c-1", "c-2")
    store.exclude("vip", "c-3")
    store.add("other", "c-1")
    store.replace("vip", include=["c-4", "c-5"], exclude=["c-6"])
    assert store.lists("vip") == (frozenset({"c-4", "c-5"}), frozenset({"c-6"}))
    assert store.explicit("vip", "c-1") == (False, False)
    assert store.members("other") == {"c-1"}


def test_replace_with_an_id_in_both_lists_excludes_it(store: Store) -> None:
    store.replace("vip", include=["c-1", "c-2"], exclude=["c-2"])
    assert store.explicit("vip", "c-2") == (False, True)
    assert store.lists("vip") == (frozenset({"c-1"}), frozenset({"c-2"}))


def test_replace_takes_any_iterable(store: Store) -> None:
    store.replace("vip", include=(f"c-{i}" for i in range(5)), exclude={"x"})
    assert store.members("vip") == {f"c-{i}" for i in range(5)}


def test_replace_with_nothing_empties_a_segment(store: Store) -> None:
    store.add("vip", "c-1")
    store.add("new", "c-2")
    store.replace("vip")
    assert store.lists("vip") == (frozenset(), frozenset())
    assert store.segments() == ("new",)


def test_segments_lists_every_name_with_an_entry_sorted(store: Store) -> None:
    store.add("b", "c-1")
    store.exclude("High-Income Earners", "c-2")
    store.add("a", "c-1")
    store.add("gone", "c-3")
    store.remove("gone", "c-3")
    assert store.segments() == ("High-Income Earners", "a", "b")


def test_int_ids_are_stored_as_strings(store: Store) -> None:
    store.add("vip", 1001)
    store.exclude("vip", 2000)
    assert store.members("vip") == {"1001"}
    assert store.explicit("vip", "1001") == (True, False)
    assert store.explicit("vip", 1001) == (True, False)
    assert store.explicit("vip", "2000") == (False, True)
    store.remove("vip", "1001")
    assert store.members("vip") == frozenset()


def test_every_store_is_a_membership(store: Store) -> None:
    assert isinstance(store, Membership)


def test_the_protocol_accepts_any_object_with_explicit() -> None:
    class Redisish:
        def explicit(self, segment: str, customer_id: str) -> tuple[bool, bool]:
            return (segment == "vip", False)

    assert isinstance(Redisish(), Membership)
    assert not isinstance({"vip": ["c-1"]}, Membership)


# --- bad input ------------------------------------------------------------------------------

BAD_SEGMENTS = ["", None, 3, b"vip"]
BAD_IDS = [None, True, 1.5, b"c-1", "", ["c-1"], object()]


def calls(segment: Any, cid: Any) -> list[Callable[[Store], object]]:
    """Every method taking a customer id, called with ``segment`` and ``cid``."""
    return [
        lambda s: s.add(segment, cid),
        lambda s: s.exclude(segment, cid),
        lambda s: s.remove(segment, cid),
        lambda s: s.unexclude(segment, cid),
        lambda s: s.explicit(segment, cid),
        lambda s: s.replace(segment, include=[cid]),
        lambda s: s.replace(segment, exclude=[cid]),
    ]


def segment_calls(segment: Any) -> list[Callable[[Store], object]]:
    """Every method taking a segment name, called with ``segment``."""
    return [
        *calls(segment, "c-1"),
        lambda s: s.members(segment),
        lambda s: s.excluded(segment),
        lambda s: s.lists(segment),
    ]


@pytest.mark.parametrize("segment", BAD_SEGMENTS)
def test_a_bad_segment_name_is_a_value_error(store: Store, segment: Any) -> None:
    for call in segment_calls(segment):
        with pytest.raises(SegrulesValueError, match="segment name must be a non-empty string"):
            call(store)


@pytest.mark.parametrize("cid", BAD_IDS, ids=repr)
def test_a_bad_customer_id_is_a_value_error(store: Store, cid: object) -> None:
    for call in calls("vip", cid):
        with pytest.raises(SegrulesValueError, match="customer id must be a non-empty string"):
            call(store)
    assert store.segments() == ()


def test_a_list_of_ids_passed_as_one_argument_gets_a_hint(store: Store) -> None:
    with pytest.raises(SegrulesValueError) as info:
        store.add("vip", ["c-1", "c-2"])  # type: ignore[arg-type]
    assert "add(segment, *ids)" in str(info.value)


def test_replace_refuses_a_lone_string(store: Store) -> None:
    with pytest.raises(SegrulesValueError, match="iterable of customer ids") as info:
        store.replace("vip", include="c-1")
    assert "include=['c-1']" in str(info.value)
    assert store.members("vip") == frozenset()


def test_a_bad_id_late_in_replace_leaves_the_old_lists(store: Store) -> None:
    store.replace("vip", include=["c-1"], exclude=["c-2"])
    with pytest.raises(SegrulesValueError):
        store.replace("vip", include=["c-3", "c-4"], exclude=["c-5", None])  # type: ignore[list-item]
    assert store.lists("vip") == (frozenset({"c-1"}), frozenset({"c-2"}))


def test_a_bad_id_in_add_writes_none_of_the_batch(store: Store) -> None:
    with pytest.raises(SegrulesValueError):
        store.add("vip", "c-1", 2.5)  # type: ignore[arg-type]
    assert store.members("vip") == frozenset()


# --- lifetime and files ---------------------------------------------------------------------


@pytest.mark.parametrize("path", [":memory:", "file"])
def test_a_closed_store_raises(tmp_path: Path, path: str) -> None:
    store = MembershipStore(tmp_path / "m.db" if path == "file" else path)
    store.add("vip", "c-1")
    assert store.explicit("vip", "c-1") == (True, False)
    store.close()
    store.close()
    for call in segment_calls("vip"):
        with pytest.raises(SegrulesError, match="is closed"):
            call(store)
    with pytest.raises(SegrulesError, match="is closed"):
        store.segments()


def test_closing_reaches_connections_opened_by_other_threads(tmp_path: Path) -> None:
    store = MembershipStore(tmp_path / "m.db")
    store.add("vip", "c-1")
    closed = threading.Event()
    outcome: list[object] = []

    def reader() -> None:
        outcome.append(store.explicit("vip", "c-1"))
        closed.wait()
        try:
            store.explicit("vip", "c-1")
        except SegrulesError as exc:
            outcome.append(exc.message)

    thread = threading.Thread(target=reader)
    thread.start()
    while not outcome:
        time.sleep(0.001)
    store.close()
    closed.set()
    thread.join()
    assert outcome == [(True, False), f"membership store {str(tmp_path / 'm.db')!r} is closed"]


def test_the_context_manager_closes(tmp_path: Path) -> None:
    with MembershipStore(tmp_path / "m.db") as store:
        store.add("vip", "c-1")
    with pytest.raises(SegrulesError, match="is closed"):
        store.members("vip")


def test_a_file_store_persists_across_opens(tmp_path: Path) -> None:
    with MembershipStore(tmp_path / "m.db") as store:
        store.add("vip", "c-1")
        store.exclude("vip", "c-2")
    with MembershipStore(str(tmp_path / "m.db")) as store:
        assert store.lists("vip") == (frozenset({"c-1"}), frozenset({"c-2"}))
        assert store.segments() == ("vip",)


def test_two_stores_on_one_file_see_each_others_writes(tmp_path: Path) -> None:
    # Two stores stand for two processes: a storefront reading, a batch job writing.
    with MembershipStore(tmp_path / "m.db") as shop, MembershipStore(tmp_path / "m.db") as job:
        assert shop.explicit("vip", "c-1") == (False, False)
        job.add("vip", "c-1")
        assert shop.explicit("vip", "c-1") == (True, False)
        job.replace("vip", exclude=["c-1"])
        assert shop.explicit("vip", "c-1") == (False, True)


def test_a_file_that_is_not_a_database_is_a_value_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("this is not SQLite, " * 100)
    with pytest.raises(
        SegrulesValueError, match=r"cannot use .* as a membership store: file is not a database"
    ):
        MembershipStore(path)


def test_a_store_written_by_a_newer_version_is_refused(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "m.db")
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(SegrulesValueError, match="schema version 99"):
        MembershipStore(tmp_path / "m.db")


@pytest.mark.parametrize("path", ["", "missing-dir/m.db"])
def test_an_unopenable_path_is_a_value_error(tmp_path: Path, path: str) -> None:
    with pytest.raises(SegrulesValueError, match="membership store"):
        MembershipStore(str(tmp_path / path) if path else path)


# --- threads --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_readers_see_the_old_or_the_new_lists_never_a_mix(kind: str, tmp_path: Path) -> None:
    old = (frozenset(f"a-{i}" for i in range(2000)), frozenset(f"ax-{i}" for i in range(200)))
    new = (frozenset(f"b-{i}" for i in range(2000)), frozenset(f"bx-{i}" for i in range(200)))
    store = open_store(kind, tmp_path)
    store.replace("vip", include=old[0], exclude=old[1])
    seen: set[tuple[frozenset[str], frozenset[str]]] = set()
    bad: list[object] = []
    stop = threading.Event()
    reads = [0]

    def reader() -> None:
        try:
            while not stop.is_set():
                state = store.lists("vip")
                if state not in (old, new) or store.members("vip") not in (old[0], new[0]):
                    bad.append((len(state[0]), len(state[1])))
                seen.add(state)
                reads[0] += 1
        except Exception as exc:
            bad.append(exc)

    def let_the_reader_look(deadline: float) -> None:
        # A store that serialises calls (":memory:") could let this loop starve the reader.
        before = reads[0]
        while reads[0] < before + 2 and time.monotonic() < deadline:
            time.sleep(0.001)

    thread = threading.Thread(target=reader)
    thread.start()
    deadline = time.monotonic() + 10
    try:
        # Keep swapping until the reader has watched both states go by.
        while len(seen) < 2 and time.monotonic() < deadline:
            for include, exclude in (new, old):
                store.replace("vip", include=include, exclude=exclude)
                let_the_reader_look(deadline)
    finally:
        stop.set()
        thread.join()
        store.close()
    assert bad == []
    assert seen == {old, new}


@pytest.mark.parametrize("kind", KINDS)
def test_eight_readers_and_a_writer(kind: str, tmp_path: Path) -> None:
    store = open_store(kind, tmp_path)
    stable_in = [f"s-{i}" for i in range(50)]
    store.replace("stable", include=stable_in, exclude=["s-out"])
    flips = (frozenset(f"f-{i}" for i in range(300)), frozenset(f"g-{i}" for i in range(300)))
    store.replace("flip", include=flips[0])
    batch, batches = 25, 24
    problems: list[object] = []
    reads = [0] * 8
    writing = threading.Event()
    done = threading.Event()

    def reader(n: int) -> None:
        grown = 0
        try:
            while not done.is_set():
                cid = stable_in[reads[n] % len(stable_in)]
                if store.explicit("stable", cid) != (True, False):
                    problems.append(("stable", cid))
                if store.explicit("stable", "s-out") != (False, True):
                    problems.append(("stable", "s-out"))
                if store.explicit("toggle", "t-1") == (True, True):
                    problems.append(("toggle", "both"))
                if store.members("flip") not in flips:
                    problems.append(("flip", "mixed"))
                # Each add() is one transaction, so "grow" only ever gains whole batches.
                size = len(store.members("grow"))
                if size < grown or size % batch:
                    problems.append(("grow", grown, size))
                grown = size
                reads[n] += 1
        except Exception as exc:
            problems.append(exc)

    def writer() -> None:
        writing.set()
        try:
            for b in range(batches):
                store.add("grow", *(f"c-{b}-{i}" for i in range(batch)))
                (store.add if b % 2 else store.exclude)("toggle", "t-1")
                store.replace("flip", include=flips[(b + 1) % 2])
                if b % 10 == 0:
                    store.remove("grow", "no-such-customer")
        except Exception as exc:
            problems.append(exc)

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    write = threading.Thread(target=writer)
    write.start()
    write.join()
    done.set()
    for thread in threads:
        thread.join()
    assert problems == []
    assert all(count > 0 for count in reads)
    assert len(store.members("grow")) == batch * batches
    assert store.explicit("toggle", "t-1") == (True, False)
    store.close()


# --- a writer killed mid-transaction --------------------------------------------------------

CHILD = textwrap.dedent(
    """
    import sys, time
    from segrules.membership import MembershipStore

    def new_ids():
        for i in range({count}):
            yield f"new-{{i:08d}}"
            if i == {pause_at}:
                # Still inside replace()'s transaction: nothing is committed yet.
                print("started", flush=True)
                time.sleep(60)

    store = MembershipStore(sys.argv[1])
    store.replace("vip", include=new_ids(), exclude=["new-x"])
    print("committed", flush=True)
    """
)

needs_sigkill = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


def run_child(source: str, path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", source, str(path)], stdout=subprocess.PIPE, text=True
    )


def kill(child: subprocess.Popen[str]) -> None:
    child.send_signal(signal.SIGKILL)
    assert child.wait(timeout=10) == -signal.SIGKILL


@needs_sigkill
def test_a_replace_killed_mid_transaction_leaves_the_old_lists(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    old = frozenset(f"old-{i}" for i in range(1000))
    with MembershipStore(path) as store:
        store.replace("vip", include=old, exclude=["old-x"])
        store.add("other", "c-1")
    wal = Path(f"{path}-wal")
    wal_before = wal.stat().st_size if wal.exists() else 0  # closing checkpoints and deletes it
    child = run_child(CHILD.format(count=400_000, pause_at=200_000), path)
    guard = threading.Timer(30, child.kill)
    guard.start()
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == "started\n"
        # 200,000 uncommitted rows overflow the page cache: they are on disk in the log.
        assert wal.stat().st_size > wal_before + 1_000_000
        kill(child)
    finally:
        guard.cancel()
    with MembershipStore(path) as store:
        assert store.lists("vip") == (old, frozenset({"old-x"}))
        assert store.members("other") == {"c-1"}
        store.add("vip", "after")  # no stale lock is left behind
        assert "after" in store.members("vip")
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()


SWAPPER = textwrap.dedent(
    """
    import sys
    from segrules.membership import MembershipStore

    lists = [[f"a-{i}" for i in range(30_000)], [f"b-{i}" for i in range(30_000)]]
    store = MembershipStore(sys.argv[1])
    print("started", flush=True)
    n = 0
    while True:
        n += 1
        store.replace("vip", include=lists[n % 2], exclude=[f"x-{n % 2}"])
    """
)


@needs_sigkill
@pytest.mark.parametrize("delay", [0.05, 0.2, 0.45])
def test_a_writer_killed_at_any_moment_leaves_one_complete_list(
    tmp_path: Path, delay: float
) -> None:
    path = tmp_path / "m.db"
    MembershipStore(path).close()
    child = run_child(SWAPPER, path)
    assert child.stdout is not None
    assert child.stdout.readline() == "started\n"
    time.sleep(delay)
    kill(child)
    a = frozenset(f"a-{i}" for i in range(30_000))
    b = frozenset(f"b-{i}" for i in range(30_000))
    with MembershipStore(path) as store:
        assert store.lists("vip") in {
            (frozenset(), frozenset()),
            (a, frozenset({"x-0"})),
            (b, frozenset({"x-1"})),
        }
