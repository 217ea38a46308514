"""Keeping a storefront's book current while segment files are edited, without ever serving a
half-loaded or broken one.

A ``Reloader`` owns one path (a ``.seg`` file or a folder). ``reload()`` reads the files, and only
when their contents changed does it load a new book; a book that loads is compiled whole
(``Book.prepare``), then replaces the old one in a single attribute assignment, so a reader
thread sees either the old book or the new one, whole, and never waits for a compilation.
A load that fails keeps the old book and records the diagnostics, so a typo pushed to production
degrades to "the segments of five minutes ago", not to an outage.
"""

from __future__ import annotations

import hashlib
import os
import threading
from typing import TYPE_CHECKING, Any

from .errors import Diagnostic, SegrulesError
from .loader import load, seg_files

if TYPE_CHECKING:
    from .book import Book

__all__ = ["Reloader"]


def _fingerprint(path: str | os.PathLike[str]) -> bytes:
    """A digest of the names and contents of the files ``load(path)`` reads.

    Contents, not modification times: an edit within the file system's clock resolution, or a
    checkout that restores old times, is still seen; reading 1 MB of text costs about a
    millisecond, a thousandth of parsing it.
    """
    digest = hashlib.blake2b(digest_size=32)
    for file in seg_files(path):
        try:
            data = file.read_bytes()
        except OSError as error:
            raise SegrulesError(f"{file}: cannot read ({error.strerror})") from None
        name = os.fsencode(file)
        for part in (len(name).to_bytes(8, "big"), name, len(data).to_bytes(8, "big"), data):
            digest.update(part)
    return digest.digest()


class Reloader:
    """A book loaded from ``path`` and reloaded on demand when its files change.

    ``Reloader(path, **load_options)`` loads at once (a ``SegrulesError`` if that fails) with
    the same options as ``segrules.load``. ``book`` is always a whole, checked, prepared book;
    ``reload()`` is safe to call from any thread (calls are serialised) and returns True only
    when the files changed and the new book is in; ``errors`` holds the diagnostics of the last
    reload that failed, and is empty again after one that succeeds.
    """

    __slots__ = ("_book", "_errors", "_lock", "_options", "_path", "_seen")

    def __init__(self, path: str | os.PathLike[str], **load_options: Any) -> None:
        self._path = path
        self._options = load_options
        self._lock = threading.Lock()
        self._seen = _fingerprint(path)
        self._book: Book = load(path, **load_options).prepare()
        self._errors: tuple[Diagnostic, ...] = ()

    @property
    def book(self) -> Book:
        return self._book

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return self._errors

    @property
    def path(self) -> str | os.PathLike[str]:
        return self._path

    def reload(self) -> bool:
        """Load the files again if they changed; True when a new book replaced the old one.

        Files that changed into something that fails to load are not parsed again until they
        change once more, so calling this on a timer costs one read of the files per call.
        """
        with self._lock:
            try:
                seen = _fingerprint(self._path)
                if seen == self._seen:
                    return False
                self._seen = seen
                # Compiled whole before the swap: readers never pay for a first use.
                book = load(self._path, **self._options).prepare()
            except SegrulesError as error:
                self._errors = error.diagnostics
                return False
            self._book, self._errors = book, ()
            return True

    def __repr__(self) -> str:
        state = f"{len(self._errors)} errors in the last reload" if self._errors else "ok"
        return f"<Reloader {os.fspath(self._path)!r}: {len(self._book)} segments, {state}>"
