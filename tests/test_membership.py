"""Membership stores: explicit includes and excludes, the latest action winning, atomic replace,
many threads, and a writer killed mid-transaction."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import segrules
from segrules.errors import SegrulesError, SegrulesValueError, UnknownSegmentError
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

class Unprintable:
    """A name of the wrong type whose repr fails too: the error must still be ours."""

    def __repr__(self) -> str:
        raise RuntimeError("no repr")


BAD_SEGMENTS = ["", None, 3, b"vip", Unprintable(), 10**5000]
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


@pytest.mark.parametrize("segment", BAD_SEGMENTS, ids=range(len(BAD_SEGMENTS)))
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


@pytest.mark.parametrize("text", ["\ud800", "vip\udfff", "\udbff\udfff"])
def test_lone_surrogates_are_refused_by_every_store(store: Store, text: str) -> None:
    # SQLite keeps UTF-8, which cannot hold them; the in-memory store refuses them too, so an
    # application sees the same answers whichever store it uses.
    for call in segment_calls(text):
        with pytest.raises(SegrulesValueError, match="segment name must be valid Unicode") as info:
            call(store)
        assert info.value.diagnostics[0].code == "SR381"
    for call in calls("vip", text):
        with pytest.raises(SegrulesValueError, match="customer id must be valid Unicode") as info:
            call(store)
        assert info.value.diagnostics[0].code == "SR382"
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


@pytest.mark.parametrize(
    ("path", "hint"),
    [
        ("", None),
        ("missing-dir/m.db", "check the path: its folder does not exist"),
        (".", "give the path of a file, not a folder"),
    ],
)
def test_an_unopenable_path_is_a_value_error(tmp_path: Path, path: str, hint: str | None
                                             ) -> None:
    with pytest.raises(SegrulesValueError, match="membership store") as info:
        MembershipStore(str(tmp_path / path) if path else path)
    assert info.value.diagnostics[0].hint == hint


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


# --- closing while others use the store -----------------------------------------------------

CLOSER = textwrap.dedent(
    """
    import sys, threading
    import segrules
    from segrules.membership import MembershipStore

    book = segrules.loads(
        'segment vip { include where spent >= 500 }\\n'
        'segment fraud { }\\n'
        'segment promo { include segment vip  exclude segment fraud }'
    )
    for run in range(int(sys.argv[2])):
        store = MembershipStore(f"{sys.argv[1]}-{run}")
        store.add("vip", *(f"c-{i}" for i in range(100)))
        store.exclude("fraud", "c-1")
        started = threading.Barrier(6)
        busy = threading.Semaphore(0)
        answers = set()

        def evaluate(n):
            started.wait()
            for i in range(3000):
                answers.add(book.matches("promo", {"id": f"c-{i % 200}"}, members=store))
                if i == 50:
                    busy.release()

        def write():
            started.wait()
            for i in range(300):
                try:
                    store.add("vip", f"w-{i}")
                    store.replace("fraud", include=["c-1"], exclude=[f"c-{i}"])
                except segrules.SegrulesError as exc:
                    assert "is closed" in str(exc), exc
                    return

        threads = [threading.Thread(target=evaluate, args=(n,)) for n in range(4)]
        threads.append(threading.Thread(target=write))
        for thread in threads:
            thread.start()
        started.wait()
        for _ in range(4):
            busy.acquire()  # every evaluating thread is in the middle of its loop
        store.close()
        for thread in threads:
            thread.join()
        store.close()
        assert answers <= {True, False}
    print("ok", flush=True)
    """
)


def test_closing_while_threads_evaluate_and_write_is_safe(tmp_path: Path) -> None:
    # Closing a connection another thread is inside crashed the interpreter (exit 139).
    child = subprocess.run(
        [sys.executable, "-c", CLOSER, str(tmp_path / "m.db"), "15"],
        capture_output=True, text=True, timeout=120,
    )
    assert (child.returncode, child.stdout, child.stderr) == (0, "ok\n", "")


def test_an_evaluation_after_close_counts_an_error_and_uses_no_entries(tmp_path: Path) -> None:
    book = segrules.loads("segment beta { }")
    store = MembershipStore(tmp_path / "m.db")
    store.add("beta", "c-1")
    assert book.matches("beta", {"id": "c-1"}, members=store)
    store.close()
    before = book.evaluation_errors
    assert book.matches("beta", {"id": "c-1"}, members=store) is False
    assert book.evaluation_errors == before + 1


needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")


def in_a_forked_child(action: Callable[[], object]) -> tuple[int, str]:
    """Run ``action`` in a forked child; its exit code and what it wrote back."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 0
        try:
            result = repr(action())
        except BaseException as exc:
            result, code = f"{type(exc).__name__}: {exc}", 1
        os.write(write, result.encode())
        os._exit(code)
    os.close(write)
    with os.fdopen(read) as pipe:
        output = pipe.read()
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), output


@needs_fork
def test_a_file_store_opens_its_own_connections_in_a_forked_child(tmp_path: Path) -> None:
    store = MembershipStore(tmp_path / "m.db")
    store.add("vip", "c-1")
    assert store.members("vip") == {"c-1"}  # this thread has a reader to inherit

    def child() -> object:
        store.add("vip", "c-2")
        members = store.members("vip")
        store.close()
        return sorted(members)

    assert in_a_forked_child(child) == (0, "['c-1', 'c-2']")
    assert store.members("vip") == {"c-1", "c-2"}  # the parent's connections still work
    store.add("vip", "c-3")
    store.close()


@needs_fork
def test_an_in_memory_store_refuses_a_forked_child(tmp_path: Path) -> None:
    store = MembershipStore()
    store.add("vip", "c-1")
    code, output = in_a_forked_child(lambda: store.members("vip"))
    assert code == 1
    assert output.startswith("SegrulesError: error[SR384]: an in-memory membership store")
    assert "use a store file" in output
    assert store.members("vip") == {"c-1"}


# --- files that are not usable stores ---------------------------------------------------------


def test_a_write_that_waits_too_long_for_another_writer_says_so(tmp_path: Path) -> None:
    MembershipStore(tmp_path / "m.db").close()
    other = sqlite3.connect(tmp_path / "m.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # a batch job in the middle of a replace
    try:
        store = MembershipStore(tmp_path / "m.db", timeout=0.05)  # opening needs no lock
        for write in (lambda: store.add("vip", "c-1"), lambda: store.replace("vip", ["c-1"])):
            with pytest.raises(SegrulesError) as info:
                write()
            (problem,) = info.value.diagnostics
            assert problem.code == "SR385"
            assert "is locked by another writer" in problem.message
            assert problem.hint is not None and "timeout=" in problem.hint
        assert store.members("vip") == frozenset()  # readers do not wait
    finally:
        other.execute("ROLLBACK")
        other.close()
    store.add("vip", "c-1")
    assert store.members("vip") == {"c-1"}
    store.close()


def damage(path: Path) -> None:
    """Overwrite every page but the first (the schema) with noise."""
    data = bytearray(path.read_bytes())
    data[4096:] = bytes(range(256)) * ((len(data) - 4096) // 256) + bytes(len(data) % 256)
    path.write_bytes(bytes(data))


def test_a_damaged_file_says_how_to_recover(tmp_path: Path) -> None:
    with MembershipStore(tmp_path / "m.db") as store:
        store.replace("vip", include=(f"c-{i}" for i in range(5000)))
    damage(tmp_path / "m.db")
    # Opening reads only the first page; the damage shows when the lists are read.
    with pytest.raises(SegrulesValueError) as info, MembershipStore(tmp_path / "m.db") as store:
        store.members("vip")
    (problem,) = info.value.diagnostics
    assert problem.code == "SR383"
    assert "is damaged" in problem.message
    assert problem.hint is not None and ".recover" in problem.hint


def foreign(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


@pytest.mark.parametrize(
    ("statements", "message"),
    [
        (["CREATE TABLE segrules_membership (a, b)"],
         "has a table named segrules_membership that segrules did not create (columns: a, b)"),
        (["CREATE TABLE segrules_membership (segment TEXT, customer_id TEXT, excluded INTEGER)"],
         "that segrules did not create (columns: segment, customer_id, excluded)"),
        (["CREATE TABLE t (x)", "CREATE VIEW segrules_membership AS SELECT x FROM t"],
         "has a view named segrules_membership that segrules did not create"),
        (["CREATE TABLE orders (id)", "PRAGMA user_version = 7"],
         "is another program's database (schema version 7, no segrules_membership table)"),
    ],
)
def test_a_foreign_table_or_database_is_refused(
    tmp_path: Path, statements: list[str], message: str
) -> None:
    foreign(tmp_path / "m.db", *statements)
    for readonly in (False, True):
        with pytest.raises(SegrulesValueError) as info:
            MembershipStore(tmp_path / "m.db", readonly=readonly)
        (problem,) = info.value.diagnostics
        assert problem.code == "SR383"
        assert message in problem.message
        assert problem.hint is not None and "a file of its own" in problem.hint


def test_a_store_written_by_a_newer_segrules_says_to_upgrade(tmp_path: Path) -> None:
    MembershipStore(tmp_path / "m.db").close()
    foreign(tmp_path / "m.db", "PRAGMA user_version = 2")
    with pytest.raises(SegrulesValueError) as info:
        MembershipStore(tmp_path / "m.db")
    (problem,) = info.value.diagnostics
    assert "has schema version 2, newer than this segrules reads (1)" in problem.message
    assert problem.hint == "upgrade segrules to the version that wrote the file"


def test_a_store_opened_read_only_reads_and_refuses_writes(tmp_path: Path) -> None:
    with MembershipStore(tmp_path / "m.db") as store:
        store.add("vip", "c-1")
    with MembershipStore(tmp_path / "m.db", readonly=True) as store:
        assert store.members("vip") == {"c-1"}
        assert segrules.loads("segment vip { }").matches("vip", {"id": "c-1"}, members=store)
        for write in calls("vip", "c-2")[:4] + calls("vip", "c-2")[5:]:
            with pytest.raises(SegrulesError) as info:
                write(store)
            (problem,) = info.value.diagnostics
            assert problem.code == "SR386"
            assert "is read-only: it was opened with readonly=True" in problem.message
        assert store.lists("vip") == (frozenset({"c-1"}), frozenset())


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda path: None, "unable to open database file"),
        (lambda path: path.write_bytes(b""), "has no segrules_membership table"),
    ],
)
def test_read_only_needs_an_existing_store(
    tmp_path: Path, make: Callable[[Path], object], message: str
) -> None:
    make(tmp_path / "m.db")
    with pytest.raises(SegrulesValueError, match=message) as info:
        MembershipStore(tmp_path / "m.db", readonly=True)
    assert info.value.diagnostics[0].hint in (
        "check the path: there is no file there",
        "a store is created by opening its file writable once: MembershipStore(path)",
    )
    with pytest.raises(SegrulesValueError, match="cannot be read-only"):
        MembershipStore(":memory:", readonly=True)


# Permissions do not stop root, so the child gives up root before it opens the store.
UNPRIVILEGED = textwrap.dedent(
    """
    import os, sys
    import segrules
    from segrules import membership
    if os.geteuid() == 0:
        os.setgid(65534)
        os.setuid(65534)
    if sys.argv[2] == "read-only-mount":
        membership._on_read_only_mount = lambda path: True
    try:
        store = membership.MembershipStore(sys.argv[1])
        print(sorted(store.members("vip")))
        store.add("vip", "c-2")
    except segrules.SegrulesError as exc:
        print(exc.diagnostics[0].code, exc.diagnostics[0].message)
        print(exc.diagnostics[0].hint)
    """
)


@pytest.mark.parametrize(
    ("folder_mode", "case", "expected"),
    [
        (0o777, "", ["['c-1']", "SR386 membership store {path!r} is read-only: this process "
                     "cannot write the file or its folder"]),
        (0o755, "", ["SR383 cannot read membership store {path!r}: attempt to write a "
                     "readonly database", "SQLite needs to create m.db-shm beside a store"]),
        (0o755, "read-only-mount", ["['c-1']", "SR386"]),
    ],
)
def test_a_file_this_process_cannot_write_is_opened_for_reading(
    folder_mode: int, case: str, expected: list[str]
) -> None:
    folder = Path(tempfile.mkdtemp())  # not under pytest's root-only tmp_path
    try:
        path = folder / "m.db"
        with MembershipStore(path) as store:
            store.add("vip", "c-1")
        path.chmod(0o444)
        folder.chmod(folder_mode)
        child = subprocess.run(
            [sys.executable, "-c", UNPRIVILEGED, str(path), case],
            capture_output=True, text=True, timeout=60,
        )
        assert child.stderr == ""
        lines = child.stdout.splitlines()
        for line, start in zip(lines, expected, strict=False):
            assert line.startswith(start.format(path=str(path)))
        assert len(lines) >= len(expected)
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)


# --- an optional book -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_a_store_given_a_book_refuses_unknown_segments(kind: str, tmp_path: Path) -> None:
    book = segrules.loads("segment vip { }  segment fraud_suspects { }")
    if kind == "dict":
        store: Store = MemoryMembership(book=book)
    else:
        store = MembershipStore(tmp_path / "m.db" if kind == "sqlite-file" else ":memory:",
                                book=book)
    for call in [c for i, c in enumerate(segment_calls("vpi")) if i != 4]:  # not explicit()
        with pytest.raises(UnknownSegmentError) as info:
            call(store)
        assert info.value.diagnostics[0].hint == "did you mean `vip`?"
    assert store.explicit("vpi", "c-1") == (False, False)  # the evaluator's question never fails
    store.add("vip", "c-1")
    assert store.segments() == ("vip",)
    store.close()
