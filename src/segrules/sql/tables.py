"""Typed customer tables: profiles turned into the table shape the generated SQL reads.

The compiled queries read one row per customer with a column ``id``; attribute ``a.b`` is field
``b`` of a record column ``a`` (a STRUCT, or a PostgreSQL composite type); a list is an array; a
list of records an array of records; missing is NULL; dates are DATE or TIMESTAMP holding UTC;
non-whole numbers are exact DECIMALs (money). This module builds exactly that table from Python
profiles on each engine, so tests, benchmarks and runners put the same customers everywhere.

The column types come from the data, and a ``Schema`` overrides what the data cannot say (an ISO
string that is a date, a number column that is whole in this sample). A value the table cannot
hold as Python reads it is an error naming the attribute, never a silently different row: two
kinds in one attribute (``"5"`` and ``5``), NaN, lists of lists, text with a NUL (PostgreSQL),
names equal ignoring case (the engines' identifiers are case-insensitive).
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from decimal import Context, Decimal
from typing import Any

from attrs import frozen

from ..errors import Diagnostic, SegrulesValueError
from ..runtime import instant

__all__ = [
    "Column",
    "Kind",
    "TableType",
    "arrow_table",
    "duckdb_table",
    "json_schema",
    "postgres_table",
    "spark_frame",
    "table_type",
]

Profile = Mapping[str, Any]

# Scalar kinds; "decimal" is exact (DECIMAL(38, scale)), the rest are what the names say.
Kind = str
_KINDS = ("boolean", "integer", "decimal", "string", "date", "timestamp")
_PRECISION = 38  # the widest DECIMAL DuckDB, Spark and Arrow's decimal128 all hold
_INT64 = 2**63


@frozen
class Column:
    """The type of one attribute: a scalar ``kind``, or a list of ``item``, or a record of
    ``fields``. ``scale`` is a decimal's digits after the point."""

    kind: Kind  # one of _KINDS, "list" or "record"
    scale: int = 0
    item: Column | None = None
    fields: tuple[tuple[str, Column], ...] = ()

    def field(self, name: str) -> Column | None:
        return dict(self.fields).get(name)


TableType = Column  # the whole row: a record whose fields are the columns, `id` among them

_STRING = Column("string")
_SCALARS = {kind: Column(kind) for kind in _KINDS}
# Only None (or only empty lists) seen: any type holds that, and text is the least surprising.
_NOTHING = Column("nothing")


def _error(code: str, message: str, hint: str | None = None) -> SegrulesValueError:
    return SegrulesValueError([Diagnostic(code, message, hint=hint)])


def _shown(path: Sequence[str]) -> str:
    return ".".join(path) or "the profile"


# --- the types ------------------------------------------------------------------------------


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _written(value: float | Decimal, path: Sequence[str]) -> Decimal:
    """A number as written: a float is the decimal its shortest representation shows."""
    number = Decimal(repr(value)) if isinstance(value, float) else value
    if not number.is_finite():
        raise _error("SR361", f"`{_shown(path)}` holds {value!r}, which a DECIMAL column "
                     "cannot hold", "leave the attribute out (missing) instead")
    if not _places(number):
        return number
    # normalize() rounds to the context's precision (28 digits by default): give it them all.
    return number.normalize(Context(prec=len(number.as_tuple().digits)))


def _list_like(value: object) -> bool:
    return isinstance(value, Collection) and not isinstance(value, str | bytes | Mapping)


def _kind_of(value: object, path: tuple[str, ...]) -> Column | None:
    """The column type one value asks for; None for a missing value."""
    if value is None:
        return None
    if isinstance(value, bool):
        return _SCALARS["boolean"]
    if isinstance(value, int):
        return _SCALARS["integer"] if -_INT64 <= value < _INT64 else _SCALARS["decimal"]
    if isinstance(value, float | Decimal):
        return Column("decimal", _places(_written(value, path)))
    if isinstance(value, str):
        # Text that is an ISO-8601 date is a date column: the date operators read it as one.
        if instant(value) is None:
            return _STRING
        return _ISO_DATE if len(value) == 10 else _ISO_TIMESTAMP
    if isinstance(value, dt.datetime):
        return _SCALARS["timestamp"]
    if isinstance(value, dt.date):
        return _SCALARS["date"]
    if isinstance(value, Mapping):
        return _record_of([value], path)
    if _list_like(value):
        item: Column | None = None
        for element in value:  # type: ignore[attr-defined]
            if _list_like(element):
                raise _error("SR362", f"`{_shown(path)}` holds a list of lists, which the "
                             "table shape has no column for",
                             "make the inner lists records (objects) with a named field")
            item = _unify(item, _kind_of(element, path), path)
        return Column("list", item=item)  # no item type yet: only empty lists seen
    raise _error("SR361", f"`{_shown(path)}` holds a {type(value).__name__}, which no column "
                 "type holds", "give numbers, strings, booleans, dates, lists or records")


def _record_of(records: Iterable[Mapping[str, Any]], path: tuple[str, ...]) -> Column:
    fields: dict[str, Column | None] = {}
    for record in records:
        for name, value in record.items():
            if not isinstance(name, str):
                raise _error("SR361", f"`{_shown(path)}` has a key {name!r} that is not text")
            fields[name] = _unify(fields.get(name), _kind_of(value, (*path, name)),
                                  (*path, name))
    return _checked_record({name: kind or _NOTHING for name, kind in fields.items()}, path)


def _checked_record(fields: Mapping[str, Column], path: tuple[str, ...]) -> Column:
    seen: dict[str, str] = {}
    for name in fields:
        other = seen.setdefault(name.casefold(), name)
        if other != name:
            raise _error("SR363", f"`{_shown((*path, other))}` and `{_shown((*path, name))}` "
                         "differ only in case, and DuckDB, Spark and PostgreSQL name columns "
                         "without case", "rename one of them")
        if not name or "\x00" in name:
            raise _error("SR363", f"{_shown(path)} has an attribute named {name!r}, which no "
                         "engine can name a column")
    return Column("record", fields=tuple(fields.items()))


_WIDER = {frozenset({"integer", "decimal"}): "decimal", frozenset({"date", "timestamp"}):
          "timestamp"}
# The scale of a date or timestamp column seen only as ISO text so far: text that is not a date
# turns the column back into text, while a real date beside text is two kinds.
_ISO = -1
_ISO_DATE, _ISO_TIMESTAMP = Column("date", scale=_ISO), Column("timestamp", scale=_ISO)


def _unify(left: Column | None, right: Column | None, path: tuple[str, ...]) -> Column | None:
    """The one column type that holds values of both types, exactly as Python reads them."""
    if left is None or right is None or left.kind == "nothing" or right.kind == "nothing":
        return right if left is None or left.kind == "nothing" else left
    if left is right or left == right:
        return left
    if left.kind == right.kind == "list":
        return Column("list", item=_unify(left.item, right.item, path))
    if left.kind == right.kind == "record":
        fields = dict(left.fields)
        for name, kind in right.fields:
            fields[name] = _unify(fields.get(name), kind, (*path, name)) or _NOTHING
        return _checked_record(fields, path)
    iso = {left.kind, right.kind} <= {"date", "timestamp", "string"} and (
        left.scale == _ISO or left.kind == "string") and (right.scale == _ISO or
                                                          right.kind == "string")
    if iso and "string" in (left.kind, right.kind):
        return _STRING
    wider = left.kind if left.kind == right.kind else _WIDER.get(frozenset({left.kind,
                                                                             right.kind}))
    if wider is None:
        raise _error("SR364", f"`{_shown(path)}` holds both {_a(left)} and {_a(right)}; a "
                     "column holds one type", "give the attribute one type in every profile, "
                     "or describe it with a schema")
    scale = _ISO if left.scale == right.scale == _ISO else max(left.scale, right.scale, 0)
    return Column(wider, scale=scale)


def _a(column: Column) -> str:
    return {"integer": "an integer", "list": "a list", "record": "a record"}.get(
        column.kind, f"a {column.kind}")


def table_type(profiles: Iterable[Profile], schema: Any = None) -> TableType:
    """The row type holding ``profiles``: an ``id`` column, then every attribute seen.

    ``schema`` (a ``segrules.Schema``) adds the attributes it knows and decides the kinds the
    data alone cannot (ISO strings that are dates, whole numbers in a money column).
    """
    row = _record_of(profiles, ())
    fields = dict(row.fields)
    if schema is not None:
        fields = _with_schema(fields, schema)
    fields.setdefault("id", _STRING)
    return _settled(_checked_record({"id": fields.pop("id"), **fields}, ()))


def _settled(column: Column | None) -> Column:
    """``column`` with every type the data left open made text."""
    if column is None or column.kind == "nothing":
        return _STRING
    if column.kind == "list":
        return Column("list", item=_settled(column.item))
    if column.kind == "record":
        return Column("record", fields=tuple((f, _settled(sub)) for f, sub in column.fields))
    return Column(column.kind, max(column.scale, 0))


def _with_schema(fields: dict[str, Column], schema: Any) -> dict[str, Column]:
    declared = dict(_declared(schema.profile, ()).fields)
    merged = dict(declared)
    for name, seen in fields.items():
        merged[name] = _overlay(declared.get(name), seen)
    return merged


_SCHEMA_KINDS = {"string": "string", "integer": "integer", "number": "decimal",
                 "boolean": "boolean", "date": "date", "datetime": "timestamp"}


def _declared(kind: Any, path: tuple[str, ...]) -> Column:
    """The column for a schema type (``segrules.schema``): the kinds a table can hold."""
    name = type(kind).__name__
    if name == "Scalar":
        return Column(_SCHEMA_KINDS[kind.kind])
    if name == "List":
        return Column("list", item=_declared(kind.item, path))
    if name == "Record":
        return _checked_record({field: _declared(sub, (*path, field))
                                for field, sub in kind.fields.items()}, path)
    if name == "Union":
        options = [_declared(option, path) for option in kind.options]
        merged: Column | None = None
        for option in options:
            merged = _unify(merged, option, path)
        return merged or _NOTHING
    return _NOTHING  # Anything: the data decides


def _overlay(declared: Column | None, seen: Column) -> Column:
    """The schema's type where it has one; the data's scale, so decimals stay exact."""
    if declared is None or declared.kind == "nothing":
        return seen
    if declared.kind == "record" and seen.kind == "record":
        fields = dict(declared.fields)
        for name, kind in seen.fields:
            fields[name] = _overlay(fields.get(name), kind)
        return Column("record", fields=tuple(fields.items()))
    if declared.kind == "list" and seen.kind == "list":
        assert declared.item is not None and seen.item is not None
        return Column("list", item=_overlay(declared.item, seen.item))
    if declared.kind == "decimal":
        return Column("decimal", scale=max(declared.scale, seen.scale))
    return declared


# --- values ---------------------------------------------------------------------------------

_UTC = dt.UTC


def _timestamp(value: object, path: tuple[str, ...]) -> dt.datetime:
    if isinstance(value, str):
        value = _moment(value, path)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(_UTC).replace(tzinfo=None)
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)  # midnight UTC
    raise _mismatch(value, "timestamp", path)


def _date(value: object, path: tuple[str, ...]) -> dt.date:
    if isinstance(value, str):
        moment = _moment(value, path)
        value = moment.date() if len(value) == 10 else moment
    if isinstance(value, dt.datetime):
        raise _error("SR364", f"`{_shown(path)}` holds a datetime in a date column",
                     "declare the attribute as date-time in the schema")
    if isinstance(value, dt.date):
        return value
    raise _mismatch(value, "date", path)


def _moment(text: str, path: tuple[str, ...]) -> dt.datetime:
    moment = instant(text)  # the same ISO-8601 reading the date operators use
    if moment is None:
        raise _error("SR364", f"`{_shown(path)}` holds {text!r}, which is not an ISO-8601 "
                     "date or datetime", "fix the value or leave the attribute out")
    return moment


def _mismatch(value: object, kind: str, path: tuple[str, ...]) -> SegrulesValueError:
    return _error("SR364", f"`{_shown(path)}` holds {value!r} in a {kind} column")


def _cell(value: object, column: Column, path: tuple[str, ...]) -> object:
    """``value`` as the column stores it (None for missing)."""
    if value is None:
        return None
    kind = column.kind
    if kind == "record":
        if not isinstance(value, Mapping):
            raise _mismatch(value, "record", path)
        unknown = set(value) - {name for name, _ in column.fields}
        if unknown:
            raise _error("SR364", f"`{_shown(path)}` has fields the table type does not: "
                         f"{', '.join(sorted(map(str, unknown)))}")
        return {name: _cell(value.get(name), sub, (*path, name)) for name, sub in column.fields}
    if kind == "list":
        if not _list_like(value):
            raise _mismatch(value, "list", path)
        assert column.item is not None
        return [_cell(element, column.item, path) for element in value]  # type: ignore[attr-defined]
    if kind == "timestamp":
        return _timestamp(value, path)
    if kind == "date":
        return _date(value, path)
    if isinstance(value, bool) != (kind == "boolean"):
        raise _mismatch(value, kind, path)
    if kind == "boolean":
        return value
    if kind == "string":
        if not isinstance(value, str):
            raise _mismatch(value, kind, path)
        if any("\ud800" <= c <= "\udfff" for c in value):
            raise _error("SR361", f"`{_shown(path)}` holds {value!r}, text that is not valid "
                         "Unicode (a lone surrogate)")
        return value
    if not isinstance(value, int | float | Decimal):
        raise _mismatch(value, kind, path)
    if kind == "integer":
        if not isinstance(value, int):
            raise _mismatch(value, kind, path)
        return value
    number = _written(value, path) if not isinstance(value, int) else Decimal(value)
    if len(number.as_tuple().digits) - _places(number) > _PRECISION - column.scale:
        raise _error("SR361", f"`{_shown(path)}` holds {value!r}, too large for "
                     f"DECIMAL({_PRECISION}, {column.scale})")
    return number


def _rows(profiles: Iterable[Profile], row: TableType) -> Iterator[dict[str, object]]:
    for profile in profiles:
        yield _cell(profile, row, ())  # type: ignore[misc]


def _typed(profiles: Iterable[Profile], schema: object,
           row: TableType | None) -> tuple[list[Profile], TableType]:
    people = list(profiles)
    return people, row or table_type(people, schema)


# --- Arrow and DuckDB ------------------------------------------------------------------------


def _arrow_type(column: Column) -> Any:
    import pyarrow as pa

    scalars: dict[str, Callable[[], Any]] = {
        "boolean": pa.bool_, "integer": pa.int64, "string": pa.string, "date": pa.date32,
        "timestamp": lambda: pa.timestamp("us"),
        "decimal": lambda: pa.decimal128(_PRECISION, column.scale),
    }
    if column.kind == "list":
        assert column.item is not None
        return pa.list_(_arrow_type(column.item))
    if column.kind == "record":
        return pa.struct([(name, _arrow_type(sub)) for name, sub in column.fields])
    return scalars[column.kind]()


def arrow_table(profiles: Iterable[Profile], schema: object = None, *,
                row: TableType | None = None) -> Any:
    """A ``pyarrow.Table`` of ``profiles`` in the table shape (``row``: a type to use as is)."""
    import pyarrow as pa

    people, row = _typed(profiles, schema, row)
    arrow_schema = pa.schema([(name, _arrow_type(sub)) for name, sub in row.fields])
    return pa.Table.from_pylist(list(_rows(people, row)), schema=arrow_schema)


def duckdb_table(connection: Any, name: str, profiles: Iterable[Profile], schema: object = None,
                 *, temporary: bool = False, row: TableType | None = None) -> TableType:
    """Create (or replace) table ``name`` holding ``profiles`` in a DuckDB connection."""
    data = arrow_table(profiles, schema, row=row)
    view = "__segrules_arrow"
    connection.register(view, data)
    try:
        temp = "TEMP " if temporary else ""
        connection.execute(f"CREATE OR REPLACE {temp}TABLE {_quoted(name)} AS SELECT * FROM "
                           f"{view}")
    finally:
        connection.unregister(view)
    return _row_of(data)


def _row_of(data: Any) -> TableType:
    return _from_arrow(data.schema)


def _from_arrow(arrow_schema: Any) -> TableType:
    import pyarrow as pa

    def column(kind: Any) -> Column:
        if pa.types.is_struct(kind):
            return Column("record", fields=tuple((kind.field(i).name, column(kind.field(i).type))
                                                 for i in range(kind.num_fields)))
        if pa.types.is_list(kind):
            return Column("list", item=column(kind.value_type))
        if pa.types.is_decimal(kind):
            return Column("decimal", scale=kind.scale)
        if pa.types.is_timestamp(kind):
            return Column("timestamp")
        if pa.types.is_date(kind):
            return Column("date")
        if pa.types.is_boolean(kind):
            return Column("boolean")
        if pa.types.is_integer(kind):
            return Column("integer")
        return _STRING

    return Column("record", fields=tuple((f.name, column(f.type)) for f in arrow_schema))


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# --- PostgreSQL ------------------------------------------------------------------------------

_PG_SCALARS = {"boolean": "boolean", "integer": "bigint", "string": "text",
               "date": "date", "timestamp": "timestamp"}


def _pg_check_name(name: str) -> None:
    if len(name.encode("utf-8")) > 63:
        raise _error("SR363", f"the name {name!r} is longer than the 63 bytes PostgreSQL "
                     "keeps of a name", "shorten the attribute or table name")


def postgres_table(connection: Any, name: str, profiles: Iterable[Profile],
                   schema: object = None, *, row: TableType | None = None) -> TableType:
    """Create (or replace) table ``name`` holding ``profiles`` in PostgreSQL (psycopg 3).

    Records become composite types named ``<name>_r1``, ``<name>_r2``, … (dropped and made
    again with the table); the rows travel as JSON and ``jsonb_populate_record`` types them,
    so nested records and lists of records arrive exactly as the composite types say.
    """
    people, row = _typed(profiles, schema, row)
    _pg_check_name(name)
    types: list[tuple[str, str]] = []

    def declared(column: Column) -> str:
        if column.kind == "list":
            assert column.item is not None
            return declared(column.item) + "[]"
        if column.kind == "record":
            fields = ", ".join(f"{_quoted(f)} {collated(sub)}" for f, sub in column.fields)
            type_name = f"{name}_r{len(types) + 1}"
            _pg_check_name(type_name)
            types.append((type_name, fields))
            return _quoted(type_name)
        if column.kind == "decimal":
            return f"numeric({_PRECISION}, {column.scale})"
        return _PG_SCALARS[column.kind]

    def collated(column: Column) -> str:
        # Text orders by code point, as Python's str does: the "C" collation (UTF-8 bytes).
        base = column
        while base.kind == "list" and base.item is not None:
            base = base.item
        return declared(column) + (' COLLATE "C"' if base.kind == "string" else "")

    for field, _ in row.fields:
        _pg_check_name(field)
    columns = ", ".join(f"{_quoted(f)} {collated(sub)}" for f, sub in row.fields)
    documents = [_json_document(cells) for cells in _rows(people, row)]
    with connection.transaction(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_quoted(name)}")
        for type_name, _ in reversed(types):
            cursor.execute(f"DROP TYPE IF EXISTS {_quoted(type_name)}")
        for type_name, fields in types:
            cursor.execute(f"CREATE TYPE {_quoted(type_name)} AS ({fields})")
        cursor.execute(f"CREATE TABLE {_quoted(name)} ({columns})")
        cursor.execute("CREATE TEMP TABLE __segrules_rows (doc jsonb) ON COMMIT DROP")
        with cursor.copy("COPY __segrules_rows (doc) FROM STDIN") as copy:
            for document in documents:
                copy.write_row((document,))
        cursor.execute(f"INSERT INTO {_quoted(name)} SELECT (jsonb_populate_record(NULL::"
                       f"{_quoted(name)}, doc)).* FROM __segrules_rows")
    return row


def _json_document(cells: dict[str, object]) -> str:
    def plain(value: object) -> object:
        # Decimals travel as text so no digit is lost to a float on the way.
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, str) and "\x00" in value:
            raise _error("SR361", f"{value!r} contains a NUL character, which PostgreSQL "
                         "text cannot hold")
        if isinstance(value, dict):
            return {key: plain(item) for key, item in value.items()}
        if isinstance(value, list):
            return [plain(item) for item in value]
        return value

    return json.dumps(plain(cells), ensure_ascii=False, allow_nan=False)


# --- Spark ------------------------------------------------------------------------------------


def spark_frame(spark: Any, profiles: Iterable[Profile], schema: object = None, *,
                row: TableType | None = None) -> Any:
    """A Spark DataFrame of ``profiles`` in the table shape.

    Timestamps are TIMESTAMP_NTZ holding UTC, as a Parquet file written by Arrow reads back;
    text other than the id is in NFC (Spark cannot normalise it in a query).
    """
    from pyspark.sql import types as T

    people, row = _typed(profiles, schema, row)

    def spark_type(column: Column) -> Any:
        if column.kind == "list":
            assert column.item is not None
            return T.ArrayType(spark_type(column.item), True)
        if column.kind == "record":
            return T.StructType([T.StructField(f, spark_type(sub), True)
                                 for f, sub in column.fields])
        return {"boolean": T.BooleanType(), "integer": T.LongType(), "string": T.StringType(),
                "date": T.DateType(), "timestamp": T.TimestampNTZType(),
                "decimal": T.DecimalType(_PRECISION, column.scale)}[column.kind]

    def tupled(value: object, column: Column) -> object:
        # Spark takes records as tuples in field order. It has no Unicode normalisation, so
        # its text is stored in NFC, the form Python compares text in.
        if value is None:
            return None
        if isinstance(value, str):
            return unicodedata.normalize("NFC", value)
        if column.kind == "record":
            assert isinstance(value, dict)
            return tuple(tupled(value[f], sub) for f, sub in column.fields)
        if column.kind == "list":
            assert isinstance(value, list) and column.item is not None
            return [tupled(item, column.item) for item in value]
        return value

    def top(cells: dict[str, object]) -> tuple[object, ...]:
        # The id stays as written: explicit lists and membership stores match it exactly.
        return tuple(cells[f] if f == "id" else tupled(cells[f], sub) for f, sub in row.fields)

    data = [top(cells) for cells in _rows(people, row)]
    return spark.createDataFrame(data, spark_type(row), verifySchema=False)


# --- the schema of a table ----------------------------------------------------------------

_JSON_TYPES = {"boolean": {"type": "boolean"}, "integer": {"type": "integer"},
               "decimal": {"type": "number"}, "string": {"type": "string"},
               "date": {"type": "string", "format": "date"},
               "timestamp": {"type": "string", "format": "date-time"}}


def json_schema(row: TableType) -> dict[str, Any]:
    """The JSON Schema of a table type (every attribute may be missing), for
    ``segrules.Schema.from_json_schema``: the types a compiled query should assume."""

    def described(column: Column) -> dict[str, Any]:
        if column.kind == "record":
            return {"type": "object", "additionalProperties": False,
                    "properties": {f: nullable(sub) for f, sub in column.fields}}
        if column.kind == "list":
            assert column.item is not None
            return {"type": "array", "items": nullable(column.item)}
        return dict(_JSON_TYPES[column.kind])

    def nullable(column: Column) -> dict[str, Any]:
        schema = described(column)
        schema["type"] = [schema["type"], "null"]
        return schema

    return described(row)
