"""Reloader: reload on change only, keep the old book on errors, readers never see a half book;
and a dropped book releases the generated sources it registered."""

from __future__ import annotations

import gc
import linecache
import os
import threading
from pathlib import Path

import pytest

import segrules
from segrules import loader
from segrules.errors import SegrulesError

VIP = 'segment vip { groups "VIP" include where spent >= {limit} }\n'
ADULTS = "segment adults { include where age >= 18 }\n"


def write(folder: Path, limit: int) -> None:
    (folder / "vip.seg").write_text(VIP.replace("{limit}", str(limit)), encoding="utf-8")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write(tmp_path, 500)
    (tmp_path / "adults.seg").write_text(ADULTS, encoding="utf-8")
    return tmp_path


def test_loads_at_once_and_serves_the_book(folder: Path) -> None:
    reloader = segrules.Reloader(folder)
    assert reloader.book.names == ("adults", "vip")
    assert reloader.book.matches("vip", {"spent": 500})
    assert reloader.errors == ()


def test_a_first_load_that_fails_raises(tmp_path: Path) -> None:
    (tmp_path / "bad.seg").write_text("segment { }", encoding="utf-8")
    with pytest.raises(SegrulesError):
        segrules.Reloader(tmp_path)
    with pytest.raises(SegrulesError, match="no such file or folder"):
        segrules.Reloader(tmp_path / "empty-dir-that-is-missing")


def test_unchanged_files_are_not_parsed_again(folder: Path, monkeypatch: pytest.MonkeyPatch
                                              ) -> None:
    reloader = segrules.Reloader(folder)
    calls: list[object] = []
    real = loader.parse_all
    monkeypatch.setattr(loader, "parse_all", lambda sources: calls.append(1) or real(sources))
    before = reloader.book
    assert reloader.reload() is False
    assert reloader.book is before and calls == []


def test_a_changed_file_swaps_in_a_new_book(folder: Path) -> None:
    reloader = segrules.Reloader(folder)
    write(folder, 900)
    assert reloader.reload() is True
    assert not reloader.book.matches("vip", {"spent": 500})
    assert reloader.book.matches("vip", {"spent": 900})
    assert reloader.reload() is False


def test_same_size_edit_is_seen(folder: Path) -> None:
    # An edit that keeps size and (within clock resolution) modification time is still a change.
    reloader = segrules.Reloader(folder)
    path = folder / "vip.seg"
    stat = path.stat()
    write(folder, 600)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert reloader.reload() is True
    assert reloader.book.matches("vip", {"spent": 600})
    assert not reloader.book.matches("vip", {"spent": 599})


def test_a_new_and_a_removed_file_are_changes(folder: Path) -> None:
    reloader = segrules.Reloader(folder)
    (folder / "more.seg").write_text("segment more { include everyone }", encoding="utf-8")
    assert reloader.reload() is True
    assert "more" in reloader.book
    (folder / "more.seg").unlink()
    assert reloader.reload() is True
    assert "more" not in reloader.book


def test_broken_edit_keeps_the_old_book_and_records_errors(folder: Path) -> None:
    reloader = segrules.Reloader(folder)
    old = reloader.book
    (folder / "vip.seg").write_text("segment vip { include where spent => 5 }", encoding="utf-8")
    assert reloader.reload() is False
    assert reloader.book is old
    assert reloader.errors and reloader.errors[0].span is not None
    assert "vip.seg" in str(reloader.errors[0].span)
    assert "errors in the last reload" in repr(reloader)
    # The same broken files are not parsed again; the errors stay until a good load.
    assert reloader.reload() is False and reloader.errors
    write(folder, 700)
    assert reloader.reload() is True
    assert reloader.errors == ()
    assert reloader.book.matches("vip", {"spent": 700})


def test_unknown_reference_and_vanished_folder_keep_the_old_book(folder: Path) -> None:
    reloader = segrules.Reloader(folder)
    old = reloader.book
    (folder / "adults.seg").write_text("segment adults { include segment vipp }",
                                       encoding="utf-8")
    assert reloader.reload() is False
    assert reloader.book is old
    assert any("vipp" in d.message for d in reloader.errors)
    for file in folder.iterdir():
        file.unlink()
    assert reloader.reload() is False
    assert reloader.book is old and "no .seg files" in reloader.errors[0].message


def test_load_options_are_passed_on(folder: Path) -> None:
    attributes = segrules.Attributes()
    attributes.register("spent", lambda profile, now: 1000)
    reloader = segrules.Reloader(folder / "vip.seg", attributes=attributes)
    assert reloader.book.matches("vip", {})
    write(folder, 2000)
    assert reloader.reload() is True
    assert not reloader.book.matches("vip", {})


def test_readers_never_see_a_half_built_book(folder: Path) -> None:
    """8 reader threads during 100 reloads (some broken): every book they get is whole and
    answers exactly as a book of one of the versions written."""
    reloader = segrules.Reloader(folder)
    stop = threading.Event()
    problems: list[str] = []
    seen_limits: set[int] = set()
    lock = threading.Lock()

    def read() -> None:
        while not stop.is_set():
            book = reloader.book
            if book.names != ("adults", "vip"):
                problems.append(f"names {book.names}")
            limit = book["vip"].includes[0].values[0].value  # this version's threshold
            if not (book.matches("vip", {"spent": limit})
                    and not book.matches("vip", {"spent": limit - 1})):
                problems.append(f"inconsistent book at {limit}")
            with lock:
                seen_limits.add(int(limit))

    readers = [threading.Thread(target=read) for _ in range(8)]
    for thread in readers:
        thread.start()
    swapped = 0
    try:
        for version in range(1, 101):
            if version % 10 == 0:
                (folder / "vip.seg").write_text("segment vip { include where spent >= }",
                                                encoding="utf-8")
                assert reloader.reload() is False and reloader.errors
            else:
                write(folder, 1000 + version)
                swapped += reloader.reload()
    finally:
        stop.set()
        for thread in readers:
            thread.join()
    assert problems == []
    assert swapped == 90
    assert reloader.book.matches("vip", {"spent": 1099})
    assert len(seen_limits) > 1


def test_concurrent_reloads_are_serialised(folder: Path) -> None:
    reloader = segrules.Reloader(folder)
    write(folder, 800)
    results: list[bool] = []
    threads = [threading.Thread(target=lambda: results.append(reloader.reload()))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]


def generated(prefix: str) -> list[str]:
    return [name for name in linecache.cache if name.startswith(prefix)]


def test_a_dropped_book_releases_its_generated_sources() -> None:
    text = "segment released_once { include where x >= 1 }"
    prefix = "<segrules segment 'released_once'"
    book = segrules.loads(text).prepare()  # compiled: its source is registered
    assert len(generated(prefix)) == 1
    twin = segrules.loads(text)  # same text: shares the entry, which must outlive one of them
    assert twin.matches("released_once", {"x": 2})  # compiled on first use
    del book
    gc.collect()
    assert len(generated(prefix)) == 1
    assert "def segment" in "".join(linecache.getlines(generated(prefix)[0]))
    del twin
    gc.collect()
    assert generated(prefix) == []


def test_reloading_does_not_grow_linecache(folder: Path) -> None:
    reloader = segrules.Reloader(folder)
    before = len(linecache.cache)
    for limit in range(501, 531):
        write(folder, limit)
        assert reloader.reload()
    gc.collect()
    assert len(linecache.cache) <= before

