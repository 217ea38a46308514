"""Attribute types from Python classes: dataclasses, attrs classes, TypedDicts, pydantic models.

An application that already declares its customer as a class should not write the schema
twice. Field annotations map to types: ``str``, ``int``, ``float``/``Decimal``, ``bool``,
``date``, ``datetime``; ``Optional[X]`` (and ``X | None``) is nullable, as is a TypedDict key
that is ``NotRequired`` (or in a ``total=False`` dict); ``Literal[…]`` and ``enum.Enum``
classes are enums of their values; ``list[X]``, ``Sequence[X]``, ``set[X]``, ``tuple[X, …]``
are lists; ``dict[str, X]`` is an open record of ``X``; a nested class is a record, and a class
inside itself (a tree) is Anything where it recurs. A field type that no attribute type
describes (``bytes``, ``time``) is an error naming the field: annotate it ``Any`` to leave it
unchecked. pydantic is used only when the class is a pydantic model, so it is never imported
here.
"""

from __future__ import annotations

import collections.abc as abc
import dataclasses
import datetime as dt
import enum
import math
import numbers
import sys
import types
import typing
from decimal import Decimal
from typing import Any

import attrs

from .attribute_types import (
    ANYTHING,
    MAX_DEPTH,
    EnumValue,
    List,
    Record,
    Scalar,
    SchemaError,
    Type,
    Union,
    join,
    nullable,
)

__all__ = ["record_for"]

_LISTS = frozenset((list, set, frozenset, abc.Sequence, abc.MutableSequence, abc.Set,
                    abc.MutableSet, abc.Collection))
_MAPPINGS = frozenset((dict, abc.Mapping, abc.MutableMapping))
# Annotations that wrap a type without changing it (ReadOnly is new in Python 3.13).
_WRAPPERS = frozenset(wrapper for wrapper in (
    typing.Annotated, typing.Required, typing.NotRequired, typing.Final,
    getattr(typing, "ReadOnly", None)) if wrapper is not None)

_REQUIRED_MARKS = (typing.Required, typing.NotRequired)


def _error(where: str, message: str) -> SchemaError:
    return SchemaError(f"{where}: {message}", "SR394",
                       "annotate the field `Any` to leave it unchecked")


def _pydantic_model(cls: object) -> bool:
    pydantic = sys.modules.get("pydantic")  # a pydantic model means pydantic is imported
    return (pydantic is not None and isinstance(cls, type)
            and issubclass(cls, pydantic.BaseModel))


def _is_class(cls: object) -> bool:
    """Whether ``cls`` is a class whose fields make a record."""
    return isinstance(cls, type) and (dataclasses.is_dataclass(cls) or attrs.has(cls)
                                      or typing.is_typeddict(cls) or _pydantic_model(cls))


def _generic(hint: Any) -> tuple[type[Any], dict[Any, Any]] | None:
    """A generic class given its arguments (``Box[int]``): the class and what its type
    parameters stand for; None for anything else."""
    origin = typing.get_origin(hint)
    if not _is_class(origin):
        return None
    parameters = getattr(origin, "__parameters__", ())
    return origin, dict(zip(parameters, typing.get_args(hint), strict=False))


class _Builder:
    """Turns annotations into types, remembering the classes being built to stop at cycles,
    and what the type parameters of the generic ones stand for."""

    def __init__(self) -> None:
        self.building: list[type[Any]] = []
        self.bound: list[dict[Any, Any]] = [{}]
        self.depth = 0  # levels of records and lists below the root class

    def record(self, cls: type[Any], bound: dict[Any, Any] | None = None) -> Record:
        self.building.append(cls)
        self.bound.append(bound or {})
        try:
            return Record({name: found for name, found in self._fields(cls)})
        finally:
            self.building.pop()
            self.bound.pop()

    def inner(self, hint: Any, where: str) -> Type:
        """``type_of`` one level deeper: a field of a record, the items of a list."""
        if self.depth >= MAX_DEPTH:
            raise _error(where, f"nested more than {MAX_DEPTH} levels deep")
        self.depth += 1
        try:
            return self.type_of(hint, where)
        finally:
            self.depth -= 1

    def _fields(self, cls: type[Any]) -> typing.Iterator[tuple[str, Type]]:
        name_of = cls.__qualname__
        if _pydantic_model(cls):
            for name, info in cls.model_fields.items():
                yield name, self.inner(info.annotation, f"{name_of}.{name}")
            return
        if attrs.has(cls):
            try:
                attrs.resolve_types(cls)
            except NameError as error:
                raise _error(name_of, f"cannot resolve an annotation ({error})") from None
            for attribute in attrs.fields(cls):
                # An object's attribute starting with `_` is never read by a segment.
                if not attribute.name.startswith("_"):
                    where = f"{name_of}.{attribute.name}"
                    yield attribute.name, (ANYTHING if attribute.type is None
                                           else self.inner(attribute.type, where))
            return
        try:
            hints = typing.get_type_hints(cls, include_extras=True)
        except NameError as error:
            raise _error(name_of, f"cannot resolve an annotation ({error})") from None
        if typing.is_typeddict(cls):
            optional: frozenset[str] = getattr(cls, "__optional_keys__", frozenset())
            for name, hint in hints.items():
                found = self.inner(hint, f"{name_of}.{name}")
                # Python 3.11 cannot see NotRequired in a string annotation: the hint can.
                marked = typing.get_origin(hint)
                may_lack = (name in optional if marked not in _REQUIRED_MARKS
                            else marked is typing.NotRequired)
                yield name, nullable(found) if may_lack else found
            return
        for field in dataclasses.fields(cls):
            if not field.name.startswith("_"):
                where = f"{name_of}.{field.name}"
                yield field.name, self.inner(hints.get(field.name, Any), where)

    def type_of(self, hint: Any, where: str) -> Type:
        """The attribute type of annotation ``hint`` of the field at ``where``."""
        origin, args = typing.get_origin(hint), typing.get_args(hint)
        if hint is Any or hint is object:
            return ANYTHING
        if hint is None or hint is type(None):
            return Union((), nullable=True)
        if origin in _WRAPPERS:
            return self.type_of(args[0], where)
        if origin is typing.Union or origin is types.UnionType:
            return join(*(self.type_of(arg, where) for arg in args))
        if origin is typing.Literal:
            return join(*(_literal(value, where) for value in args))
        if isinstance(hint, typing.NewType):
            return self.type_of(hint.__supertype__, where)
        if isinstance(hint, typing.TypeVar):
            if hint in self.bound[-1]:
                # The argument means what it meant where it was written: in the class outside.
                frame = self.bound.pop()
                try:
                    return self.type_of(frame[hint], where)
                finally:
                    self.bound.append(frame)
            return self.type_of(hint.__bound__, where) if hint.__bound__ is not None else ANYTHING
        if origin is tuple:
            items = [arg for arg in args if arg is not Ellipsis]
            return List(join(*(self.inner(arg, where) for arg in items)) if items else ANYTHING)
        if origin in _LISTS:
            return List(self.inner(args[0], where) if args else ANYTHING)
        if origin in _MAPPINGS:
            if args and args[0] not in (str, Any):
                raise _error(where, f"a mapping with keys of type {args[0]!r} has no "
                                    "attribute names")
            return Record(open=True, extra=self.inner(args[1], where) if args else None)
        generic = _generic(hint)
        if generic is not None:
            cls, bound = generic
            return ANYTHING if cls in self.building else self.record(cls, bound)
        if isinstance(hint, type):
            return self._class(hint, where)
        raise _error(where, f"{hint!r} has no attribute type")

    def _class(self, hint: type[Any], where: str) -> Type:
        if issubclass(hint, enum.Enum):
            return join(*(_literal(member.value, where) for member in hint)) if list(
                hint) else ANYTHING
        if _is_class(hint):
            return ANYTHING if hint in self.building else self.record(hint)
        if issubclass(hint, bool):
            return Scalar("boolean")
        if issubclass(hint, dt.datetime):
            return Scalar("datetime")
        if issubclass(hint, dt.date):
            return Scalar("date")
        if issubclass(hint, str):
            return Scalar("string")
        if issubclass(hint, int):
            return Scalar("integer")
        if issubclass(hint, float | Decimal) or hint in (numbers.Real, numbers.Number):
            return Scalar("number")
        if hint is tuple or hint in _LISTS:
            return List(ANYTHING)
        if hint in _MAPPINGS:
            return Record(open=True)
        raise _error(where, f"{hint.__qualname__} has no attribute type")


def _literal(value: object, where: str) -> Type:
    """The enum type of one allowed value (a ``Literal`` argument or an ``Enum`` value)."""
    if isinstance(value, enum.Enum):
        value = value.value
    if value is None:
        return Union((), nullable=True)
    kinds: dict[type[Any], typing.Literal["boolean", "integer", "number", "string"]] = {
        bool: "boolean", int: "integer", float: "number", str: "string"}
    kind = kinds.get(type(value))
    if kind is None:
        raise _error(where, f"the allowed value {value!r} is not a string, number or boolean")
    if isinstance(value, float) and not math.isfinite(value):
        raise _error(where, f"the allowed value {value!r} is not a finite number")
    allowed: EnumValue = value  # type: ignore[assignment]
    return Scalar(kind, (allowed,))


def record_for(cls: type[Any]) -> Record:
    """The closed record type of a dataclass, attrs class, TypedDict or pydantic model."""
    generic = _generic(cls)
    if generic is not None:
        return _Builder().record(*generic)
    if not _is_class(cls):
        shown = getattr(cls, "__qualname__", None) or repr(cls)
        raise SchemaError(f"{shown}: not a dataclass, attrs class, TypedDict or pydantic "
                          "model", "SR394")
    return _Builder().record(cls)
