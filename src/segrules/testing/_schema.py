"""Following an attribute schema: the shape of constrained attributes, values for the others.

With ``schema=``, what the schema says about a path wins over what the book's usage suggests
(``_usage``): a path the schema types as a list is drawn as a list even where a segment only
asks whether it exists, a ``datetime`` path as datetimes, an enum's values are the vocabulary
drawn first. Attributes that no segment of the request reads are drawn from their type too, so
a profile looks like the profiles the schema describes and code under test that reads them
gets realistic values; they cannot change the answer, which the book checks anyway.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
from hypothesis import strategies as st

from .. import attribute_types as t
from ..schema import Schema
from ._plan import Slot
from ._usage import Usage

__all__ = ["schema_type", "shaped", "values_of"]

_KIND = {"integer": "number", "number": "number", "string": "string", "boolean": "bool",
         "date": "date", "datetime": "date"}
_TEXT = st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)


def schema_type(schema: Schema, slot: Slot) -> t.Type | None:
    """The type at ``slot``; ``[]`` in the path steps into a list's elements."""
    root, names = slot
    current: t.Type | None = schema.record("session" if root == "session" else "profile")
    part: list[str] = []
    for name in names:
        if current is None:
            return None
        if name == "[]":
            current = t.lookup(current, part)
            current = None if current is None else t.item_type(current)
            part = []
        else:
            part.append(name)
    return t.lookup(current, part) if current is not None and part else current


def shaped(usage: Usage, type_: t.Type | None) -> Usage:
    """``usage`` with the shape the schema gives the path (unchanged without a type)."""
    if type_ is None or isinstance(type_, t.Anything):
        return usage
    found = t.kinds(type_)
    strings = [str(v) for v in t.enum_values(type_) or () if isinstance(v, str)]
    new = attrs.evolve(usage, ops=set(usage.ops), kinds=set(usage.kinds),
                       strings=[*strings, *(s for s in usage.strings if s not in strings)],
                       numbers=list(usage.numbers))
    if found == {"list"}:
        item = t.item_type(type_)
        new.records = item is not None and t.is_record(item)
        new.listed = True
    elif found and found <= set(_KIND):
        new.records = False
        new.listed = False
        new.kinds = {_KIND[kind] for kind in found}
        new.timed = "datetime" in found
    return new


def values_of(type_: t.Type, now: dt.datetime, depth: int = 0) -> st.SearchStrategy[Any]:
    """Any value of ``type_`` (small, realistic), for attributes no condition reads."""
    if isinstance(type_, t.Scalar):
        if type_.enum is not None:
            return st.sampled_from(type_.enum)
        return _scalar(type_.kind, now)
    if depth > 3:
        return st.none()
    if isinstance(type_, t.List):
        return st.lists(values_of(type_.item, now, depth + 1), max_size=3)
    if isinstance(type_, t.Record):
        return record_of(type_, now, depth + 1)
    if isinstance(type_, t.Union) and type_.options:
        return st.one_of([values_of(option, now, depth + 1) for option in type_.options])
    return st.none()


def record_of(record: t.Record, now: dt.datetime, depth: int = 0,
              skip: frozenset[str] = frozenset()) -> st.SearchStrategy[dict[str, Any]]:
    """The fields of ``record`` not in ``skip``; a nullable field may be left out."""
    required = {name: values_of(type_, now, depth) for name, type_ in record.fields.items()
                if name not in skip and not type_.nullable}
    optional = {name: values_of(type_, now, depth) for name, type_ in record.fields.items()
                if name not in skip and type_.nullable}
    return st.fixed_dictionaries(required, optional=optional)


def _scalar(kind: str, now: dt.datetime) -> st.SearchStrategy[Any]:
    if kind == "string":
        return _TEXT
    if kind == "integer":
        return st.integers(0, 1000)
    if kind == "number":
        return st.integers(0, 100_000).map(lambda cents: cents / 100)
    if kind == "boolean":
        return st.booleans()
    days = st.integers(0, 3 * 365)
    if kind == "date":
        return days.map(lambda d: now.date() - dt.timedelta(days=d))
    return st.integers(0, 3 * 365 * 86_400).map(lambda s: now - dt.timedelta(seconds=s))
