"""The attribute schema: which attributes a customer (and a session) has, and of what type.

One small typed model serves every consumer: the checker rejects at load what could never match
(``contry``, ``email_opt_in is "true"``), the SQL compiler picks column types, the testing
strategies draw realistic values. A ``Schema`` is two record types: ``profile`` (what every
path not starting with ``session.`` reads) and ``session`` (what ``session.…`` reads; ``None``
when unknown, so session paths are not checked). The types are those of ``attribute_types``:

    Scalar("string" | "integer" | "number" | "boolean" | "date" | "datetime", enum=(…) | None)
    List(item)                     Record(fields, open=False, extra=None)
    Union(options)  (build with join())               Anything()

each with ``nullable`` (the attribute may be missing: absent or ``None``, which the language
treats alike). Types are frozen and compare by value: ``from_json_schema(s.to_json_schema())
== s``.

Lookup, for consumers::

    schema.lookup(("address", "city"))          # Scalar("string"), or None: no such path
    schema.lookup(("device",), root="session")  # Anything() when there is no session schema
    schema.paths()                              # ("address", "address.city", …) for "did you mean"
    item_type(schema.lookup(("orders",)))       # the element type of a list

Three ways to build one: ``Schema.from_json_schema`` (a JSON Schema, draft 2020-12 subset),
``Schema.from_type`` (a dataclass, attrs class, TypedDict or pydantic model) and
``Schema.infer`` (sample records). Those built from classes or samples are closed: an attribute
they do not list does not exist.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs
from attrs import frozen

from . import attribute_types as t
from .attribute_types import (
    ALL_KINDS,
    ANYTHING,
    SCALAR_KINDS,
    Anything,
    EnumValue,
    Fields,
    Kind,
    List,
    Record,
    Scalar,
    SchemaError,
    Type,
    Union,
    describe,
    enum_values,
    field_type,
    is_list,
    is_numeric,
    is_record,
    is_string,
    is_temporal,
    item_type,
    join,
    kinds,
    may_hold,
    nullable,
)
from .schema_infer import infer_record
from .schema_json import read_json_schema, write_json_schema
from .schema_python import record_for

__all__ = [
    "ALL_KINDS",
    "ANYTHING",
    "SCALAR_KINDS",
    "Anything",
    "EnumValue",
    "Fields",
    "Kind",
    "List",
    "Record",
    "Scalar",
    "Schema",
    "SchemaError",
    "Type",
    "Union",
    "describe",
    "enum_values",
    "field_type",
    "is_list",
    "is_numeric",
    "is_record",
    "is_string",
    "is_temporal",
    "item_type",
    "join",
    "kinds",
    "may_hold",
    "nullable",
]

#: The JSON Schema keyword that carries the session schema inside a profile schema.
SESSION_KEYWORD = "x-segrules-session"


def _record(value: Record) -> Record:
    if not isinstance(value, Record) or value.nullable:
        raise SchemaError("a schema's profile and session are non-nullable records")
    return value


def _session(value: Record | None) -> Record | None:
    return None if value is None else _record(value)


@frozen
class Schema:
    """What a customer profile (and, optionally, a session) holds: attribute paths and types.

    ``profile`` is the record every profile path reads; ``session`` the one ``session.…`` paths
    read, or ``None`` when unknown (session paths are then unchecked).
    """

    profile: Record = attrs.field(converter=_record)
    session: Record | None = attrs.field(default=None, converter=_session)

    # --- lookup ---------------------------------------------------------------------------------

    def record(self, root: str = "profile") -> Record | None:
        """The record ``root`` ("profile" or "session") paths read; None for an unknown session."""
        if root == "session":
            return self.session
        if root == "profile":
            return self.profile
        raise ValueError(f"root must be 'profile' or 'session', not {root!r}")

    def lookup(self, path: Sequence[str], root: str = "profile") -> Type | None:
        """The type at ``path`` (a tuple of names, as ``nodes.Attr.names``) under ``root``.

        None when no value can be there (a name a closed record lacks, a field of a scalar or
        of a list); Anything under an open record or when the session schema is unknown.
        """
        record = self.record(root)
        return ANYTHING if record is None else t.lookup(record, path)

    def paths(self, root: str = "profile") -> tuple[str, ...]:
        """Every known dotted path under ``root`` (parents first), for "did you mean"."""
        record = self.record(root)
        return () if record is None else tuple(t.paths(record))

    def with_session(self, session: Schema | Record | None) -> Schema:
        """This schema with ``session`` (another schema's profile, or a record) as its
        session schema."""
        record = session.profile if isinstance(session, Schema) else session
        return attrs.evolve(self, session=record)

    # --- builders -------------------------------------------------------------------------------

    @classmethod
    def from_json_schema(cls, source: str | os.PathLike[str] | Mapping[str, Any]) -> Schema:
        """A schema from a JSON Schema (a file path, or the parsed document).

        The supported subset of draft 2020-12: ``type`` (one or a list), ``properties``,
        ``required``, ``items``, ``enum``, ``const``, ``format`` (``date``, ``date-time``),
        ``additionalProperties`` (unset means open), local ``$ref`` with ``$defs``; the
        session schema under the root's ``x-segrules-session``. Annotations (``title``,
        ``description``, …) and value bounds (``minimum``, ``pattern``, …) are ignored; any
        other keyword is a ``SchemaError`` (SR393) naming its JSON pointer.
        """
        profile, session = read_json_schema(source, SESSION_KEYWORD)
        return cls(profile, session)

    @classmethod
    def from_type(cls, type_: type[Any]) -> Schema:
        """A closed schema from a class: a dataclass, attrs class, TypedDict or pydantic model.

        ``Optional[X]`` is nullable, ``Literal[…]`` and ``enum.Enum`` classes are enums of
        their values, ``datetime`` is a datetime and ``date`` a date, ``list[X]`` and
        ``Sequence[X]`` are lists, nested classes are records; a field type with no attribute
        type (``bytes``) is a ``SchemaError`` (SR394).
        """
        return cls(record_for(type_))

    @classmethod
    def infer(cls, profiles: Iterable[Mapping[str, Any]], *, no_enum: Iterable[str] = ()
              ) -> Schema:
        """A closed schema from sample records, read once, one at a time.

        Types as the values show them (ISO date and datetime strings are dates and datetimes),
        nullable when missing or ``None`` somewhere, list item types, records in lists; a
        string field is an enum when it has at most 20 distinct values over at least 50 values,
        each seen at least twice, except at the dotted paths of ``no_enum`` (text whose values
        the sample cannot all show, such as countries a shop will ship to next year). A record
        that is not a mapping is a ``SchemaError`` (SR395).
        """
        return cls(infer_record(profiles, no_enum))

    def to_json_schema(self) -> dict[str, Any]:
        """This schema as a JSON Schema document (draft 2020-12) that reads back equal."""
        return write_json_schema(self.profile, self.session, SESSION_KEYWORD)
