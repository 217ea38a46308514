"""The types of customer attributes: scalars, lists, records, unions and "anything".

A type is a small frozen value, compared by value and hashable, so two schemas built different
ways (from JSON Schema, from a class, from sample data) are equal when they say the same thing.
Every type says whether it is ``nullable``: whether the attribute may be *missing* (absent or
``None``, which the language treats alike). The whole model:

- ``Scalar(kind, enum=None)``: one of ``SCALAR_KINDS`` (string, integer, number, boolean, date,
  datetime); ``enum`` is the tuple of allowed values, when only some are.
- ``List(item)``: a list whose elements are all ``item``.
- ``Record(fields, open=False, extra=None)``: named fields. A closed record has no other field;
  an open one may, of type ``extra`` (``None``: anything).
- ``Union(options)``: any one of two or more types that JSON tells apart (no two strings, no
  two records), as JSON Schema's ``"type": ["string", "integer"]``. Build one with ``join()``,
  which merges what one option can say (``integer`` and ``number`` are ``number``). With no
  option and ``nullable``, it is "always null".
- ``Anything()``: no type information; always nullable.

Consumers ask questions through the functions here rather than matching classes: ``kinds``
(what a value can be), ``may_hold``, ``is_numeric``, ``item_type``, ``enum_values``,
``lookup`` (a path inside a type), ``paths`` and ``describe`` (for messages).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Literal, TypeAlias

import attrs
from attrs import field, frozen

from .errors import Diagnostic, SegrulesValueError

__all__ = [
    "ALL_KINDS",
    "ANYTHING",
    "MAX_DEPTH",
    "SCALAR_KINDS",
    "Anything",
    "EnumValue",
    "Fields",
    "Kind",
    "List",
    "Record",
    "Scalar",
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
    "lookup",
    "may_hold",
    "nullable",
    "paths",
]

Kind = Literal["string", "integer", "number", "boolean", "date", "datetime"]
SCALAR_KINDS: tuple[Kind, ...] = ("string", "integer", "number", "boolean", "date", "datetime")
#: Every kind ``kinds`` can answer: the scalar kinds, "list" and "record".
ALL_KINDS = frozenset((*SCALAR_KINDS, "list", "record"))
EnumValue: TypeAlias = str | int | float | bool | dt.date
#: How many levels of records and lists an attribute may be nested below the profile. Real
#: customer data is a handful deep; the limit keeps every recursive walk of a type (hashing,
#: comparing, writing JSON) far from Python's recursion limit, whoever calls it.
MAX_DEPTH = 64

# What JSON tells apart: dates and datetimes are strings, integers are numbers. A union holds
# at most one option per slot, so it reads back from one JSON Schema object unchanged.
_SLOT = {"string": "string", "date": "string", "datetime": "string", "integer": "number",
         "number": "number", "boolean": "boolean"}
_SLOT_ORDER = {"string": 0, "number": 1, "boolean": 2, "array": 3, "object": 4}


class SchemaError(SegrulesValueError):
    """A schema that cannot be built: malformed, outside the supported subset, or from a
    Python type or sample value that has no attribute type."""

    def __init__(self, message: str | Iterable[Diagnostic], code: str = "SR393",
                 hint: str | None = None) -> None:
        if isinstance(message, str):
            super().__init__([Diagnostic(code, message, hint=hint)])
        else:
            super().__init__(message)


def _enum(values: Iterable[EnumValue] | None) -> tuple[EnumValue, ...] | None:
    # Without duplicates, in the order given; 1 and 1.0 are one value, as they compare equal.
    return None if values is None else tuple(dict.fromkeys(values))


def _fits(kind: Kind, value: object) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "datetime":
        return isinstance(value, dt.datetime)
    return isinstance(value, dt.date) and not isinstance(value, dt.datetime)


@frozen
class Scalar:
    """A single value of one kind: ``string``, ``integer``, ``number`` (integers too),
    ``boolean``, ``date`` or ``datetime`` (in the data also as ISO-8601 text). ``enum``, when
    set, is every value the attribute may hold."""

    kind: Kind
    enum: tuple[EnumValue, ...] | None = field(default=None, converter=_enum)
    nullable: bool = field(default=False, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if self.kind not in SCALAR_KINDS:
            raise SchemaError(f"unknown scalar kind {self.kind!r} "
                              f"(known: {', '.join(SCALAR_KINDS)})")
        if self.enum is not None:
            if not self.enum:
                raise SchemaError("an enum must allow at least one value")
            # NaN equals nothing, so no value would match it; JSON has no infinities.
            infinite = [value for value in self.enum
                        if isinstance(value, float) and not math.isfinite(value)]
            if infinite:
                raise SchemaError(f"enum value {infinite[0]!r} is not a finite number")
            wrong = [value for value in self.enum if not _fits(self.kind, value)]
            if wrong:
                raise SchemaError(f"enum value {wrong[0]!r} is not a {self.kind}")


@frozen
class List:
    """A list (any collection that is not text or a mapping) whose elements are ``item``."""

    item: Type
    nullable: bool = field(default=False, kw_only=True)


class Fields(Mapping[str, "Type"]):
    """The fields of a record: an immutable, hashable mapping of name to type, equal to any
    mapping with the same items whatever their order (the order given is kept for display)."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, Type] | Iterable[tuple[str, Type]] = ()) -> None:
        self._items: dict[str, Type] = dict(items)
        for name in self._items:
            if not isinstance(name, str):
                raise SchemaError(f"a field name must be a string, not {name!r}")

    def __getitem__(self, name: str) -> Type:
        return self._items[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(frozenset(self._items.items()))

    def __repr__(self) -> str:
        return f"Fields({self._items!r})"


def _typed_extra(extra: Scalar | List | Record | Union | Anything | None
                 ) -> Scalar | List | Record | Union | Anything | None:
    # Extra fields of any type are the same as extra fields of no stated type.
    return None if isinstance(extra, Anything) else extra


@frozen
class Record:
    """A mapping (or object) with named ``fields``. A closed record (``open=False``) has no
    other attribute, so an unknown name under it is an error; an open one may have others, of
    type ``extra`` (``None``: of any type)."""

    fields: Fields = field(factory=Fields, converter=Fields)
    open: bool = False
    extra: Type | None = field(default=None, converter=_typed_extra)
    nullable: bool = field(default=False, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if self.extra is not None and not self.open:
            raise SchemaError("a closed record has no extra fields to give a type")


@frozen
class Anything:
    """No type information: any value, or none (always nullable)."""

    nullable: bool = field(default=True, init=False)


def _option_key(option: Type) -> int:
    return _SLOT_ORDER[_slot(option)]


def _sorted_options(options: Iterable[Type]) -> tuple[Type, ...]:
    return tuple(sorted(options, key=_option_key))


@frozen
class Union:
    """One of several types JSON tells apart, as ``"type": ["string", "integer"]``; nullable
    when ``null`` is one of them. Build with ``join()``; the order of options is irrelevant."""

    options: tuple[Type, ...] = field(converter=_sorted_options)
    nullable: bool = field(default=False, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if len(self.options) == 1 or (not self.options and not self.nullable):
            raise SchemaError("a union needs two or more options (or none and nullable); "
                              "use join() to build one")
        slots = [_slot(option) for option in self.options]
        if len(set(slots)) != len(slots):
            raise SchemaError("a union holds at most one option of each JSON type; "
                              "use join() to merge them")
        for option in self.options:
            if isinstance(option, Union | Anything) or option.nullable:
                raise SchemaError("a union's options are neither unions, Anything, nor "
                                  "nullable; use join() to build one")
        enums = [isinstance(option, Scalar) and option.enum is not None
                 for option in self.options]
        if any(enums) and not all(enums):
            # JSON Schema's one `enum` keyword constrains every type of the list at once.
            raise SchemaError("in a union either every option is an enum or none is")


Type: TypeAlias = Scalar | List | Record | Union | Anything
ANYTHING = Anything()


def _slot(type_: Type) -> str:
    if isinstance(type_, Scalar):
        return _SLOT[type_.kind]
    if isinstance(type_, List):
        return "array"
    if isinstance(type_, Record):
        return "object"
    raise SchemaError(f"{type_!r} has no single JSON type")


# --- building -----------------------------------------------------------------------------------


def nullable(type_: Type, value: bool = True) -> Type:
    """``type_`` with ``nullable`` set to ``value`` (Anything stays nullable)."""
    if isinstance(type_, Anything) or type_.nullable == value:
        return type_
    if isinstance(type_, Union) and not type_.options and not value:
        raise SchemaError("an always-null type cannot be made non-nullable")
    return attrs.evolve(type_, nullable=value)


def _merge_enums(a: tuple[EnumValue, ...] | None, b: tuple[EnumValue, ...] | None
                 ) -> tuple[EnumValue, ...] | None:
    return None if a is None or b is None else (*a, *b)


def _join_same_slot(a: Type, b: Type) -> Type:
    """Two non-null types of one JSON slot as the one type that holds both."""
    if isinstance(a, Scalar) and isinstance(b, Scalar):
        if a.kind == b.kind:
            kind = a.kind
        elif {a.kind, b.kind} == {"integer", "number"}:
            kind = "number"
        elif {a.kind, b.kind} == {"date", "datetime"}:
            kind = "datetime"  # a date compares as its midnight, so datetime holds both
        else:
            kind = "string"
        # Dates are not datetimes and neither is a string: their enums do not carry over.
        keep = kind == "number" or kind == a.kind == b.kind
        enum = _merge_enums(a.enum, b.enum) if keep else None
        return Scalar(kind, enum)
    if isinstance(a, List) and isinstance(b, List):
        return List(join(a.item, b.item))
    if isinstance(a, Record) and isinstance(b, Record):
        names = dict.fromkeys([*a.fields, *b.fields])
        fields = {name: join(a.fields[name], b.fields[name])
                  if name in a.fields and name in b.fields
                  else nullable(a.fields.get(name) or b.fields[name])
                  for name in names}
        is_open = a.open or b.open
        extras = [r.extra for r in (a, b) if r.open]
        typed = [extra for extra in extras if extra is not None]
        extra = join(*typed) if extras and len(typed) == len(extras) else None
        return Record(fields, open=is_open, extra=extra)
    raise SchemaError(f"cannot join {a!r} and {b!r}")  # unreachable for one slot


def join(*types: Type) -> Type:
    """The narrowest type that holds every value of each of ``types``: ``integer`` and
    ``number`` make ``number``, ``date`` and ``datetime`` make ``datetime``, other strings make
    ``string``, enums add up, records merge their fields (a field one lacks is nullable),
    different JSON types make a ``Union``. With no type: always null."""
    is_nullable = any(t.nullable for t in types)
    slots: dict[str, Type] = {}
    for type_ in types:
        if isinstance(type_, Anything):
            return ANYTHING
        for option in type_.options if isinstance(type_, Union) else (type_,):
            option = nullable(option, False)
            slot = _slot(option)
            slots[slot] = _join_same_slot(slots[slot], option) if slot in slots else option
    options = list(slots.values())
    if len(options) > 1 and not all(isinstance(o, Scalar) and o.enum is not None
                                    for o in options):
        options = [attrs.evolve(o, enum=None) if isinstance(o, Scalar) else o for o in options]
    if len(options) == 1:
        return nullable(options[0], is_nullable)
    return Union(options, nullable=is_nullable or not options)


# --- questions ----------------------------------------------------------------------------------


def kinds(type_: Type) -> frozenset[str]:
    """What a present value of ``type_`` can be: scalar kinds, "list", "record"; every kind
    for Anything, none for an always-null type."""
    if isinstance(type_, Scalar):
        return frozenset((type_.kind,))
    if isinstance(type_, List):
        return frozenset(("list",))
    if isinstance(type_, Record):
        return frozenset(("record",))
    if isinstance(type_, Union):
        return frozenset().union(*(kinds(option) for option in type_.options))
    return ALL_KINDS


def may_hold(type_: Type, *wanted: str) -> bool:
    """Whether a present value of ``type_`` can be of one of the ``wanted`` kinds; a checker's
    "can never be a number" is ``not may_hold(t, "integer", "number")``."""
    return not kinds(type_).isdisjoint(wanted)


def _only(type_: Type, allowed: frozenset[str]) -> bool:
    found = kinds(type_)
    return bool(found) and found <= allowed and not isinstance(type_, Anything)


_NUMERIC = frozenset(("integer", "number"))
_TEMPORAL = frozenset(("date", "datetime"))


def is_numeric(type_: Type) -> bool:
    """Whether every present value is a number (integer or not); False for Anything."""
    return _only(type_, _NUMERIC)


def is_string(type_: Type) -> bool:
    """Whether every present value is text (not a date or datetime); False for Anything."""
    return _only(type_, frozenset(("string",)))


def is_temporal(type_: Type) -> bool:
    """Whether every present value is a date or datetime; False for Anything."""
    return _only(type_, _TEMPORAL)


def is_list(type_: Type) -> bool:
    """Whether every present value is a list; False for Anything."""
    return _only(type_, frozenset(("list",)))


def is_record(type_: Type) -> bool:
    """Whether every present value is a record; False for Anything."""
    return _only(type_, frozenset(("record",)))


def item_type(type_: Type) -> Type | None:
    """The element type when a value of ``type_`` can be a list (Anything for Anything);
    None when it never is."""
    if isinstance(type_, List):
        return type_.item
    if isinstance(type_, Anything):
        return ANYTHING
    if isinstance(type_, Union):
        for option in type_.options:
            if isinstance(option, List):
                return option.item
    return None


def enum_values(type_: Type) -> tuple[EnumValue, ...] | None:
    """Every value ``type_`` allows when it is an enum (a union of enums too); else None."""
    if isinstance(type_, Scalar):
        return type_.enum
    if isinstance(type_, Union) and type_.options:
        found: list[EnumValue] = []
        for option in type_.options:
            if not isinstance(option, Scalar) or option.enum is None:
                return None
            found.extend(option.enum)
        return tuple(found)
    return None


def field_type(type_: Type, name: str) -> Type | None:
    """The type of attribute ``name`` of a value of ``type_``: a field's type, an open record's
    extra type (Anything unless given), Anything under Anything; None when no value of
    ``type_`` can have it (a closed record without it, a scalar, a list)."""
    if isinstance(type_, Anything):
        return ANYTHING
    if isinstance(type_, Record):
        if name in type_.fields:
            return type_.fields[name]
        if type_.open:
            return ANYTHING if type_.extra is None else type_.extra
        return None
    if isinstance(type_, Union):
        for option in type_.options:
            if isinstance(option, Record):
                found = field_type(option, name)
                # A union's record is one possible shape: its fields may be absent.
                return None if found is None else nullable(found)
    return None


def lookup(type_: Type, path: Sequence[str]) -> Type | None:
    """The type at ``path`` (attribute names) inside ``type_``; None when the path cannot
    exist. Paths never go through lists: in the language, ``orders.total`` outside an
    aggregate is missing."""
    found: Type | None = type_
    for name in path:
        if found is None:
            return None
        found = field_type(found, name)
    return found


def paths(type_: Type, prefix: str = "") -> Iterator[str]:
    """Every dotted path known inside a record ``type_``, parents before their fields (not
    through lists: the fields of list elements are paths of ``item_type``)."""
    if isinstance(type_, Union):
        records = [option for option in type_.options if isinstance(option, Record)]
    else:
        records = [type_] if isinstance(type_, Record) else []
    for record in records:
        for name, child in record.fields.items():
            dotted = f"{prefix}{name}"
            yield dotted
            yield from paths(child, dotted + ".")


def describe(type_: Type) -> str:
    """``type_`` in words, for messages: "an integer", "a list of strings", "a record",
    "one of 'gold', 'silver'", "a string or an integer", "anything"."""
    text = _describe(type_)
    always_null = isinstance(type_, Union) and not type_.options
    if not type_.nullable or isinstance(type_, Anything) or always_null:
        return text
    return f"{text} or null"


_ARTICLE = {"string": "a string", "integer": "an integer", "number": "a number",
            "boolean": "a boolean", "date": "a date", "datetime": "a datetime"}
_PLURAL = {"string": "strings", "integer": "integers", "number": "numbers",
           "boolean": "booleans", "date": "dates", "datetime": "datetimes"}


def _describe(type_: Type, plural: bool = False) -> str:
    if isinstance(type_, Scalar):
        if type_.enum is not None:
            return "one of " + ", ".join(_shown(value) for value in type_.enum)
        return _PLURAL[type_.kind] if plural else _ARTICLE[type_.kind]
    if isinstance(type_, List):
        return ("lists" if plural else "a list") + f" of {_describe(type_.item, True)}"
    if isinstance(type_, Record):
        return "records" if plural else "a record"
    if isinstance(type_, Union):
        if not type_.options:
            return "null"
        return " or ".join(_describe(option, plural) for option in type_.options)
    return "anything"


def _shown(value: EnumValue) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    return repr(value)
