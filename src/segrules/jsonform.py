"""The AST as plain JSON data, for storing segments in a database or editing them in a UI builder.

Every node becomes an object tagged with its class, ``{"type": "Compare", "op": "eq", ...}``, with
one key per node field, so the form is as stable as ``nodes`` itself and a builder can switch on
``type``. Values JSON cannot hold exactly are strings: decimals (``"19.90"`` keeps its digits),
dates and datetimes in ISO form, tagged ``Date``/``DateTime`` wherever they appear so the two never
blur. A document carries ``version`` so the form can change later. Spans are positions in text
and are not stored. Reading back validates everything: JSON written by hand or by another tool
gets an error naming the exact element (``segments[2].includes[0].op``), never a half-built tree.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs

from . import nodes as n
from .errors import Diagnostic, SegrulesValueError
from .limits import MAX_DIGITS, MAX_DURATION, digits, duration_problem, lone_surrogate
from .operators import AGGREGATES, OPERATORS, TIME_FUNCTIONS, UNITS

__all__ = ["VERSION", "from_json", "to_json"]

#: The version written into, and required of, a document's JSON form.
VERSION = 1


def to_json(node: object) -> dict[str, Any]:
    """The JSON form of a node, a document, or anything with a ``document`` (a book)."""
    document = getattr(node, "document", None)
    if not isinstance(node, n.Node) and isinstance(document, n.Document):
        node = document
    if not isinstance(node, n.Node):
        raise SegrulesValueError(f"cannot convert {type(node).__name__} to JSON: not a node")
    data: dict[str, Any] = {"type": type(node).__name__}
    if isinstance(node, n.Document):
        data["version"] = VERSION
    if isinstance(node, n.Date | n.DateTime):
        data["value"] = node.value.isoformat()
        return data
    for field in attrs.fields(type(node)):
        if field.eq:  # fields equality ignores are positions in text
            data[field.name] = _encode(getattr(node, field.name))
    return data


def _encode(value: object) -> Any:
    if isinstance(value, n.Node):
        return to_json(value)
    if isinstance(value, tuple):
        return [_encode(item) for item in value]
    if isinstance(value, Decimal | float):  # a float only in a hand-made Number
        return format(Decimal(repr(value)) if isinstance(value, float) else value, "f")
    # A bare date is a segment's active window; it is tagged like a value node.
    if isinstance(value, dt.datetime):
        return to_json(n.DateTime(value))
    if isinstance(value, dt.date):
        return to_json(n.Date(value))
    return value


def from_json(data: object) -> n.Node:
    """The node a JSON form describes; ``SegrulesValueError`` naming the bad element if invalid."""
    return _node(data, "", n.Node)


# --- reading: each reader takes the JSON value and its path, and returns the field's value ------

Reader = Callable[[Any, str], Any]


def _fail(path: str, message: str) -> SegrulesValueError:
    where = path or "the top level"
    return SegrulesValueError([Diagnostic("SR391", f"invalid JSON form at {where}: {message}")])


def _key(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _typed(kind: type, label: str) -> Reader:
    def read(data: Any, path: str) -> Any:
        # bool is an int in Python but never a number here, as in the language.
        if not isinstance(data, kind) or (kind is int and isinstance(data, bool)):
            raise _fail(path, f"expected {label}, not {_describe(data)}")
        return data

    return read


def _describe(data: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
             int: "a number", float: "a number", type(None): "null"}
    return names.get(type(data), type(data).__name__)


def _shown(data: Any) -> str:
    """A value in a message: a short scalar as written, anything else by its kind. An int over
    4,300 digits has no text, and a list may be too long or too deep to print."""
    if data is None or isinstance(data, str | int | float):
        try:
            text = repr(data)
        except ValueError:
            return _describe(data)
        if len(text) <= 80:
            return text
    return _describe(data)


_any_str = _typed(str, "a string")


def _str(data: Any, path: str) -> str:
    text: str = _any_str(data, path)
    if lone_surrogate(text):
        raise _fail(path, "a lone surrogate is not a character")
    return text


_bool = _typed(bool, "true or false")
_int = _typed(int, "an integer")


def _optional(read: Reader) -> Reader:
    return lambda data, path: None if data is None else read(data, path)


def _list(read: Reader) -> Reader:
    def read_list(data: Any, path: str) -> tuple[Any, ...]:
        if not isinstance(data, list):
            raise _fail(path, f"expected a list, not {_describe(data)}")
        return tuple(read(item, f"{path}[{index}]") for index, item in enumerate(data))

    return read_list


def _choice(options: tuple[str, ...] | frozenset[str], label: str) -> Reader:
    def read(data: Any, path: str) -> str:
        if data not in options:
            expected = ", ".join(sorted(options))
            raise _fail(path, f"unknown {label} {_shown(data)}; expected one of {expected}")
        return str(data)

    return read


# A number in a string is written as in the language. `Decimal` alone would also take `１`,
# `1_000`, `1e3` and surrounding spaces, which no segment text can say.
_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


def _number(data: Any, path: str) -> int | Decimal:
    if isinstance(data, int) and not isinstance(data, bool):
        return _digits(data, path)
    if isinstance(data, str) and _NUMBER.fullmatch(data):
        return _digits(Decimal(data), path)
    raise _fail(path, f"expected an integer or a decimal in a string, not {_shown(data)}")


def _digits(number: int | Decimal, path: str) -> int | Decimal:
    if digits(number) > MAX_DIGITS:
        raise _fail(path, f"a number may have at most {MAX_DIGITS} digits")
    return number


def _iso(parse: Callable[[str], Any], label: str) -> Reader:
    def read(data: Any, path: str) -> Any:
        try:
            return parse(_str(data, path))
        except ValueError:
            raise _fail(path, f"expected an ISO-8601 {label}, not {data!r}") from None

    return read


def _datetime(text: str) -> dt.datetime:
    if "T" not in text:
        raise ValueError(text)
    value = dt.datetime.fromisoformat(text)
    # Naive means UTC, as in the language (docs/language.md, "Values").
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _nodes(*kinds: type[n.Node]) -> Reader:
    return lambda data, path: _node(data, path, *kinds)


def _moment(data: Any, path: str) -> dt.date | None:
    if data is None:
        return None
    node = _node(data, path, n.Date, n.DateTime)
    return node.value  # type: ignore[attr-defined, no-any-return]


_VALUES = (n.String, n.Number, n.Boolean, n.Date, n.DateTime, n.Regex, n.Duration)
_EXPRS = (n.Compare, n.InSegment, n.AllOf, n.AnyOf, n.Not, n.Everyone)
_OPERANDS = (n.Attr, n.Aggregate, n.TimeSince)
_names = _list(_str)
_exprs = _list(_nodes(*_EXPRS))

# Per node class, the reader of each field; a missing key takes the field's default.
_FIELDS: dict[type[n.Node], dict[str, Reader]] = {
    n.String: {"value": _str},
    n.Number: {"value": _number},
    n.Boolean: {"value": _bool},
    n.Date: {"value": _iso(dt.date.fromisoformat, "date")},
    n.DateTime: {"value": _iso(_datetime, "datetime")},
    n.Regex: {"pattern": _str},
    n.Duration: {"amount": _int, "unit": _choice(frozenset(UNITS.values()), "unit")},
    n.Attr: {"names": _names, "root": _choice(("profile", "session"), "root")},
    n.Aggregate: {
        "func": _choice(AGGREGATES, "aggregate"),
        "items": _nodes(n.Attr),
        "value_path": _names,
        "where": _optional(_nodes(*_EXPRS)),
    },
    n.TimeSince: {
        "unit": _choice(tuple(TIME_FUNCTIONS.values()), "time unit"),
        "operand": _nodes(*_OPERANDS),
    },
    n.Compare: {
        "left": _nodes(*_OPERANDS),
        "op": _choice(tuple(OPERATORS), "operator"),
        "values": _list(_nodes(*_VALUES)),
        "negated": _bool,
        "ignore_case": _bool,
    },
    n.InSegment: {"name": _str},
    n.AllOf: {"items": _exprs},
    n.AnyOf: {"items": _exprs},
    n.Not: {"item": _nodes(*_EXPRS)},
    n.Everyone: {},
    n.Segment: {
        "name": _str,
        "title": _optional(_str),
        "description": _optional(_str),
        "groups": _names,
        "active_from": _moment,
        "active_until": _moment,
        "disabled": _bool,
        "stores": _names,
        "includes": _exprs,
        "excludes": _exprs,
        "include_customers": _names,
        "exclude_customers": _names,
    },
    n.Document: {"segments": _list(_nodes(n.Segment))},
}
_CLASSES = {cls.__name__: cls for cls in _FIELDS}


def _node(data: Any, path: str, *kinds: type[n.Node]) -> n.Node:
    if not isinstance(data, dict):
        raise _fail(path, f"expected an object, not {_describe(data)}")
    name = data.get("type")
    cls = _CLASSES.get(name) if isinstance(name, str) else None
    if cls is None or not issubclass(cls, kinds):
        allowed = sorted(c.__name__ for c in _FIELDS if issubclass(c, kinds))
        raise _fail(_key(path, "type"),
                    f"expected one of {', '.join(allowed)}, not {_shown(name)}")
    fields = _FIELDS[cls]
    extra = sorted(set(data) - set(fields) - {"type", "version"})
    if extra or ("version" in data and cls is not n.Document):
        bad = extra[0] if extra else "version"
        raise _fail(_key(path, bad), f"{name} has no field {bad!r}")
    if cls is n.Document and data.get("version") != VERSION:
        found = data.get("version")
        raise _fail(_key(path, "version"),
                    f"unsupported version {_shown(found)}; expected {VERSION}")
    values = {key: read(data[key], _key(path, key)) for key, read in fields.items() if key in data}
    try:
        node = cls(**values)
    except TypeError as error:  # a required field is missing
        missing = [key for key in fields if key not in data]
        raise _fail(_key(path, missing[0]) if missing else path, str(error)) from None
    _check_shape(node, path)
    return node


# Per operator arity: how many values, of which node classes, and how to say so.
_SCALARS = (n.String, n.Number, n.Boolean, n.Date, n.DateTime)
_ARITIES: dict[str, tuple[int | None, tuple[type[n.Node], ...], str]] = {
    "none": (0, (), "no values"),
    "one": (1, _SCALARS, "one value"),
    "two": (2, _SCALARS, "two values"),
    "many": (None, _SCALARS, "one or more values"),
    "regex": (1, (n.Regex,), "one Regex"),
    "duration": (1, (n.Duration,), "one Duration"),
}


def _check_shape(node: n.Node, path: str) -> None:
    """What no text could express: an empty block, or values the operator cannot take."""
    # An empty block is a syntax error in text because it silently matches everyone or no one.
    if isinstance(node, n.AllOf | n.AnyOf) and not node.items:
        raise _fail(_key(path, "items"), "an empty block matches everyone or no one")
    if isinstance(node, n.Duration) and (
        node.amount < 0 or duration_problem(node.amount, node.unit)
    ):
        limit = MAX_DURATION[node.unit]
        raise _fail(_key(path, "amount"), f"a duration of {node.unit} is 0 to {limit}")
    if isinstance(node, n.Attr) and not node.names:
        raise _fail(_key(path, "names"), "an attribute path needs at least one name")
    if isinstance(node, n.Compare):
        count, kinds, label = _ARITIES[OPERATORS[node.op].arity]
        if len(node.values) != count and not (count is None and node.values):
            raise _fail(_key(path, "values"), f"{node.op!r} takes {label}")
        for index, value in enumerate(node.values):
            if not isinstance(value, kinds):
                raise _fail(f"{_key(path, 'values')}[{index}]",
                            f"{node.op!r} cannot take a {type(value).__name__}")
