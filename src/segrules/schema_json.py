"""Attribute types from and to JSON Schema (a subset of draft 2020-12).

JSON Schema is how most teams already describe their customer data, so it is the schema's file
format. Only what says which attributes exist and of what type is read: ``type`` (one or a
list), ``properties``, ``required``, ``items``, ``enum``, ``const``, ``format`` (``date``,
``date-time``), ``additionalProperties`` and local ``$ref`` into ``$defs``, resolved with the
``referencing`` library. Annotations and value bounds (``description``, ``minimum``,
``pattern``, …) cannot change a type and are ignored, as is any ``x-…`` keyword. Every other
keyword (``anyOf``, ``patternProperties``, a misspelling) is refused with its JSON pointer:
ignored, it would make a schema silently accept the typos it exists to catch.

A property is nullable when ``null`` is one of its types or it is not ``required``: the language
treats absent and ``None`` alike. A ``$ref`` back into itself (a recursive type) is Anything
where it recurs, as paths into it cannot be listed.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

from .attribute_types import (
    ANYTHING,
    MAX_DEPTH,
    Anything,
    EnumValue,
    Kind,
    List,
    Record,
    Scalar,
    SchemaError,
    Type,
    Union,
    join,
    nullable,
)

__all__ = ["DIALECT", "MAX_SCHEMAS", "read_json_schema", "write_json_schema"]

DIALECT = "https://json-schema.org/draft/2020-12/schema"
_BASE = "urn:segrules:schema"
_TYPES = ("string", "integer", "number", "boolean", "array", "object", "null")
_READ = frozenset(("type", "properties", "required", "items", "enum", "const", "format",
                   "additionalProperties", "$ref", "$defs"))
# Keywords that describe or bound values but never change which types an attribute has.
_IGNORED = frozenset((
    "$schema", "$id", "$anchor", "$dynamicAnchor", "$comment", "$vocabulary", "title",
    "description", "default", "examples", "deprecated", "readOnly", "writeOnly", "minimum",
    "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength", "maxLength",
    "pattern", "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties",
    "contentEncoding", "contentMediaType", "contentSchema",
))
_HINTS = {
    "definitions": "write `$defs`, as draft 2020-12 does",
    "anyOf": 'list the types in `"type": [...]` instead',
    "oneOf": 'list the types in `"type": [...]` instead',
    "nullable": 'add "null" to `type` instead',
}
_FORMATS = {"date": "date", "date-time": "datetime"}
# A `$ref` is read again wherever it is used, so a chain of definitions each using the next
# twice doubles at every step: a page of JSON would take hours. Far more than real schemas read.
MAX_SCHEMAS = 100_000
_TYPE_OF_VALUE = {bool: "boolean", int: "integer", float: "number", str: "string",
                  type(None): "null"}


def _pointer(base: str, *tokens: str | int) -> str:
    escaped = (str(token).replace("~", "~0").replace("/", "~1") for token in tokens)
    return "/".join((base, *escaped))


class _Reader:
    """Reads one document's schemas into types, following ``$ref`` with ``referencing``."""

    def __init__(self, document: Mapping[str, Any], name: str) -> None:
        self.name = name
        self.resolver = self._resolver(document, _BASE)
        self.following: list[int] = []  # the schemas being read through `$ref`, by identity
        self.depth = 0  # levels of properties and items below the root being read
        self.schemas = 0  # schemas read so far, each use of a `$ref` anew

    @staticmethod
    def _resolver(document: Mapping[str, Any], uri: str) -> Any:
        from referencing import Registry
        from referencing.jsonschema import DRAFT202012

        resource = DRAFT202012.create_resource(document)
        return Registry().with_resource(uri, resource).resolver(base_uri=uri)

    def error(self, pointer: str, message: str, hint: str | None = None) -> SchemaError:
        where = f"{self.name}: " if self.name else ""
        return SchemaError(f"{where}{pointer}: {message}", "SR393", hint)

    def read(self, node: object, pointer: str, resolver: Any) -> Type:
        self.schemas += 1
        if self.schemas > MAX_SCHEMAS:
            raise self.error(pointer, f"the schema expands to more than {MAX_SCHEMAS} "
                                      "schemas, reading each `$ref` where it is used",
                             "a definition that uses another twice doubles its size")
        if node is True:
            return ANYTHING
        if node is False:
            raise self.error(pointer, "a `false` schema (no value allowed) is only supported "
                                      "as `additionalProperties`")
        if not isinstance(node, Mapping):
            raise self.error(pointer, "a schema must be an object or a boolean")
        self._check_keywords(node, pointer)
        for keyword in ("format", "$id"):
            if not isinstance(node.get(keyword, ""), str):
                raise self.error(_pointer(pointer, keyword), f"`{keyword}` must be a string")
        if "$id" in node and pointer != "#":
            # A `$ref` under an `$id` is relative to it, as a JSON Schema validator reads it;
            # only local ones are read, so the subschema is a document of its own.
            resolver = self._resolver(node, f"{_BASE}:{id(node)}")
        for name, definition in self._object(node, "$defs", pointer).items():
            self.inner(definition, _pointer(pointer, "$defs", name), resolver)
        if "$ref" in node:
            return self._follow(node, pointer, resolver)
        values = self._enum(node, pointer)
        types = self._types(node, pointer, values)
        if types is None:
            return ANYTHING
        options: list[Type] = []
        for kind in types:
            if kind == "null":
                continue
            options.append(self._option(kind, node, pointer, resolver, values))
        return join(*options, *([Union((), nullable=True)] if "null" in types else []))

    def inner(self, node: object, pointer: str, resolver: Any) -> Type:
        """``read`` one level deeper: a property, the items, a definition."""
        if self.depth >= MAX_DEPTH:
            raise self.error(pointer, f"nested more than {MAX_DEPTH} levels deep")
        self.depth += 1
        try:
            return self.read(node, pointer, resolver)
        finally:
            self.depth -= 1

    def _check_keywords(self, node: Mapping[str, Any], pointer: str) -> None:
        for keyword in node:
            if not isinstance(keyword, str):
                raise self.error(pointer, f"a keyword must be a string, not {keyword!r}")
            if keyword in _READ or keyword in _IGNORED or keyword.startswith("x-"):
                continue
            close = difflib.get_close_matches(keyword, [*_READ, *_IGNORED], n=1)
            hint = _HINTS.get(keyword) or (f"did you mean `{close[0]}`?" if close else
                                           "segrules reads only the keywords that say which "
                                           "types an attribute has")
            raise self.error(_pointer(pointer, keyword),
                             f"unsupported JSON Schema keyword `{keyword}`", hint)

    def _object(self, node: Mapping[str, Any], keyword: str, pointer: str) -> Mapping[str, Any]:
        value = node.get(keyword, {})
        if not isinstance(value, Mapping):
            raise self.error(_pointer(pointer, keyword), f"`{keyword}` must be an object")
        return value

    def _follow(self, node: Mapping[str, Any], pointer: str, resolver: Any) -> Type:
        from referencing.exceptions import Unresolvable

        beside = sorted(set(node) & _READ - {"$ref", "$defs"})
        if beside:
            raise self.error(pointer, f"`$ref` next to `{beside[0]}` is not supported",
                             "move the keyword into the schema the $ref names")
        ref = node["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#"):
            raise self.error(_pointer(pointer, "$ref"), f"only a local `$ref` is supported, "
                                                        f"not {ref!r}", "write #/$defs/NAME")
        try:
            resolved = resolver.lookup(ref)
        except Unresolvable:
            raise self.error(_pointer(pointer, "$ref"), f"cannot resolve {ref!r}") from None
        except (AttributeError, TypeError, ValueError):
            # `referencing` searches the whole document for an anchor, trusting its shape.
            raise self.error(_pointer(pointer, "$ref"), f"cannot resolve {ref!r}: the search "
                                                        "met a malformed part of the document",
                             "look for `$defs`, `properties` or `items` of the wrong "
                             "kind") from None
        if id(resolved.contents) in self.following:
            return ANYTHING
        self.following.append(id(resolved.contents))
        try:
            return self.read(resolved.contents, ref, resolved.resolver)
        finally:
            self.following.pop()

    def _enum(self, node: Mapping[str, Any], pointer: str) -> list[object] | None:
        if "enum" in node and "const" in node:
            raise self.error(pointer, "both `enum` and `const`", "keep one of them")
        if "const" in node:
            values, where = [node["const"]], _pointer(pointer, "const")
        elif "enum" in node:
            values, where = node["enum"], _pointer(pointer, "enum")
            if not isinstance(values, list) or not values:
                raise self.error(where, "`enum` must be a non-empty array")
        else:
            return None
        for value in values:
            if type(value) not in _TYPE_OF_VALUE:
                raise self.error(where, f"enum value {json.dumps(value)} is not a string, "
                                        "number, boolean or null")
            if isinstance(value, float) and not math.isfinite(value):
                raise self.error(where, f"enum value {json.dumps(value)} is not a finite "
                                        "number")
        return list(values)

    def _types(self, node: Mapping[str, Any], pointer: str, values: list[object] | None
               ) -> list[str] | None:
        """The JSON types a value may have; None when anything goes."""
        where = _pointer(pointer, "type")
        if "type" in node:
            given = node["type"]
            listed = given if isinstance(given, list) else [given]
            if not listed:
                raise self.error(where, "`type` must name at least one type")
            for name in listed:
                if name not in _TYPES:
                    close = difflib.get_close_matches(str(name), _TYPES, n=1)
                    hint = f'did you mean "{close[0]}"?' if close else None
                    raise self.error(where, f"unknown type {json.dumps(name)} "
                                            f"(known: {', '.join(_TYPES)})", hint)
            if len(set(listed)) != len(listed):
                raise self.error(where, "a type is listed twice")
            types: list[str] | None = list(listed)
        elif values is not None:
            types = list(dict.fromkeys(_TYPE_OF_VALUE[type(value)] for value in values))
        elif node.get("format") in _FORMATS:
            types = ["string"]
        elif {"properties", "required", "additionalProperties"} & set(node):
            types = ["object"]
        elif "items" in node:
            types = ["array"]
        else:
            types = None
        if values is not None and types is not None:
            for value in values:
                if not any(_holds(kind, value) for kind in types):
                    raise self.error(_pointer(pointer, "enum" if "enum" in node else "const"),
                                     f"enum value {json.dumps(value)} is not of the listed "
                                     f"types ({', '.join(types)})")
            # A type no enum value has admits no value at all.
            types = [kind for kind in types if any(_holds(kind, value) for value in values)]
        return types

    def _option(self, kind: str, node: Mapping[str, Any], pointer: str, resolver: Any,
                values: list[object] | None) -> Type:
        if kind == "array":
            items = node.get("items", True)
            if isinstance(items, list):
                raise self.error(_pointer(pointer, "items"), "`items` as a list (a tuple) is "
                                 "not supported", "give one schema for every element")
            return List(self.inner(items, _pointer(pointer, "items"), resolver))
        if kind == "object":
            return self._record(node, pointer, resolver)
        scalar = _FORMATS.get(node.get("format", ""), "string") if kind == "string" else kind
        enum = None
        if values is not None:
            enum = tuple(self._enum_value(scalar, value, pointer)
                         for value in values if _holds(kind, value))
        return Scalar(cast(Kind, scalar), enum)

    def _enum_value(self, scalar: str, value: Any, pointer: str) -> EnumValue:
        if scalar == "integer":
            return int(value)  # JSON's 1.0 is an integer
        if scalar in ("date", "datetime"):
            try:
                if scalar == "date" and len(value) == 10:
                    return dt.date.fromisoformat(value)
                if scalar == "datetime" and len(value) > 10:
                    return dt.datetime.fromisoformat(value)
            except ValueError:
                pass
            raise self.error(pointer, f"enum value {json.dumps(value)} is not a {scalar}")
        return value  # type: ignore[no-any-return]

    def _record(self, node: Mapping[str, Any], pointer: str, resolver: Any) -> Record:
        properties = self._object(node, "properties", pointer)
        required = node.get("required", [])
        if not isinstance(required, list) or not all(isinstance(n, str) for n in required):
            raise self.error(_pointer(pointer, "required"),
                             "`required` must be an array of names")
        fields = {}
        for name, schema in properties.items():
            found = self.inner(schema, _pointer(pointer, "properties", name), resolver)
            fields[name] = found if name in required else nullable(found)
        extra = node.get("additionalProperties", True)
        if extra is False:
            self._required_properties(required, fields, pointer)
            return Record(fields)
        extra_type = ANYTHING if extra is True else self.inner(
            extra, _pointer(pointer, "additionalProperties"), resolver)
        # A required name without a property: it is there, of the type other attributes have.
        for name in required:
            fields.setdefault(name, extra_type)
        return Record(fields, open=True, extra=extra_type)

    def _required_properties(self, required: list[str], fields: Mapping[str, Type],
                             pointer: str) -> None:
        """A closed object requiring a name it lacks admits no value: likely a typo."""
        for name in required:
            if name not in fields:
                close = difflib.get_close_matches(name, list(fields), n=1)
                raise self.error(_pointer(pointer, "required"),
                                 f"{json.dumps(name)} is required but is not one of the "
                                 "`properties`, and no other attribute is allowed",
                                 f"did you mean `{close[0]}`?" if close else None)


def _holds(kind: str, value: object) -> bool:
    found = _TYPE_OF_VALUE[type(value)]
    if kind == "number":
        return found in ("integer", "number")
    if kind == "integer":
        return found == "integer" or (isinstance(value, float) and value.is_integer())
    return found == kind


class _Refused(ValueError):
    """What Python's JSON reader accepts but JSON is not, or is ambiguous in a schema."""


def _no_constant(name: str) -> object:
    raise _Refused(f"not valid JSON: {name} is not a JSON value")


def _object_once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # The last of two equal keys would win silently: a property would quietly change type.
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _Refused(f"the key {json.dumps(key)} appears twice in one object")
        found[key] = value
    return found


def _load(source: str | os.PathLike[str]) -> tuple[Any, str]:
    name = str(source)
    try:
        text = Path(source).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        hint = ("to read JSON text, pass json.loads(text)" if name.lstrip().startswith("{")
                else None)
        raise SchemaError(f"{name}: no such file", "SR000", hint) from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        reason = getattr(error, "strerror", None) or getattr(error, "reason", None) or error
        raise SchemaError(f"{name}: cannot read ({reason})", "SR000") from None
    try:
        return json.loads(text, parse_constant=_no_constant,
                          object_pairs_hook=_object_once), name
    except json.JSONDecodeError as error:
        raise SchemaError(f"{name}:{error.lineno}:{error.colno}: not valid JSON: "
                          f"{error.msg}") from None
    except _Refused as error:
        raise SchemaError(f"{name}: {error}") from None
    except (ValueError, RecursionError):
        raise SchemaError(f"{name}: not valid JSON") from None


def read_json_schema(source: str | os.PathLike[str] | Mapping[str, Any], session_keyword: str
                     ) -> tuple[Record, Record | None]:
    """The profile record and the session record (if ``session_keyword`` holds one) of a
    JSON Schema document, given as a file path or as the parsed document."""
    if not isinstance(source, Mapping | str | os.PathLike):
        raise SchemaError("from_json_schema reads a file path or a mapping (a parsed JSON "
                          f"Schema), not {type(source).__name__}")
    document, name = (source, "") if isinstance(source, Mapping) else _load(source)
    if not isinstance(document, Mapping):
        raise SchemaError(f"{name or 'the schema'}: a JSON Schema document must be an object")
    reader = _Reader(document, name)
    roots = {"#": document}
    if session_keyword in document:
        roots[_pointer("#", session_keyword)] = document[session_keyword]
    records: list[Record] = []
    for pointer, node in roots.items():
        try:
            found = reader.read(node, pointer, reader.resolver)
        except RecursionError:
            raise reader.error(pointer, "nested too deeply") from None
        if isinstance(found, Anything) and isinstance(node, Mapping) and "$ref" not in node:
            found = Record(open=True)  # `{}` describes a profile of unknown attributes
        if not isinstance(found, Record) or found.nullable:
            raise reader.error(pointer, "the schema of a profile or session must be an "
                                        "object schema (`\"type\": \"object\"`)")
        records.append(found)
    return records[0], records[1] if len(records) > 1 else None


# --- writing ------------------------------------------------------------------------------------

_JSON_TYPE = {"string": "string", "date": "string", "datetime": "string", "integer": "integer",
              "number": "number", "boolean": "boolean"}


def _json_value(value: EnumValue) -> object:
    return value.isoformat() if isinstance(value, dt.date) else value


def _write(type_: Type) -> dict[str, Any]:
    if isinstance(type_, Anything):
        return {}
    options = type_.options if isinstance(type_, Union) else (type_,)
    types: list[str] = []
    out: dict[str, Any] = {}
    enum: list[object] = []
    for option in options:
        if isinstance(option, Scalar):
            types.append(_JSON_TYPE[option.kind])
            if option.kind == "date":
                out["format"] = "date"
            elif option.kind == "datetime":
                out["format"] = "date-time"
            enum.extend(_json_value(value) for value in option.enum or ())
        elif isinstance(option, List):
            types.append("array")
            out["items"] = _write(option.item)
        elif isinstance(option, Record):
            types.append("object")
            out.update(_write_record(option))
    if type_.nullable:
        types.append("null")
        if enum:
            enum.append(None)
    if enum:
        out["enum"] = enum
    return {"type": types[0] if len(types) == 1 else types, **out}


def _write_record(record: Record) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if record.fields:
        out["properties"] = {name: _write(field) for name, field in sorted(record.fields.items())}
    required = sorted(name for name, field in record.fields.items() if not field.nullable)
    if required:
        out["required"] = required
    if not record.open:
        out["additionalProperties"] = False
    elif record.extra is not None:
        out["additionalProperties"] = _write(record.extra)
    return out


def write_json_schema(profile: Record, session: Record | None, session_keyword: str
                      ) -> dict[str, Any]:
    """A JSON Schema document for ``profile``, with ``session`` under ``session_keyword``."""
    document = {"$schema": DIALECT, **_write(profile)}
    if session is not None:
        document[session_keyword] = _write(session)
    return document
