"""Segment test files (``*.segtest.toml``): the cases and relations a team checks before a
segment goes live, read into plain data so the command and the pytest plugin run the same thing.

A file names the segments it tests (a ``.seg`` file or folder, relative to the test file), a
default ``now``, ``[[case]]`` tables (a customer and the segments it must be in and not in) and
``[[relation]]`` tables (``subset``, ``disjoint``, ``nonempty``). Everything a file gets wrong is
a ``SegrulesError`` naming the file and the case, before anything runs: a misspelled key or
segment name would otherwise make a test that silently checks nothing.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from attrs import field, frozen

from ..arguments import moment
from ..book import Book
from ..errors import SegrulesError
from ..loader import load
from ..printer import segment_name

__all__ = ["SUFFIX", "Case", "Relation", "TestFile", "find", "read"]

SUFFIX = ".segtest.toml"
RELATIONS = ("subset", "disjoint", "nonempty")
_FILE_KEYS = ("segments", "now", "case", "relation")
_CASE_KEYS = ("name", "profile", "in", "not_in", "session", "store", "customer_id", "now")
_RELATION_KEYS = (*RELATIONS, "name", "store", "now")


@frozen
class Case:
    """A customer (profile, optional session, store, id and moment) and the segments it must be
    ``in`` and ``not_in``."""

    name: str
    profile: dict[str, Any]
    in_: tuple[str, ...]
    not_in: tuple[str, ...]
    now: dt.datetime
    session: Any = None
    store: str | None = None
    customer_id: Any = None


@frozen
class Relation:
    """``subset [a, b]``: every member of a is a member of b; ``disjoint [a, b, …]``: no
    customer is in two of them; ``nonempty [a, …]``: each has a member. Checked by generating
    customers, so "holds" means no counterexample could be generated."""

    kind: str
    names: tuple[str, ...]
    name: str
    now: dt.datetime
    store: str | None = None


@frozen
class TestFile:
    """One test file read and checked: its book, cases and relations."""

    __test__ = False  # a data class named Test…, not a pytest test class

    path: Path
    book: Book = field(eq=False, repr=False)
    segments: Path
    cases: tuple[Case, ...]
    relations: tuple[Relation, ...]


def find(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The test files under ``paths`` (files as given, folders searched recursively), sorted
    within each folder; a ``SegrulesError`` when a path is missing or nothing is found."""
    found: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob(f"*{SUFFIX}") if p.is_file()))
        elif path.is_file():
            found.append(path)
        else:
            raise SegrulesError(f"{path}: no such file or folder")
    if not found:
        shown = ", ".join(str(Path(p)) for p in paths)
        raise SegrulesError(f"no segment test files (*{SUFFIX}) found in {shown}")
    return found


def read(path: str | os.PathLike[str], books: dict[Path, Book] | None = None) -> TestFile:
    """Read and check one test file. ``books`` caches loaded segments by resolved path, so
    files that test the same folder load it once."""
    path = Path(path)
    try:
        with path.open("rb") as stream:
            data = tomllib.load(stream)
    except tomllib.TOMLDecodeError as error:
        raise SegrulesError(f"{path}: malformed TOML: {error}") from None
    except UnicodeDecodeError:
        raise SegrulesError(f"{path}: malformed TOML: the file is not UTF-8") from None
    _known_keys(data, _FILE_KEYS, f"{path}")
    if "segments" not in data:
        raise SegrulesError(f'{path}: no `segments` key (e.g. segments = "segments")')
    if not isinstance(data["segments"], str):
        raise SegrulesError(f"{path}: `segments` must be a path (a string)")
    segments = _shown((path.parent / data["segments"]).resolve())
    cache = books if books is not None else {}
    key = segments.resolve()
    book = cache.get(key)
    if book is None:
        book = cache[key] = load(segments)
    default_now = _moment(data["now"], f"{path}: `now`") if "now" in data else None
    cases = tuple(_case(entry, number, path, book, default_now)
                  for number, entry in enumerate(_tables(data, "case", path), 1))
    relations = tuple(_relation(entry, number, path, book, default_now)
                      for number, entry in enumerate(_tables(data, "relation", path), 1))
    if not cases and not relations:
        raise SegrulesError(f"{path}: no [[case]] and no [[relation]]: nothing to test")
    return TestFile(path, book, segments, cases, relations)


def _shown(path: Path) -> Path:
    """``path`` relative to the current folder when it is below it: reports name the files as
    the user would type them."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def _tables(data: Mapping[str, Any], key: str, path: Path) -> list[Mapping[str, Any]]:
    entries = data.get(key, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise SegrulesError(f"{path}: `{key}` must be an array of tables ([[{key}]])")
    return entries


def _case(entry: Mapping[str, Any], number: int, path: Path, book: Book,
          default_now: dt.datetime | None) -> Case:
    name = entry.get("name", f"case {number}")
    where = f"{path}: [[case]] {number}"
    if not isinstance(name, str):
        raise SegrulesError(f"{where}: `name` must be a string")
    where = f"{path}: case {name!r}"
    _known_keys(entry, _CASE_KEYS, where)
    profile = entry.get("profile")
    if not isinstance(profile, dict):
        raise SegrulesError(f'{where}: `profile` must be a table, e.g. profile = {{ id = "c-1" }}')
    in_ = _names(entry.get("in", []), "in", where, book)
    not_in = _names(entry.get("not_in", []), "not_in", where, book)
    if not in_ and not not_in:
        raise SegrulesError(f"{where}: says neither `in` nor `not_in`: it checks nothing")
    both = sorted(set(in_) & set(not_in))
    if both:
        raise SegrulesError(f"{where}: {segment_name(both[0])} is both in `in` and `not_in`")
    store = entry.get("store")
    if store is not None and not isinstance(store, str):
        raise SegrulesError(f"{where}: `store` must be a string")
    customer_id = entry.get("customer_id")
    if customer_id is not None and not isinstance(customer_id, str | int):
        raise SegrulesError(f"{where}: `customer_id` must be a string or an integer")
    return Case(name, profile, in_, not_in, _case_moment(entry, where, default_now),
                entry.get("session"), store, customer_id)


def _relation(entry: Mapping[str, Any], number: int, path: Path, book: Book,
              default_now: dt.datetime | None) -> Relation:
    where = f"{path}: [[relation]] {number}"
    _known_keys(entry, _RELATION_KEYS, where)
    kinds = [kind for kind in RELATIONS if kind in entry]
    if len(kinds) != 1:
        raise SegrulesError(f"{where}: needs exactly one of `subset`, `disjoint`, `nonempty`")
    kind = kinds[0]
    names = _names(entry[kind], kind, where, book)
    wanted = {"subset": "exactly 2", "disjoint": "at least 2", "nonempty": "at least 1"}[kind]
    if (kind == "subset" and len(names) != 2) or (kind == "disjoint" and len(names) < 2) or (
            not names):
        raise SegrulesError(f"{where}: `{kind}` needs {wanted} segment names")
    store = entry.get("store")
    if store is not None and not isinstance(store, str):
        raise SegrulesError(f"{where}: `store` must be a string")
    name = entry.get("name", f"{kind} {' '.join(names)}")
    if not isinstance(name, str):
        raise SegrulesError(f"{where}: `name` must be a string")
    return Relation(kind, names, name, _case_moment(entry, where, default_now), store)


def _names(value: object, key: str, where: str, book: Book) -> tuple[str, ...]:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not all(isinstance(v, str) for v in names):
        raise SegrulesError(f"{where}: `{key}` must be a segment name or a list of them")
    for name in names:
        if name not in book:
            close = difflib.get_close_matches(name, book.names, n=1)
            hint = f"; did you mean {segment_name(close[0])}?" if close else ""
            raise SegrulesError(f"{where}: `{key}` names unknown segment "
                                f"{segment_name(name)}{hint}")
    return tuple(names)


def _case_moment(entry: Mapping[str, Any], where: str,
                 default_now: dt.datetime | None) -> dt.datetime:
    if "now" in entry:
        return _moment(entry["now"], f"{where}: `now`")
    if default_now is not None:
        return default_now
    # Without a `now` anywhere, the file runs at the current time, fixed once per read.
    return dt.datetime.now(dt.UTC)


def _moment(value: object, where: str) -> dt.datetime:
    """A TOML datetime or date, or ISO text; without an offset, UTC."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise SegrulesError(f"{where}: {value!r} is not an ISO date or datetime "
                                "(e.g. 2026-11-01T00:00:00Z)") from None
    if isinstance(value, dt.time) or not isinstance(value, dt.date):
        raise SegrulesError(f"{where}: must be a datetime, e.g. now = 2026-11-01T00:00:00Z")
    return moment(value)


def _known_keys(entry: Mapping[str, Any], known: tuple[str, ...], where: str) -> None:
    for key in entry:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"; did you mean `{close[0]}`?" if close else f" (known: {', '.join(known)})"
            raise SegrulesError(f"{where}: unknown key `{key}`{hint}")
