"""Reading customer profiles from files, for previews, explanations and batch membership exports.

A customer file is read lazily, one profile at a time, so exporting the membership of ten million
customers needs the memory of one. Three formats are understood, chosen by extension or named:

- **JSON Lines** (``.jsonl``, ``.ndjson``, ``.json``): one JSON object per line; blank lines are
  skipped. Dates stay ISO strings, which every date operator accepts.
- **CSV** (``.csv``): a header row, then one customer per row. A column is a string unless its
  header names a type after a colon: ``age:int``, ``income:float``, ``vip:bool``
  (true/false, yes/no, 1/0), ``birth_date:date``, ``signup_at:datetime`` (ISO-8601, naive = UTC),
  ``tags:list`` (``;``-separated strings), ``meta:json`` (any JSON value; ``[]`` is an empty
  list). An empty cell is a missing attribute. A dotted header (``address.country_code``) builds
  nested records, so ``address.country_code is "US"`` reads it.
- **Parquet** (``.parquet``): column types are Parquet's own (maps become records; nanosecond
  timestamps, times and durations are cut to whole microseconds, which is what Python holds);
  needs the optional ``pyarrow``.

Bad input stops the read with one ``CustomerDataError`` naming the file and the line (or row):
``customers.jsonl:17: not a JSON object: Expecting ',' delimiter``.

Membership exports go the other way, in the same three formats and as a stream too: one row per
customer, ``id, segments, groups`` (in CSV the lists are ``;``-separated, as a ``:list`` column
reads them). Text that is not valid Unicode (a lone surrogate such as ``\\ud800``, which JSON
can spell) is written as a ``\\uXXXX`` escape: a JSON escape in JSON, the same six characters in
CSV and Parquet, whose text must be UTF-8.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import importlib
import itertools
import json
import math
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, BinaryIO, TypeVar

from .errors import SegrulesError

__all__ = ["COLUMN_TYPES", "FORMATS", "CustomerDataError", "CustomerFile", "Row",
           "escape_surrogates", "format_for", "import_parquet", "json_kind", "json_text",
           "write_members", "write_members_parquet"]

FORMATS = ("jsonl", "csv", "parquet")
_EXTENSIONS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv",
               ".parquet": "parquet"}
_PARQUET_BATCH = 4096
_PARQUET_ROWS = 10_000
_TRUE = frozenset({"true", "t", "yes", "y", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "0"})

_JSON_KINDS = {list: "an array", dict: "an object", str: "a string", int: "a number",
               float: "a number", bool: "a boolean", type(None): "null"}
_SURROGATE = re.compile("[\ud800-\udfff]")
_SHOWN_CELL = 40

Profile = dict[str, Any]
#: One exported row: the customer's id, their segments and their groups.
Row = tuple[str | None, Sequence[str], Sequence[str]]
_Combination = TypeVar("_Combination")
#: How many combinations of segments and groups a membership export remembers at once.
_COMBINATIONS = 1 << 16


class CustomerDataError(SegrulesError):
    """A customer file that cannot be read: missing, malformed, or of an unknown format."""


def format_for(path: str | os.PathLike[str], format: str | None = None) -> str:
    """The format of ``path``: ``format`` when given, else the one its extension names."""
    if format is not None:
        if format not in FORMATS:
            raise CustomerDataError(f"unknown customer file format {format!r} "
                                    f"(known: {', '.join(FORMATS)})")
        return format
    found = _EXTENSIONS.get(Path(path).suffix.lower())
    if found is None:
        known = ", ".join(_EXTENSIONS)
        raise CustomerDataError(f"{path}: cannot tell the format from the extension "
                                f"(use {known}, or name the format)")
    return found


def json_kind(value: object) -> str:
    """What ``value`` is, in JSON's words: "an array", "a string", "null", …"""
    return _JSON_KINDS.get(type(value), "a value")


def escape_surrogates(text: str) -> str:
    """``text`` with every lone surrogate written as a ``\\uXXXX`` escape, so it can be encoded."""
    return _SURROGATE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def _escaped(text: str) -> str:
    """``escape_surrogates(text)``, at once for ASCII text (most ids)."""
    return text if text.isascii() else escape_surrogates(text)


def _shown(cell: str) -> str:
    """A cell quoted in an error message: the first characters of a long one."""
    return repr(cell if len(cell) <= _SHOWN_CELL else cell[:_SHOWN_CELL] + "…")


def _boolean(text: str) -> bool:
    folded = text.strip().casefold()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise ValueError(text)


def _list(text: str) -> list[str]:
    return [item.strip() for item in text.split(";") if item.strip()]


#: The CSV column types a header may name after a colon, and how a cell of each is read.
COLUMN_TYPES: dict[str, Callable[[str], object]] = {
    "str": str,
    "int": lambda text: int(text.strip()),
    "float": lambda text: float(text.strip()),
    "bool": _boolean,
    "date": lambda text: dt.date.fromisoformat(text.strip()),
    "datetime": lambda text: dt.datetime.fromisoformat(text.strip()),
    "list": _list,
    "json": json.loads,
}


class _Column:
    """One CSV column: the header as written, the attribute path it fills, how cells are read."""

    __slots__ = ("convert", "header", "kind", "path")

    def __init__(self, header: str, where: str) -> None:
        name, colon, kind = header.strip().rpartition(":")
        if not colon:
            name, kind = kind, "str"
        if kind not in COLUMN_TYPES:
            raise CustomerDataError(f"{where}: column {header!r} has unknown type {kind!r} "
                                    f"(known: {', '.join(COLUMN_TYPES)})")
        path = tuple(name.split("."))
        if not all(path):
            raise CustomerDataError(f"{where}: column {header!r} has an empty attribute name")
        self.header, self.kind, self.path = header, kind, path
        self.convert = COLUMN_TYPES[kind]


def _columns(header: list[str], where: str) -> list[_Column]:
    columns = [_Column(text, where) for text in header]
    paths: dict[tuple[str, ...], str] = {}
    for column in columns:
        if column.path in paths:
            raise CustomerDataError(f"{where}: column {column.header!r} appears twice")
        paths[column.path] = column.header
    for column in columns:
        for cut in range(1, len(column.path)):
            if column.path[:cut] in paths:
                raise CustomerDataError(f"{where}: column {column.header!r} is inside column "
                                        f"{paths[column.path[:cut]]!r}, which holds a value")
    return columns


def _put(profile: Profile, path: tuple[str, ...], value: object) -> None:
    for name in path[:-1]:
        profile = profile.setdefault(name, {})
    profile[path[-1]] = value


class CustomerFile:
    """A customer file read one profile at a time: ``for profile in CustomerFile(path): …``.

    Construction checks that the file exists and that its format is known, so a typo in a path
    fails before any work; each iteration reads the file again from the start.
    """

    def __init__(self, path: str | os.PathLike[str], format: str | None = None) -> None:
        self.path = Path(path)
        self.name = str(path)
        self.format = format_for(path, format)
        if not self.path.exists():
            raise CustomerDataError(f"{self.name}: no such file")
        if self.path.is_dir():
            raise CustomerDataError(f"{self.name}: is a folder, not a customer file")
        if self.format == "parquet":
            import_parquet()

    def __iter__(self) -> Iterator[Profile]:
        readers = {"jsonl": self._jsonl, "csv": self._csv, "parquet": self._parquet}
        try:
            yield from readers[self.format]()
        except OSError as error:
            raise CustomerDataError(f"{self.name}: cannot read ({error.strerror})") from None

    def count(self) -> int | None:
        """About how many customers the file holds, for a progress bar; None when unknown.

        Rows are counted, not read: reading reports any problem with the file itself. A pipe
        (``--customers <(…)``) is not counted: counting would consume what the read needs.
        """
        try:
            if not self.path.is_file():
                return None
            if self.format == "parquet":
                return int(import_parquet().ParquetFile(self.path).metadata.num_rows)
            lines = 0
            with self.path.open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    lines += chunk.count(b"\n")
        except (OSError, ValueError):
            return None
        return max(0, lines - 1) if self.format == "csv" else lines

    def _error(self, line: int, message: str) -> CustomerDataError:
        return CustomerDataError(f"{self.name}:{line}: {message}")

    def _lines(self, handle: BinaryIO) -> Iterator[str]:
        """The file's lines, decoded one by one so a bad byte is reported on its own line."""
        for number, raw in enumerate(handle, 1):
            try:
                yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as error:
                raise self._error(number, f"not UTF-8 text ({error.reason})") from None

    def _jsonl(self) -> Iterator[Profile]:
        with self.path.open("rb") as handle:
            for number, line in enumerate(self._lines(handle), 1):
                if not line.strip():
                    continue
                try:
                    profile = json.loads(line)
                except json.JSONDecodeError as error:
                    hint = " (a JSON array? write one object per line)" if (
                        number == 1 and line.lstrip().startswith("[")) else ""
                    raise self._error(number, f"not a JSON object: {error.msg}{hint}") from None
                except RecursionError:
                    raise self._error(number, "not a JSON object: nested too deeply") from None
                except ValueError:
                    # Python refuses to read integers longer than its digit limit.
                    limit = sys.get_int_max_str_digits()
                    raise self._error(number, "not a JSON object: a number with more than "
                                              f"{limit} digits") from None
                if not isinstance(profile, dict):
                        raise self._error(number, f"not a JSON object: found {json_kind(profile)}")
                yield profile

    def _csv(self) -> Iterator[Profile]:
        with self.path.open("rb") as handle:
            reader = csv.reader(self._lines(handle), strict=True)
            try:
                header = next(reader, None)
                if header is None:
                    return
                columns = _columns(header, f"{self.name}:1")
                for row in reader:
                    if not row:
                        continue
                    if len(row) != len(columns):
                        raise self._error(reader.line_num, f"{len(row)} fields, but the header "
                                                           f"has {len(columns)}")
                    yield self._profile(columns, row, reader.line_num)
            except csv.Error as error:
                raise self._error(reader.line_num, f"malformed CSV: {error}") from None

    def _profile(self, columns: list[_Column], row: list[str], line: int) -> Profile:
        profile: Profile = {}
        for column, cell in zip(columns, row, strict=True):
            if cell == "":
                continue
            try:
                value = column.convert(cell)
            except ValueError as error:
                reason = f" ({error.msg})" if isinstance(error, json.JSONDecodeError) else ""
                raise self._error(line, f"column {column.header!r}: not a valid {column.kind}: "
                                        f"{_shown(cell)}{reason}") from None
            _put(profile, column.path, value)
        return profile

    def _parquet(self) -> Iterator[Profile]:
        pq = import_parquet()
        try:
            table = pq.ParquetFile(self.path)
        except (OSError, ValueError) as error:
            # pyarrow's ArrowInvalid is a ValueError; its IO errors are OSErrors without errno.
            raise CustomerDataError(f"{self.name}: not a Parquet file ({error})") from None
        first = 1
        try:
            for batch in table.iter_batches(batch_size=_PARQUET_BATCH):
                columns = [self._parquet_values(column, name, first)
                           for column, name in zip(batch.columns, batch.schema.names,
                                                   strict=True)]
                for values in zip(*columns, strict=True):
                    yield dict(zip(batch.schema.names, values, strict=True))
                first += batch.num_rows
        except (OSError, ValueError) as error:
            # A file whose footer reads but whose data pages do not.
            raise CustomerDataError(f"{self.name}: not a readable Parquet file ({error})"
                                    ) from None

    def _parquet_values(self, column: Any, name: str, first: int) -> list[object]:
        """One column of a batch as Python values; a value Python cannot hold names its row."""
        python = _python_type(column.type)
        if python != column.type:
            # Nanoseconds have no Python type: cut to microseconds, as pandas' to_pydatetime.
            column = column.cast(python, safe=False)
        try:
            return list(column.to_pylist(maps_as_pydicts="strict"))
        except (ValueError, OverflowError, KeyError):
            for row in range(len(column)):
                try:
                    column[row].as_py(maps_as_pydicts="strict")
                except (ValueError, OverflowError) as error:
                    reason = ("a date or time outside the years 1 to 9999"
                              if isinstance(error, OverflowError) or "out of range" in str(error)
                              else f"cannot be read ({error})")
                    raise CustomerDataError(f"{self.name}: row {first + row}, column "
                                            f"{name!r}: {reason}") from None
                except KeyError:
                    raise CustomerDataError(f"{self.name}: row {first + row}, column "
                                            f"{name!r}: a map with a key twice") from None
            raise


def _python_type(kind: Any) -> Any:
    """``kind`` with every nanosecond unit made microseconds, inside lists, structs and maps."""
    pa = importlib.import_module("pyarrow")
    types = pa.types
    if types.is_timestamp(kind) and kind.unit == "ns":
        return pa.timestamp("us", tz=kind.tz)
    if types.is_time64(kind) and kind.unit == "ns":
        return pa.time64("us")
    if types.is_duration(kind) and kind.unit == "ns":
        return pa.duration("us")
    if types.is_dictionary(kind):
        return _python_type(kind.value_type)
    if types.is_map(kind):
        return pa.map_(_python_type(kind.key_type), _python_type(kind.item_type))
    if types.is_list(kind) or types.is_large_list(kind):
        maker = pa.list_ if types.is_list(kind) else pa.large_list
        return maker(kind.value_field.with_type(_python_type(kind.value_type)))
    if types.is_fixed_size_list(kind):
        return pa.list_(kind.value_field.with_type(_python_type(kind.value_type)),
                        kind.list_size)
    if types.is_struct(kind):
        return pa.struct([field.with_type(_python_type(field.type)) for field in kind])
    return kind


def import_parquet() -> Any:
    """``pyarrow.parquet``, imported on first use: Parquet support is an optional extra."""
    try:
        # By name: pyarrow ships no type information, and this keeps it out of mypy's way.
        return importlib.import_module("pyarrow.parquet")
    except ImportError:
        raise CustomerDataError("Parquet files need pyarrow, which is not installed "
                                "(pip install pyarrow)") from None


# --- membership exports -------------------------------------------------------------------------


def _json_value(value: object) -> object:
    """``value`` made of what JSON can spell: a float that is not a number is its name as text
    (``"NaN"``, ``"-Infinity"``), as JSON has no such number."""
    if isinstance(value, dict):
        return {key if isinstance(key, str) else str(_json_value(key)): _json_value(item)
                for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_value(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)  # keeps every digit, as the language's decimals do
    return str(value)


def json_text(data: object, indent: int | None = None) -> str:
    """``data`` as strict JSON, on one line unless ``indent`` is given: dates and datetimes
    (from CSV or Parquet) as ISO text, lone surrogates as ``\\uXXXX`` escapes so the text can be
    written as UTF-8."""
    text = json.dumps(_json_value(data), ensure_ascii=False, allow_nan=False, indent=indent)
    # A lone surrogate can only stand inside a JSON string, where its escape means the same.
    return escape_surrogates(text)


def per_combination(convert: Callable[..., _Combination]) -> Callable[..., _Combination]:
    """``convert`` remembered for the last ``_COMBINATIONS`` arguments it was given (which
    must be hashable): customers share few combinations of segments and groups, so most rows
    of an export cost a look-up instead of working every name out again."""
    return functools.lru_cache(maxsize=_COMBINATIONS)(convert)


def write_members(format: str, rows: Iterable[Row], out: IO[str]) -> None:
    """Write membership ``rows`` to a text stream as ``jsonl`` or ``csv``, one row at a time."""
    if format == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["id", "segments", "groups"])
        cells = per_combination(lambda names, groups: (escape_surrogates(";".join(names)),
                                                       escape_surrogates(";".join(groups))))
        for customer, names, groups in rows:
            writer.writerow((_escaped(customer or ""), *cells(tuple(names), tuple(groups))))
        return
    # Rows hold only text and lists of text, which `json_text` would pass through unchanged:
    # one encoder for every row writes the same bytes in a tenth of the time. A line is the
    # encoded id between a fixed head and its combination's tail (one escape applies per
    # character, so escaping the parts escapes the line).
    encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
    encode_id = json.encoder.encode_basestring  # what `encode` uses for text
    head = '{"id": '
    start = len(head + "null")

    def tail(names: Sequence[str], groups: Sequence[str]) -> str:
        line = encode({"id": None, "segments": list(names), "groups": list(groups)})
        return escape_surrogates(line[start:]) + "\n"

    tails = per_combination(tail)
    for customer, names, groups in rows:
        shown = "null" if customer is None else _escaped(encode_id(customer))
        out.write(head + shown + tails(tuple(names), tuple(groups)))


def write_members_parquet(rows: Iterable[Row], path: str | os.PathLike[str]) -> None:
    """Write membership ``rows`` to a Parquet file in row groups, never holding them all."""
    pq = import_parquet()
    pa = importlib.import_module("pyarrow")  # present once pyarrow.parquet is

    schema = pa.schema([("id", pa.string()), ("segments", pa.list_(pa.string())),
                        ("groups", pa.list_(pa.string()))])
    lists = per_combination(lambda names, groups: ([escape_surrogates(name) for name in names],
                                                   [escape_surrogates(group) for group in groups]))
    remaining = iter(rows)
    with pq.ParquetWriter(path, schema) as writer:
        while batch := list(itertools.islice(remaining, _PARQUET_ROWS)):
            batch = [(None if customer is None else _escaped(customer),
                      *lists(tuple(names), tuple(groups))) for customer, names, groups in batch]
            columns = [list(column) for column in zip(*batch, strict=True)]
            writer.write_table(pa.table(columns, schema=schema))
