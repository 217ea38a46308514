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
from types import TracebackType
from typing import Any, Protocol, Self, runtime_checkable

from .errors import Diagnostic, SegrulesError, SegrulesValueError

__all__ = ["Membership", "MembershipStore", "MemoryMembership"]

CustomerId = str | int

_SCHEMA_VERSION = 1
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
        raise _error("SR381", f"a segment name must be a non-empty string, not {name!r}")
    return name


def _customer(customer_id: object) -> str:
    # bool is an int, but True is never anybody's customer id.
    if isinstance(customer_id, int) and not isinstance(customer_id, bool):
        return str(customer_id)
    if isinstance(customer_id, str) and customer_id:
        return customer_id
    hint = None
    if isinstance(customer_id, list | tuple | set | frozenset):
        hint = "pass ids as separate arguments: add(segment, *ids)"
    raise _error(
        "SR382",
        f"a customer id must be a non-empty string or an int, not {customer_id!r}",
        hint,
    )


def _rows(
    segment: str, customer_ids: Iterable[CustomerId], *, excluded: bool
) -> list[tuple[str, str, int]]:
    """Table rows ``(segment, customer id, excluded)``, validating both names."""
    name = _segment(segment)
    return [(name, c, int(excluded)) for c in _ids(customer_ids, "customer_ids")]


def _ids(ids: Iterable[CustomerId], role: str) -> Iterator[str]:
    # A lone string is iterable too, and would become one customer per character.
    if isinstance(ids, str | bytes):
        raise _error(
            "SR382",
            f"{role} must be an iterable of customer ids, not the single value {ids!r}",
            f"write {role}=[{ids!r}]",
        )
    return (_customer(c) for c in ids)


class _Connection(sqlite3.Connection):
    """A connection the store can hold weakly (the C type takes no weak references)."""


class MembershipStore:
    """Explicit segment members in SQLite: a file shared by processes, or private ``:memory:``.

    A file is opened in WAL mode: each reading thread gets its own connection and reads a
    committed snapshot without waiting for writers, and a writer killed mid-transaction leaves
    the last committed lists intact. Writes go through one connection per store, serialised by a
    lock here and by ``BEGIN IMMEDIATE`` between processes (waiting up to ``timeout`` seconds).
    An in-memory database exists only inside its one connection, so there every call shares
    that connection under the lock, and readers wait while a ``replace`` runs.
    """

    def __init__(self, path: str | os.PathLike[str] = ":memory:", *, timeout: float = 5.0) -> None:
        self._path = os.fspath(path)
        self._timeout = timeout
        self._lock = threading.RLock()
        self._closed = False
        self._local = threading.local()
        self._readers: weakref.WeakSet[_Connection] = weakref.WeakSet()
        self._in_memory = self._path == ":memory:"
        if not self._path:
            raise _error("SR383", "a membership store needs a file path or ':memory:'")
        try:
            self._writer = self._connect()
        except sqlite3.Error as exc:
            raise _error(
                "SR383", f"cannot use {self._path!r} as a membership store: {exc}"
            ) from None
        try:
            with self._lock:
                self._prepare()
        except sqlite3.Error as exc:
            self._writer.close()
            raise _error(
                "SR383", f"cannot use {self._path!r} as a membership store: {exc}"
            ) from None
        self._query: Callable[[str, tuple[Any, ...]], list[Any]] = (
            self._query_locked if self._in_memory else self._query_local
        )

    def _connect(self) -> _Connection:
        return sqlite3.connect(
            self._path,
            timeout=self._timeout,
            isolation_level=None,
            check_same_thread=False,
            factory=_Connection,
        )

    def _prepare(self) -> None:
        conn = self._writer
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > _SCHEMA_VERSION:
            raise sqlite3.DatabaseError(f"schema version {version} is newer than this segrules")
        if not self._in_memory:
            conn.execute("PRAGMA journal_mode = WAL")
            # FULL syncs the log on every commit: a storefront's "add to segment" survives a
            # power cut, not only a killed process.
            conn.execute("PRAGMA synchronous = FULL")
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(_SCHEMA)
            conn.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    # --- reading --------------------------------------------------------------------------

    def _query_locked(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        with self._lock:
            self._check_open()
            return self._writer.execute(sql, params).fetchall()

    def _query_local(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        conn: _Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._open_reader()
        try:
            return conn.execute(sql, params).fetchall()
        except sqlite3.ProgrammingError:
            if self._closed:
                raise self._closed_error() from None
            raise

    def _open_reader(self) -> _Connection:
        with self._lock:
            self._check_open()
            conn = self._connect()
            conn.execute("PRAGMA query_only = ON")
            # The thread-local holds the only strong reference, so a finished thread's
            # connection closes with it; the weak set lets close() reach the live ones.
            self._readers.add(conn)
            self._local.conn = conn
            return conn

    def _check_open(self) -> None:
        if self._closed:
            raise self._closed_error()

    def _closed_error(self) -> SegrulesError:
        return SegrulesError([Diagnostic("SR384", f"membership store {self._path!r} is closed")])

    def explicit(self, segment: str, customer_id: CustomerId) -> tuple[bool, bool]:
        """``(included, excluded)`` for one customer: the evaluator's per-segment question."""
        rows = self._query(_EXPLICIT, (_segment(segment), _customer(customer_id)))
        if not rows:
            return _NEITHER
        return _EXCLUDED if rows[0][0] else _INCLUDED

    def members(self, segment: str) -> frozenset[str]:
        """The ids explicitly included in ``segment``."""
        return frozenset(row[0] for row in self._query(_KIND, (_segment(segment), 0)))

    def excluded(self, segment: str) -> frozenset[str]:
        """The ids explicitly excluded from ``segment``."""
        return frozenset(row[0] for row in self._query(_KIND, (_segment(segment), 1)))

    def lists(self, segment: str) -> tuple[frozenset[str], frozenset[str]]:
        """``(included, excluded)`` for ``segment``, read together from one committed state."""
        rows = self._query(_LISTS, (_segment(segment),))
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
            self._check_open()
            conn = self._writer
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

    def add(self, segment: str, *customer_ids: CustomerId) -> None:
        """Include customers explicitly; this clears an exclusion of the same customer."""
        self._write([(_UPSERT, _rows(segment, customer_ids, excluded=False))])

    def exclude(self, segment: str, *customer_ids: CustomerId) -> None:
        """Exclude customers explicitly; this clears an inclusion of the same customer."""
        self._write([(_UPSERT, _rows(segment, customer_ids, excluded=True))])

    def remove(self, segment: str, *customer_ids: CustomerId) -> None:
        """Drop customers from the include list; an exclusion of theirs stays."""
        self._write([(_DELETE_KIND, _rows(segment, customer_ids, excluded=False))])

    def unexclude(self, segment: str, *customer_ids: CustomerId) -> None:
        """Drop customers from the exclude list; the rules decide about them again."""
        self._write([(_DELETE_KIND, _rows(segment, customer_ids, excluded=True))])

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
        name = _segment(segment)
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
        """Close every connection; later calls raise ``SegrulesError``. Closing twice is fine."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            for conn in list(self._readers):
                conn.close()
            self._writer.close()

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


class MemoryMembership:
    """Explicit segment members in a dict, for tests and small single-process apps.

    Same rules as ``MembershipStore`` (latest action wins, ``replace`` is atomic, ``int`` ids
    become strings), gone when the process ends.
    """

    def __init__(self) -> None:
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
        name = _segment(segment)
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
        name = _segment(segment)
        ids = list(_ids(customer_ids, "customer_ids"))
        with self._lock:
            entries = self._data.setdefault(name, {})
            entries.update(dict.fromkeys(ids, excluded))

    def _drop(self, segment: str, customer_ids: tuple[CustomerId, ...], excluded: bool) -> None:
        name = _segment(segment)
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
        name = _segment(segment)
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
