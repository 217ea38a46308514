"""Attribute types inferred from sample records, in one streaming pass.

Each place in the data (a field, the elements of a list) keeps a few counters and flags while
the records go by, never the records themselves, so a million customers need the memory of
one: which kinds of value were seen, how often the place was present, and, for text, the
distinct values until there are more than an enum may have. Text in ISO-8601 date or datetime
form counts as a date or datetime, as every date operator reads it so. The schema is closed:
the sample is taken to show every attribute there is.
"""

from __future__ import annotations

import datetime as dt
import numbers
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from .attribute_types import (
    ANYTHING,
    MAX_DEPTH,
    List,
    Record,
    Scalar,
    SchemaError,
    Type,
    join,
    nullable,
)
from .lists import is_list
from .numeric import boolean

__all__ = ["ENUM_MAX_VALUES", "ENUM_MIN_RECORDS", "ENUM_MIN_SEEN", "infer_record"]

#: A text field is an enum when it has at most this many distinct values…
ENUM_MAX_VALUES = 20
#: …over at least this many values…
ENUM_MIN_RECORDS = 50
#: …each seen at least this many times.
ENUM_MIN_SEEN = 2


def _temporal(text: str) -> str | None:
    """ "date" or "datetime" when ``text`` is one in ISO-8601 form; else None."""
    if len(text) < 10 or text[4] != "-" or text[7] != "-":
        return None
    try:
        if len(text) == 10:
            dt.date.fromisoformat(text)
            return "date"
        if text[10] in "Tt ":
            dt.datetime.fromisoformat(text)
            return "datetime"
    except ValueError:
        pass
    return None


class _TooDeep(Exception):
    """A place more than ``MAX_DEPTH`` levels below the record."""


class _Place:
    """What has been seen at one place in the data, ``depth`` levels below the record."""

    __slots__ = ("booleans", "dates", "datetimes", "depth", "fields", "floats", "integers",
                 "item", "lists", "nulls", "other", "records", "seen", "texts", "values")

    def __init__(self, depth: int = 0) -> None:
        if depth > MAX_DEPTH:
            raise _TooDeep
        self.depth = depth
        self.seen = self.nulls = self.records = 0
        self.booleans = self.integers = self.floats = self.lists = self.other = False
        self.texts = self.dates = self.datetimes = False
        # Text value -> times seen, until there are more than an enum may have.
        self.values: dict[str, int] | None = {}
        self.fields: dict[str, _Place] = {}
        self.item: _Place | None = None

    def add(self, value: object) -> None:
        if value is None:
            self.nulls += 1
            return
        self.seen += 1
        kind = type(value)
        if kind is str:
            if not self.texts or self.values is not None:  # else nothing left to learn
                self._text(value)  # type: ignore[arg-type]
        elif kind is dict:
            self._record(value)  # type: ignore[arg-type]
        elif kind is list:
            self._list(value)  # type: ignore[arg-type]
        elif kind is bool:
            self.booleans = True
        elif kind is int:
            self.integers = True
        elif kind is float:
            self.floats = True
        else:
            self._other(value)

    def _other(self, value: object) -> None:
        if isinstance(value, str):
            self._text(value)
        elif isinstance(value, Mapping):
            if all(isinstance(name, str) for name in value):
                self._record(value)
            else:
                self.other = True
        elif boolean(value) is not None:
            self.booleans = True
        elif isinstance(value, dt.datetime):
            self.datetimes = True
        elif isinstance(value, dt.date):
            self.dates = True
        elif isinstance(value, numbers.Integral):
            self.integers = True
        elif isinstance(value, numbers.Real | Decimal):
            self.floats = True
        elif is_list(value):
            self._list(value)
        else:
            self.other = True  # bytes, an object: nothing a type can say

    def _text(self, text: str) -> None:
        values = self.values
        if values is not None:
            values[text] = values.get(text, 0) + 1
            if len(values) > ENUM_MAX_VALUES:
                self.values = None
        if self.texts:
            return  # already plain text: dates among it change nothing
        found = _temporal(text)
        if found == "date":
            self.dates = True
        elif found == "datetime":
            self.datetimes = True
        else:
            self.texts = True

    def _record(self, record: Mapping[str, Any]) -> None:
        self.records += 1
        fields = self.fields
        for name, value in record.items():
            if type(name) is not str and not isinstance(name, str):
                self.other = True  # keys that are not names: not a record of attributes
                continue
            place = fields.get(name)
            if place is None:
                place = fields[name] = _Place(self.depth + 1)
            place.add(value)

    def _list(self, values: Iterable[object]) -> None:
        self.lists = True
        item = self.item
        if item is None:
            item = self.item = _Place(self.depth + 1)
        for value in values:
            item.add(value)

    def type(self) -> Type:
        """The type of the values seen here (nullable when some were ``None``)."""
        if self.other:
            return ANYTHING
        options: list[Type] = []
        if self.booleans:
            options.append(Scalar("boolean"))
        if self.integers or self.floats:
            options.append(Scalar("number" if self.floats else "integer"))
        if self.texts:
            options.append(Scalar("string", self._enum()))
        if self.dates:
            options.append(Scalar("date"))
        if self.datetimes:
            options.append(Scalar("datetime"))
        if self.lists:
            item = self.item
            seen = item is not None and (item.seen or item.nulls)
            options.append(List(item.type() if seen and item is not None else ANYTHING))
        if self.records:
            options.append(self.record())
        if not options:
            return ANYTHING  # only ever None: nothing says what it would be
        found = join(*options)
        return nullable(found) if self.nulls else found

    def record(self) -> Record:
        """The closed record of the mappings seen here; a field some lack is nullable."""
        return Record({name: place.type() if place.seen == self.records
                       else nullable(place.type())
                       for name, place in self.fields.items()})

    def _enum(self) -> tuple[str, ...] | None:
        values = self.values
        if (values is None or sum(values.values()) < ENUM_MIN_RECORDS
                or min(values.values()) < ENUM_MIN_SEEN):
            return None
        return tuple(sorted(values))


def _plain_text(type_: Type, path: list[str], where: str) -> Type:
    """``type_`` with the text at ``path`` (or in the lists there) no longer an enum."""
    if isinstance(type_, List):
        return List(_plain_text(type_.item, path, where), nullable=type_.nullable)
    if not path:
        if isinstance(type_, Scalar) and type_.kind == "string":
            return Scalar("string", nullable=type_.nullable)
        return type_
    if not isinstance(type_, Record) or path[0] not in type_.fields:
        raise SchemaError(f"no attribute `{where}` in the records, to keep from being an enum",
                          "SR395")
    fields = dict(type_.fields)
    fields[path[0]] = _plain_text(fields[path[0]], path[1:], where)
    return Record(fields, type_.open, type_.extra, nullable=type_.nullable)


def infer_record(profiles: Iterable[Mapping[str, Any]], no_enum: Iterable[str] = ()) -> Record:
    """The closed record type of ``profiles`` (mappings), read once, one at a time; the text
    at each dotted path of ``no_enum`` stays plain text."""
    root = _Place()
    try:
        records = iter(profiles)
    except TypeError:
        raise SchemaError(f"infer reads an iterable of records, not {type(profiles).__name__}",
                          "SR395") from None
    for number, profile in enumerate(records, 1):
        if not isinstance(profile, Mapping):
            raise SchemaError(f"record {number} is not a mapping but {type(profile).__name__}",
                              "SR395", "infer reads records such as JSON objects or dicts")
        root.seen += 1
        try:
            root._record(profile)
        except _TooDeep:
            raise SchemaError(f"record {number} is nested more than {MAX_DEPTH} levels deep",
                              "SR395") from None
    if not root.records:
        raise SchemaError("no records to infer a schema from", "SR395")
    record: Type = root.record()
    for path in no_enum:
        record = _plain_text(record, path.split("."), path)
    assert isinstance(record, Record)
    return record
