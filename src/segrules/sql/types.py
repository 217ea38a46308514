"""What the compiler knows about a column: its kind, whether it is a list, a record's fields.

A table holds typed columns, so the SQL for a condition depends on the type of what it reads
(``tags is "vip"`` tests every element of a list, ``email is "…"`` one value). Types come from
the attribute schema when one is given; without one, a condition's own literal says the kind
(``age >= 18``: a number) and the operators that only make sense on lists say that
(``contains``, ``is empty``, an aggregate's items), which is the rule the batch docs state.
"""

from __future__ import annotations

from typing import Any

from attrs import frozen

from .. import nodes as n

__all__ = ["ANY", "Type", "literal_kind", "lookup"]

#: Scalar kinds; ``record`` has fields, ``any`` is a column whose type the compiler cannot use.
KINDS = ("string", "integer", "number", "boolean", "date", "datetime", "record", "any")


@frozen
class Type:
    """A column's type: ``kind`` of each value, ``is_list`` for an array of them, and a
    record's ``fields`` (name -> Type); a ``closed`` record has no other fields."""

    kind: str
    is_list: bool = False
    fields: tuple[tuple[str, Type], ...] = ()
    closed: bool = False

    def field(self, name: str) -> Type | None:
        """The type of field ``name``: MISSING when a closed record lacks it, None unknown."""
        found = next((t for key, t in self.fields if key == name), None)
        if found is None and self.closed:
            return MISSING
        return found

    @property
    def element(self) -> Type:
        """The type of one element of a list (the type itself for a scalar)."""
        return Type(self.kind, False, self.fields, self.closed)


ANY = Type("any")
#: A path that cannot hold a value (a closed record lacks it): always missing.
MISSING = Type("missing")


def literal_kind(value: n.Value) -> str | None:
    """The column kind a literal compares with; None for a regex or duration."""
    if isinstance(value, n.String):
        return "string"
    if isinstance(value, n.Number):
        return "number"
    if isinstance(value, n.Boolean):
        return "boolean"
    if isinstance(value, n.Date | n.DateTime):
        return "datetime"
    return None


def lookup(schema: Any, root: Type | None, names: tuple[str, ...]) -> Type | None:
    """The type of ``names`` below ``root`` (a list element's record) or, with no root, in
    ``schema``: MISSING when no value can be there, None when neither says (the caller then
    guesses from the condition)."""
    if root is not None:
        found: Type | None = root
        for name in names:
            if found is None or found is MISSING:
                return found
            if found.is_list or found.kind not in ("record", "any"):
                return MISSING  # a field of a list or of a plain value
            found = found.field(name)
        return found
    if schema is None:
        return None
    if isinstance(schema, Type):
        return lookup(None, schema, names)
    try:
        found_type = schema.lookup(tuple(names))
    except (KeyError, LookupError, TypeError, ValueError):
        return None
    return MISSING if found_type is None else convert(found_type)


def convert(found: Any) -> Type | None:
    """A ``segrules.schema`` type as a column type; None for one a column cannot have a
    single SQL type for (anything, a union), where the condition's literal decides."""
    if isinstance(found, Type):
        return found
    kind = type(found).__name__
    if kind == "List":
        element = convert(found.item)
        if element is None:
            return Type("any", True)
        return Type(element.kind, True, element.fields, element.closed)
    if kind == "Record":
        fields = tuple((str(k), t) for k, v in dict(found.fields).items()
                       if (t := convert(v)) is not None)
        return Type("record", False, fields, closed=not found.open and len(fields) == len(
            found.fields))
    if kind == "Scalar":
        return Type(found.kind) if found.kind in KINDS else None
    return None
