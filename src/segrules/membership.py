"""Membership stores: the explicit includes and excludes that storefronts add at run time.

A segment's explicit lists live in two places: the ``.seg`` file (``include customers …``) and a
membership store, written while the shop runs by storefront actions ("add to segment") and by
external batch jobs. The evaluator merges both and asks the store one question per segment,
``explicit(segment, customer_id) -> (included, excluded)``, so anything with that method (the
``Membership`` protocol) will do — an app's own Redis store as well as the two here.

Within a store a customer is, per segment, included, excluded or neither, never both: ``add``
clears an exclusion and ``exclude`` clears an inclusion, so the latest storefront action wins.
``replace`` swaps a segment's whole population atomically; an id given in both of its lists is
excluded, as in a ``.seg`` file. Customer ids are strings; an ``int`` id is stored as ``str(id)``
so ``1001`` and ``"1001"`` are the same customer, as they are when matched against a file's lists.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, Self, runtime_checkable

from .adapters import id_text
from .errors import Diagnostic, SegrulesError, SegrulesValueError
from .limits import lone_surrogate

if TYPE_CHECKING:
    from .book import Book

__all__ = ["Membership", "MembershipStore", "MemoryMembership"]

CustomerId = str | int

_SCHEMA_VERSION = 1
_TABLE = "segrules_membership"
# (name, type, position in the primary key) of each column, as PRAGMA table_info gives them.
_COLUMNS = [("segment", "TEXT", 1), ("customer_id", "TEXT", 2), ("excluded", "INTEGER", 0)]
_SCHEMA = """
CREATE TABLE IF NOT EXISTS segrules_membership (
    segment     TEXT    NOT NULL,
    customer_id TEXT    NOT NULL,
    excluded    INTEGER NOT NULL CHECK (excluded IN (0, 1)),
    PRIMARY KEY (segment, customer_id)
) WITHOUT ROWID
"""
_EXPLICIT = "SELECT excluded FROM segrules_membership WHERE segment = ? AND customer_id = ?"
_LISTS = "SELECT customer_id, excluded FROM segrules_membership WHERE segment = ?"
_KIND = "SELECT customer_id FROM segrules_membership WHERE segment = ? AND excluded = ?"
_UPSERT = "INSERT OR REPLACE INTO segrules_membership VALUES (?, ?, ?)"
_DELETE_KIND = (
    "DELETE FROM segrules_membership WHERE segment = ? AND customer_id = ? AND excluded = ?"
)
_DELETE_SEGMENT = "DELETE FROM segrules_membership WHERE segment = ?"
# DISTINCT would walk every row; hopping from one segment to the next through the primary key
# costs one index seek per segment however many customers each one has.
_SEGMENTS = """
WITH RECURSIVE names(name) AS (
    SELECT min(segment) FROM segrules_membership
    UNION ALL
    SELECT (SELECT min(segment) FROM segrules_membership WHERE segment > name)
    FROM names WHERE name IS NOT NULL
)
SELECT name FROM names WHERE name IS NOT NULL
"""
# SQLite's primary result codes (sqlite3.Error.sqlite_errorcode & 0xFF).
_SQLITE_PERM, _SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY = 3, 5, 6, 8
_SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 11, 13, 14, 26
_SQLITE_READONLY_DIRECTORY = _SQLITE_READONLY | 6 << 8
_CANNOT_WRITE = "this process cannot write the file or its folder"
_NEITHER = (False, False)
_INCLUDED = (True, False)
_EXCLUDED = (False, True)


@runtime_checkable
class Membership(Protocol):
    """What the evaluator needs from a membership store: one customer's explicit standing.

    ``explicit`` answers ``(included, excluded)`` for one customer in one segment. The evaluator
    passes ``customer_id`` as a string and applies the precedence itself (an exclusion beats
    everything, an inclusion beats every rule), so a store may return both flags.
    """

    def explicit(self, segment: str, customer_id: str) -> tuple[bool, bool]: ...


def _error(code: str, message: str, hint: str | None = None) -> SegrulesValueError:
    return SegrulesValueError([Diagnostic(code, message, hint=hint)])


def _segment(name: object) -> str:
    if not isinstance(name, str) or not name:
        raise _error("SR381",
                     f"a segment name must be a non-empty string, not {_shown(name)}")
    if lone_surrogate(name):
        raise _error("SR381", f"a segment name must be valid Unicode text, not {name!r}",
                     _SURROGATE_HINT)
    return name


def _known(book: Book | None, segment: object) -> str:
    """A valid segment name, and one of the book's when the store was given a book."""
    name = _segment(segment)
    if book is not None and name not in book:
        book[name]  # raises UnknownSegmentError, with "did you mean"
    return name


def _customer(customer_id: object) -> str:
    # bool is an int, but True is never anybody's customer id. An int too long for str()
    # (over 4,300 digits) has no text, and a str subclass is stored as its text.
    text = id_text(customer_id) if isinstance(customer_id, int | str) else None
    if text and not isinstance(customer_id, bool):
        if lone_surrogate(text):
            raise _error("SR382", f"a customer id must be valid Unicode text, not {text!r}",
                         _SURROGATE_HINT)
        return text
    hint = None
    if isinstance(customer_id, list | tuple | set | frozenset):
        hint = "pass ids as separate arguments: add(segment, *ids)"
    raise _error(
        "SR382",
        f"a customer id must be a non-empty string or an int, not {_shown(customer_id)}",
        hint,
    )


# SQLite stores UTF-8, which has no lone surrogates; the in-memory store refuses them too, so
# both stores give the same answers.
_SURROGATE_HINT = "it holds a lone surrogate (\\ud800-\\udfff), half of a character"


def _shown(value: object) -> str:
    try:
        return repr(value)
    except Exception:  # an int over 4,300 digits, a hostile __repr__
        return f"an unprintable {type(value).__name__}"


def _ids(ids: Iterable[CustomerId], role: str) -> Iterator[str]:
    # A lone string is iterable too, and would become one customer per character.
    if isinstance(ids, str | bytes):
        raise _error(
            "SR382",
            f"{role} must be an iterable of customer ids, not the single value {_shown(ids)}",
            f"write {role}=[{_shown(ids)}]",
        )
    return (_customer(c) for c in ids)


class _Reader:
    """One thread's read connection, and the lock ``close()`` takes before closing it.

    SQLite must not close a connection while another thread is inside it (the process
    crashes), so each read holds its connection's lock. Only ``close()`` ever waits for it.
    """

    __slots__ = ("__weakref__", "conn", "lock")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.lock = threading.Lock()


# The stores alive in this process, so a forked child can drop the connections it inherited.
_LIVE: weakref.WeakSet[MembershipStore] = weakref.WeakSet()


class MembershipStore:
    """Explicit segment members in SQLite: a file shared by processes, or private ``:memory:``.

    A file is opened in WAL mode: each reading thread gets its own connection and reads a
    committed snapshot without waiting for writers, and a writer killed mid-transaction leaves
    the last committed lists intact. Writes go through one connection per store, serialised by a
    lock here and by ``BEGIN IMMEDIATE`` between processes (waiting up to ``timeout`` seconds).
    An in-memory database exists only inside its one connection, so there every call shares
    that connection under the lock, and readers wait while a ``replace`` runs.

    A file this process cannot write (or any file, with ``readonly=True``) is opened for reading
    only, and writes raise ``SegrulesError``. Given a ``book``, the store refuses segment names
    the book lacks, with "did you mean".
    """

    def __init__(
        self,
        path: str | os.PathLike[str] = ":memory:",
        *,
        timeout: float = 5.0,
        readonly: bool = False,
        book: Book | None = None,
    ) -> None:
        self._path = os.fspath(path)
        self._timeout = timeout
        self._book = book
        self._lock = threading.RLock()
        self._closed = False
        self._local = threading.local()
        self._readers: weakref.WeakSet[_Reader] = weakref.WeakSet()
        self._in_memory = self._path == ":memory:"
        self._forked_memory = False
        self._inherited: list[object] = []
        self._held: list[_Reader] = []  # the readers, held strongly while the process forks
        if not self._path:
            raise _error("SR383", "a membership store needs a file path or ':memory:'")
        self._readonly: str | None = "it was opened with readonly=True" if readonly else None
        if readonly and self._in_memory:
            raise _error("SR383", "an in-memory membership store cannot be read-only",
                         "give the path of a store file: MembershipStore(path, readonly=True)")
        if self._readonly is None:
            try:
                self._writer: sqlite3.Connection | None = self._open_writable()
            except sqlite3.Error as exc:
                if not _is_permission_problem(exc) or not os.path.isfile(self._path):
                    raise self._failure(exc) from None
                self._readonly = _CANNOT_WRITE
        if self._readonly is not None:
            self._writer = None
            self._open_readonly()
        self._query: Callable[[str, tuple[Any, ...]], list[Any]] = (
            self._query_locked if self._in_memory else self._query_local
        )
        _LIVE.add(self)

    # --- opening --------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        if self._readonly is None:
            target, uri = self._path, False
        else:
            target, uri = _readonly_uri(self._path), True
        return sqlite3.connect(
            target, timeout=self._timeout, isolation_level=None, check_same_thread=False,
            uri=uri,
        )

    def _open_writable(self) -> sqlite3.Connection:
        conn = self._connect()
        try:
            with self._lock:
                self._prepare(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _open_readonly(self) -> None:
        """Check a store opened for reading; there is nothing to create."""
        try:
            conn = self._connect()
            try:
                if not self._check_schema(conn):
                    raise _error(
                        "SR383",
                        f"{self._path!r} is not a membership store: it has no "
                        f"{_TABLE} table",
                        "a store is created by opening its file writable once: "
                        "MembershipStore(path)",
                    )
            finally:
                conn.close()
        except sqlite3.Error as exc:
            raise self._failure(exc) from None

    def _prepare(self, conn: sqlite3.Connection) -> None:
        # Checked first, so another program's file is refused before anything in it changes.
        exists = self._check_schema(conn)
        if not self._in_memory:
            conn.execute("PRAGMA journal_mode = WAL")
            # FULL syncs the log on every commit: a storefront's "add to segment" survives a
            # power cut, not only a killed process.
            conn.execute("PRAGMA synchronous = FULL")
        if exists:
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(_SCHEMA)
            conn.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _check_schema(self, conn: sqlite3.Connection) -> bool:
        """Whether the store's table exists; raise if the file is not ours to use."""
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        kind = conn.execute("SELECT type FROM sqlite_master WHERE name = ?", (_TABLE,)).fetchone()
        if kind is None:
            if version:
                raise _error(
                    "SR383",
                    f"{self._path!r} is another program's database "
                    f"(schema version {version}, no {_TABLE} table)",
                    "give the membership store a file of its own",
                )
            return False
        if version > _SCHEMA_VERSION:
            raise _error(
                "SR383",
                f"membership store {self._path!r} has schema version {version}, "
                f"newer than this segrules reads ({_SCHEMA_VERSION})",
                "upgrade segrules to the version that wrote the file",
            )
        columns = [
            (row[1], row[2].upper(), row[5])
            for row in conn.execute(f"PRAGMA table_info({_TABLE})").fetchall()
        ]
        if kind[0] != "table" or columns != _COLUMNS:
            found = ", ".join(name for name, _, _ in columns) or "none"
            raise _error(
                "SR383",
                f"{self._path!r} has a {kind[0]} named {_TABLE} that segrules did not "
                f"create (columns: {found})",
                "give the membership store a file of its own, or drop that "
                f"{kind[0]} if nothing else uses it",
            )
        return True

    def _failure(self, exc: sqlite3.Error) -> SegrulesError:
        """What an SQLite failure means for this store, and what to do about it."""
        code = _exc_code(exc) & 0xFF
        where = f"membership store {self._path!r}"
        if code in (_SQLITE_BUSY, _SQLITE_LOCKED):
            return SegrulesError([Diagnostic(
                "SR385", f"{where} is locked by another writer ({self._timeout:g} s waited)",
                hint="retry later, or give MembershipStore(..., timeout=) more seconds; a batch "
                "job may be in the middle of a long replace()",
            )])
        readable = os.access(self._path, os.R_OK)
        if _exc_code(exc) == _SQLITE_READONLY_DIRECTORY or (
            code == _SQLITE_CANTOPEN and self._readonly is not None and readable
        ):
            return _error(
                "SR383", f"cannot read {where}: {exc}",
                f"SQLite needs to create {os.path.basename(self._path)}-shm beside a store to "
                "read it: make the folder writable, or copy the file to one that is",
            )
        if code in (_SQLITE_READONLY, _SQLITE_PERM):
            return self._readonly_error()
        if code == _SQLITE_NOTADB:
            return _error(
                "SR383", f"cannot use {self._path!r} as a membership store: {exc}",
                "check the path: a membership store is an SQLite file that segrules created",
            )
        if code == _SQLITE_CORRUPT:
            return _error(
                "SR383", f"{where} is damaged: {exc}",
                "restore the file from a backup, or salvage it with `sqlite3 FILE .recover` "
                "into a new file",
            )
        if code == _SQLITE_FULL:
            return _error("SR383", f"{where} cannot grow: {exc}",
                          "free disk space; the last committed lists are intact")
        hint = _cannot_open_hint(self._path) if code == _SQLITE_CANTOPEN else None
        return _error(
            "SR383", f"cannot use {self._path!r} as a membership store: {exc}", hint
        )

    def _readonly_error(self) -> SegrulesError:
        why = self._readonly or _CANNOT_WRITE
        return SegrulesError([Diagnostic(
            "SR386",
            f"membership store {self._path!r} is read-only: {why}",
            hint="write through a store opened with write permission on the file and its folder",
        )])

    # --- reading --------------------------------------------------------------------------

    def _query_locked(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        with self._lock:
            conn = self._writable()
            try:
                return conn.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise self._failure(exc) from None

    def _query_local(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        reader: _Reader | None = getattr(self._local, "reader", None)
        if reader is None:
            reader = self._open_reader()
        with reader.lock:
            # Checked under the reader's lock: close() takes it before closing the connection.
            self._check_open()
            try:
                return reader.conn.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise self._failure(exc) from None

    def _open_reader(self) -> _Reader:
        with self._lock:
            self._check_open()
            try:
                conn = self._connect()
                conn.execute("PRAGMA query_only = ON")
            except sqlite3.Error as exc:
                raise self._failure(exc) from None
            reader = _Reader(conn)
            # The thread-local holds the only strong reference, so a finished thread's
            # connection closes with it; the weak set lets close() reach the live ones.
            self._readers.add(reader)
            self._local.reader = reader
            return reader

    def _check_open(self) -> None:
        if self._closed:
            raise self._closed_error()
        if self._forked_memory:
            raise SegrulesError([Diagnostic(
                "SR384",
                "an in-memory membership store stays in the process that opened it; "
                "this is a forked child",
                hint="use a store file, shared by every process, or open the store in the child",
            )])

    def _closed_error(self) -> SegrulesError:
        return SegrulesError([Diagnostic("SR384", f"membership store {self._path!r} is closed")])

    def _writable(self) -> sqlite3.Connection:
        """The writer connection, opened anew in a forked child; call under the lock."""
        self._check_open()
        if self._readonly is not None:
            raise self._readonly_error()
        if self._writer is None:
            try:
                self._writer = self._open_writable()
            except sqlite3.Error as exc:
                raise self._failure(exc) from None
        return self._writer

    def explicit(self, segment: str, customer_id: CustomerId) -> tuple[bool, bool]:
        """``(included, excluded)`` for one customer: the evaluator's per-segment question."""
        rows = self._query(_EXPLICIT, (_segment(segment), _customer(customer_id)))
        if not rows:
            return _NEITHER
        return _EXCLUDED if rows[0][0] else _INCLUDED

    def members(self, segment: str) -> frozenset[str]:
        """The ids explicitly included in ``segment``."""
        return frozenset(row[0] for row in self._query(_KIND, (_known(self._book, segment), 0)))

    def excluded(self, segment: str) -> frozenset[str]:
        """The ids explicitly excluded from ``segment``."""
        return frozenset(row[0] for row in self._query(_KIND, (_known(self._book, segment), 1)))

    def lists(self, segment: str) -> tuple[frozenset[str], frozenset[str]]:
        """``(included, excluded)`` for ``segment``, read together from one committed state."""
        rows = self._query(_LISTS, (_known(self._book, segment),))
        return (
            frozenset(cid for cid, excluded in rows if not excluded),
            frozenset(cid for cid, excluded in rows if excluded),
        )

    def segments(self) -> tuple[str, ...]:
        """The names of the segments with any entry, sorted."""
        return tuple(row[0] for row in self._query(_SEGMENTS, ()))

    # --- writing --------------------------------------------------------------------------

    def _write(self, statements: Iterable[tuple[str, Iterable[tuple[Any, ...]]]]) -> None:
        with self._lock:
            conn = self._writable()
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    for sql, rows in statements:
                        conn.executemany(sql, rows)
                    conn.execute("COMMIT")
                except BaseException:
                    # SQLite may already have rolled back (a full disk does that).
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                raise self._failure(exc) from None

    def _rows(self, segment: str, customer_ids: Iterable[CustomerId], *, excluded: bool
              ) -> list[tuple[str, str, int]]:
        """Table rows ``(segment, customer id, excluded)``, validating both names."""
        name = _known(self._book, segment)
        return [(name, c, int(excluded)) for c in _ids(customer_ids, "customer_ids")]

    def add(self, segment: str, *customer_ids: CustomerId) -> None:
        """Include customers explicitly; this clears an exclusion of the same customer."""
        self._write([(_UPSERT, self._rows(segment, customer_ids, excluded=False))])

    def exclude(self, segment: str, *customer_ids: CustomerId) -> None:
        """Exclude customers explicitly; this clears an inclusion of the same customer."""
        self._write([(_UPSERT, self._rows(segment, customer_ids, excluded=True))])

    def remove(self, segment: str, *customer_ids: CustomerId) -> None:
        """Drop customers from the include list; an exclusion of theirs stays."""
        self._write([(_DELETE_KIND, self._rows(segment, customer_ids, excluded=False))])

    def unexclude(self, segment: str, *customer_ids: CustomerId) -> None:
        """Drop customers from the exclude list; the rules decide about them again."""
        self._write([(_DELETE_KIND, self._rows(segment, customer_ids, excluded=True))])

    def replace(
        self,
        segment: str,
        include: Iterable[CustomerId] = (),
        exclude: Iterable[CustomerId] = (),
    ) -> None:
        """Swap a segment's whole explicit population in one transaction.

        Readers see the old lists or the new ones, never a mix, and a process killed halfway
        leaves the old ones. The iterables are consumed inside the transaction, so a batch job
        may stream millions of ids; a bad id rolls the whole replacement back.
        """
        name = _known(self._book, segment)
        includes = _ids(include, "include")
        excludes = _ids(exclude, "exclude")
        self._write(
            [
                (_DELETE_SEGMENT, [(name,)]),
                (_UPSERT, ((name, c, 0) for c in includes)),
                # Written last, so an id in both lists ends up excluded.
                (_UPSERT, ((name, c, 1) for c in excludes)),
            ]
        )

    # --- lifetime -------------------------------------------------------------------------

    def close(self) -> None:
        """Close every connection, waiting for reads in flight; later calls raise
        ``SegrulesError``. Closing twice is fine."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            for reader in list(self._readers):
                with reader.lock:
                    reader.conn.close()
            if self._writer is not None:
                self._writer.close()

    def _after_fork(self) -> None:
        """In a forked child: never touch the parent's connections, open new ones on demand."""
        # SQLite forbids using or closing a connection inherited across fork(), so they are
        # kept referenced (a collected connection closes itself) and left alone.
        self._inherited.extend([self._writer, self._local, *self._held])
        self._held = []
        self._lock = threading.RLock()
        self._local = threading.local()
        self._readers = weakref.WeakSet()
        self._writer = None
        self._forked_memory = self._in_memory

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"MembershipStore({self._path!r})"


def _before_fork() -> None:
    for store in list(_LIVE):
        store._held = list(store._readers)


def _after_fork_in_parent() -> None:
    for store in list(_LIVE):
        store._held = []


def _after_fork_in_child() -> None:
    for store in list(_LIVE):
        store._after_fork()


os.register_at_fork(
    before=_before_fork, after_in_parent=_after_fork_in_parent, after_in_child=_after_fork_in_child
)


def _exc_code(exc: sqlite3.Error) -> int:
    """SQLite's extended result code of a failure (0 when it has none)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code if isinstance(code, int) else 0


def _is_permission_problem(exc: sqlite3.Error) -> bool:
    return _exc_code(exc) & 0xFF in (_SQLITE_READONLY, _SQLITE_PERM, _SQLITE_CANTOPEN)


def _cannot_open_hint(path: str) -> str | None:
    if os.path.isdir(path):
        return "give the path of a file, not a folder"
    if os.path.exists(path):
        return None if os.access(path, os.R_OK) else "give this process permission to read it"
    if os.path.isdir(os.path.dirname(os.path.abspath(path))):
        return "check the path: there is no file there"
    return "check the path: its folder does not exist"


def _readonly_uri(path: str) -> str:
    uri = f"{Path(path).absolute().as_uri()}?mode=ro"
    if _on_read_only_mount(path):
        # Nobody can write a read-only file system, so SQLite may skip its -shm file (which it
        # cannot create there) and read the file as it is.
        uri += "&immutable=1"
    return uri


def _on_read_only_mount(path: str) -> bool:
    try:
        return bool(os.statvfs(os.path.dirname(os.path.abspath(path))).f_flag & os.ST_RDONLY)
    except OSError:
        return False


class MemoryMembership:
    """Explicit segment members in a dict, for tests and small single-process apps.

    Same rules as ``MembershipStore`` (latest action wins, ``replace`` is atomic, ``int`` ids
    become strings, ``book=`` refuses unknown segment names), gone when the process ends.
    """

    def __init__(self, *, book: Book | None = None) -> None:
        self._book = book
        self._lock = threading.Lock()
        # segment -> customer id -> excluded?
        self._data: dict[str, dict[str, bool]] = {}

    def explicit(self, segment: str, customer_id: CustomerId) -> tuple[bool, bool]:
        """``(included, excluded)`` for one customer: the evaluator's per-segment question."""
        name, cid = _segment(segment), _customer(customer_id)
        with self._lock:
            excluded = self._data.get(name, {}).get(cid)
        if excluded is None:
            return _NEITHER
        return _EXCLUDED if excluded else _INCLUDED

    def lists(self, segment: str) -> tuple[frozenset[str], frozenset[str]]:
        """``(included, excluded)`` for ``segment``, read together."""
        name = _known(self._book, segment)
        with self._lock:
            entries = list(self._data.get(name, {}).items())
        return (
            frozenset(cid for cid, excluded in entries if not excluded),
            frozenset(cid for cid, excluded in entries if excluded),
        )

    def members(self, segment: str) -> frozenset[str]:
        """The ids explicitly included in ``segment``."""
        return self.lists(segment)[0]

    def excluded(self, segment: str) -> frozenset[str]:
        """The ids explicitly excluded from ``segment``."""
        return self.lists(segment)[1]

    def segments(self) -> tuple[str, ...]:
        """The names of the segments with any entry, sorted."""
        with self._lock:
            return tuple(sorted(name for name, entries in self._data.items() if entries))

    def _set(self, segment: str, customer_ids: tuple[CustomerId, ...], excluded: bool) -> None:
        name = _known(self._book, segment)
        ids = list(_ids(customer_ids, "customer_ids"))
        with self._lock:
            entries = self._data.setdefault(name, {})
            entries.update(dict.fromkeys(ids, excluded))

    def _drop(self, segment: str, customer_ids: tuple[CustomerId, ...], excluded: bool) -> None:
        name = _known(self._book, segment)
        ids = list(_ids(customer_ids, "customer_ids"))
        with self._lock:
            entries = self._data.get(name, {})
            for cid in ids:
                if entries.get(cid) is excluded:
                    del entries[cid]

    def add(self, segment: str, *customer_ids: CustomerId) -> None:
        """Include customers explicitly; this clears an exclusion of the same customer."""
        self._set(segment, customer_ids, False)

    def exclude(self, segment: str, *customer_ids: CustomerId) -> None:
        """Exclude customers explicitly; this clears an inclusion of the same customer."""
        self._set(segment, customer_ids, True)

    def remove(self, segment: str, *customer_ids: CustomerId) -> None:
        """Drop customers from the include list; an exclusion of theirs stays."""
        self._drop(segment, customer_ids, False)

    def unexclude(self, segment: str, *customer_ids: CustomerId) -> None:
        """Drop customers from the exclude list; the rules decide about them again."""
        self._drop(segment, customer_ids, True)

    def replace(
        self,
        segment: str,
        include: Iterable[CustomerId] = (),
        exclude: Iterable[CustomerId] = (),
    ) -> None:
        """Swap a segment's whole explicit population at once; an id in both is excluded."""
        name = _known(self._book, segment)
        entries = dict.fromkeys(_ids(include, "include"), False)
        entries.update(dict.fromkeys(_ids(exclude, "exclude"), True))
        with self._lock:
            self._data[name] = entries

    def close(self) -> None:
        """Nothing to release; here so both stores can be used the same way."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
