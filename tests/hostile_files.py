"""Hostile files for the CLI: customer files (JSON Lines, CSV, Parquet), session files, output
paths and command lines, built from the example customers and segments with hostile edits.

A case is a folder holding the files and the argument list of one ``segrules`` command; the
laws in ``campaign`` run it. Everything is drawn from a ``random.Random`` so a seed replays a
case exactly.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import functools
import importlib.util
import io
import json
import math
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import hostile

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "segments"
SESSIONS = ROOT / "examples" / "sessions.json"


@functools.cache
def example_customers(count: int = 40) -> tuple[dict[str, Any], ...]:
    """Realistic profiles from the examples' generator (seeded), the material mutations start
    from: they reach the example segments' rules, not just their gates."""
    spec = importlib.util.spec_from_file_location(
        "generate_customers", ROOT / "examples" / "generate_customers.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return tuple(module.generate(count, seed=7))


def example_texts() -> dict[str, str]:
    return {path.name: path.read_text("utf-8") for path in sorted(EXAMPLES.glob("*.seg"))}


def _slots(value: Any, path: tuple[Any, ...] = (), seen: frozenset[int] = frozenset()
           ) -> Iterator[tuple[Any, ...]]:
    """Every place in a JSON-like value a hostile value could go (a cycle is walked once)."""
    yield path
    if id(value) in seen:
        return
    if type(value) is dict:
        for key, item in value.items():
            yield from _slots(item, (*path, key), seen | {id(value)})
    elif type(value) is list:
        for index, item in enumerate(value):
            yield from _slots(item, (*path, index), seen | {id(value)})


def mutate_profile(rng: random.Random, profile: dict[str, Any], edits: int = 3,
                   values: Callable[[random.Random], object] = hostile.value) -> dict[str, Any]:
    """A copy of ``profile`` with a few values replaced by hostile ones (from ``values``),
    wrapped or dropped."""
    out = copy.deepcopy(profile)
    for _ in range(rng.randint(1, edits)):
        slots = [path for path in _slots(out) if path]
        if not slots:
            break
        path = rng.choice(slots)
        parent = out
        for step in path[:-1]:
            parent = parent[step]
        roll = rng.random()
        if roll < 0.7:
            parent[path[-1]] = values(rng)
        elif roll < 0.85:
            parent[path[-1]] = rng.choice(hostile._collections([parent[path[-1]]]))
        elif isinstance(parent, dict):
            del parent[path[-1]]
    return out


#: Values JSON data can hold (``json.loads`` reads NaN and Infinity too) that break readers.
JSON_LEAVES = (
    math.nan, math.inf, -math.inf, 10**400, -(10**5000), 1e308, "9" * 5000, "\ud800", "a\x00b",
    "", True, False, None, [], {}, [[[[[]]]]], {"type": "Compare"}, {"type": "Nope"},
    {"type": "Document", "version": 10**400}, "2026-02-30", "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+23:59", "1e999", "NaN", "-0", 1.5, -1, 2**63,
)


def json_leaf(rng: random.Random) -> object:
    return copy.deepcopy(rng.choice(JSON_LEAVES))


# --- JSON-able hostility, for files -------------------------------------------------------------

#: Raw JSON texts for a value: what a file can hold that a Python value cannot say as well.
JSON_VALUES = (
    "NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1" * 5000, "-" + "9" * 4400, "1.5e-400",
    '"\\ud800"', '"\\udfff\\ud800"', '"\\u0000"', '"\ufeff"', '"9999-12-31T23:59:59-23:59"',
    '"0001-01-01T00:00:00+23:59"', '"2026-02-30"', "[" * 5000 + "]" * 5000, '{"$date": 1}',
    "true", "null", "[]", "{}", '"١٢٣"', "0.1", '"x"', "[1, [2, [3]]]",
    '[{"total": "NaN"}, {"total": 1e999}]',
)

#: Raw lines a JSON Lines file can hold instead of an object.
JSON_LINES = (
    "", "   ", "[1, 2]", "null", '"text"', "{", '{"id": }', "\ufeff{}", '{"id": 1} trailing',
    "[" * 100000, '{"a": ' * 3000 + "1" + "}" * 3000, '{"id": "c"}\r', "\x00",
)


def _json(value: object) -> str:
    """``value`` as JSON text whatever it is: hostile objects as their type's name."""
    def fallback(item: object) -> object:
        if isinstance(item, dt.date | dt.time):
            try:
                return item.isoformat()
            except Exception:
                return "0001-01-01"
        if isinstance(item, bytes | bytearray):
            return item.decode("latin-1")
        try:
            return list(item)  # type: ignore[call-overload]
        except Exception:
            return type(item).__name__

    try:
        return json.dumps(value, default=fallback, check_circular=True)
    except (ValueError, RecursionError, TypeError):
        return json.dumps(type(value).__name__)
    except Exception:
        return json.dumps("hostile")


def jsonl_bytes(rng: random.Random, profiles: list[dict[str, Any]]) -> bytes:
    """A JSON Lines file of ``profiles``, with raw hostile values, lines and bytes mixed in."""
    lines = []
    for profile in profiles:
        fields = [f"{json.dumps(str(key))}: {_json(item)}" for key, item in profile.items()]
        for _ in range(rng.randint(0, 2)):
            key = rng.choice([*map(str, profile), "id", "age", "orders", "\ud800", ""])
            fields.append(f"{json.dumps(key)}: {rng.choice(JSON_VALUES)}")
        lines.append("{" + ", ".join(fields) + "}")
    if rng.random() < 0.3:
        lines.insert(rng.randint(0, len(lines)), rng.choice(JSON_LINES))
    text = rng.choice(["\n", "\r\n"]).join(lines) + rng.choice(["\n", ""])
    data = text.encode("utf-8", "surrogatepass")
    if rng.random() < 0.1:
        data = b"\xef\xbb\xbf" + data
    if rng.random() < 0.1 and data:
        at = rng.randrange(len(data))
        data = data[:at] + rng.choice([b"\xff", b"\xc3", b"\x00", b"\xed\xa0\x80"]) + data[at:]
    return data


CSV_TYPES = ("str", "int", "float", "bool", "date", "datetime", "list", "json", "nope", "")
CSV_CELLS = (
    "", " ", "1", "-0", "1_000", "١٢٣", "１２", "9" * 5000, "nan", "inf", "-inf", "1e999",
    "true", "yes", "2", "9999-12-31", "0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59",
    "2026-02-30", "\x00", "\ud800", "a;b;;c", "[]", "{", '{"a": NaN}', "[" * 3000, '"',
    "x" * 10000, "\ufeff1",
)


def _cell(value: object, depth: int = 0) -> str:
    if isinstance(value, str):
        return value
    if type(value) is list and depth < 2:  # a cyclic list is cut short
        return ";".join(_cell(item, depth + 1) for item in value)
    return _json(value).strip('"')


def csv_bytes(rng: random.Random, profiles: list[dict[str, Any]]) -> bytes:
    """A typed-header CSV of ``profiles``: some headers typed right, some wrong, hostile cells."""
    keys = list(dict.fromkeys(key for profile in profiles for key in profile))[:12] or ["id"]
    headers = []
    for key in keys:
        kind = rng.choice(CSV_TYPES)
        name = key if rng.random() < 0.9 else rng.choice(["a..b", ".x", "address.city", "\ud800"])
        headers.append(f"{name}:{kind}" if kind else name)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=rng.choice(["\n", "\r\n"]))
    writer.writerow(headers)
    for profile in profiles:
        row = [_cell(profile.get(key)) if profile.get(key) is not None else "" for key in keys]
        for _ in range(rng.randint(0, 2)):
            row[rng.randrange(len(row))] = rng.choice(CSV_CELLS)
        if rng.random() < 0.05:
            row.append("extra")
        writer.writerow(row)
    data = buffer.getvalue().encode("utf-8", "surrogatepass")
    if rng.random() < 0.1:
        data = b"\xef\xbb\xbf" + data
    return data


def parquet_table(rng: random.Random, profiles: list[dict[str, Any]], every: bool = False
                  ) -> Any:
    """A pyarrow table of the profiles' ids with columns of Parquet's odder types (some, or
    ``every`` one), or None when pyarrow is missing or refuses the draw."""
    try:
        import pyarrow as pa
    except ImportError:
        return None
    from decimal import Decimal

    count = len(profiles)
    ids = [p.get("id") if isinstance(p.get("id"), str) else None for p in profiles]
    id_columns = [
        lambda: pa.array(ids, pa.string()), lambda: pa.array(ids, pa.large_string()),
        lambda: pa.array([None if i is None else i.encode() for i in ids], pa.binary()),
        lambda: pa.array(range(count), pa.int64()),
        lambda: pa.array(ids, pa.string()).dictionary_encode(), lambda: pa.nulls(count),
    ]
    try:
        columns: dict[str, Any] = {"id": rng.choice(id_columns)()}
    except Exception:  # Arrow keeps UTF-8 strings: an id with a lone surrogate has no column
        return None
    odd = {
        "age": lambda: pa.array([Decimal("40.5")] * count, pa.decimal128(10, 2)),
        "income": lambda: pa.array([2**64 - 1] * count, pa.uint64()),
        "birth_date": lambda: pa.array([dt.date(1, 1, 1)] * count, pa.date64()),
        "signup_at": lambda: pa.array([dt.datetime(2026, 1, 1)] * count,
                                      pa.timestamp("ns", tz="Asia/Kolkata")),
        "last_login_at": lambda: pa.array([dt.time(12)] * count, pa.time64("us")),
        "tags": lambda: pa.array([[("vip", 1)]] * count, pa.map_(pa.string(), pa.int32())),
        "interests": lambda: pa.array([["golf", None]] * count, pa.large_list(pa.string())),
        "address": lambda: pa.array([{"country_code": "US", "n": math.nan}] * count),
        "orders": lambda: pa.array(
            [[{"total": Decimal("1.10"), "placed_at": dt.datetime(2026, 10, 1)}]] * count),
        "email": lambda: pa.array([b"\xff\xfe"] * count, pa.binary()),
        "country": lambda: pa.array(["United States"] * count).dictionary_encode(),
        "store": lambda: pa.array([dt.timedelta(days=1)] * count, pa.duration("s")),
        "loyalty_tier": lambda: pa.array([math.nan] * count, pa.float16())
        if hasattr(pa, "float16") else pa.nulls(count),
        "email_opt_in": lambda: pa.array([True] * count, pa.bool_()),
    }
    for name in sorted(odd) if every else rng.sample(sorted(odd), rng.randint(1, len(odd))):
        try:
            columns[name] = odd[name]()
        except Exception:
            continue
    try:
        return pa.table(columns)
    except Exception:
        return None


def write_parquet(table: Any, path: Path) -> bool:
    try:
        import pyarrow.parquet as pq

        pq.write_table(table, path)
    except Exception:
        return False
    return True


# --- a whole command ----------------------------------------------------------------------------

NOWS = ("2026-11-01", "2026-11-01T00:00:00Z", "9999-12-31T23:59:59-23:59",
        "0001-01-01T00:00:00+23:59", "2026-13-01", "", "\ud800", "9" * 5000, "0001-01-01",
        "9999-12-31", "2026-11-01T00:00:00+99:00")
STORES = ("main", "outlet", "", "\ud800", "x" * 1000)
SESSION_TEXTS = (
    '{"device": "mobile"}', "[]", "null", "NaN", '{"device": NaN}', '{"a": ' + "1" * 5000 + "}",
    '{"device": "\\ud800"}', "[" * 100000, "{", "\ufeff{}", '{"mobile": {"device": "mobile"}}',
)


def segments_folder(rng: random.Random, folder: Path) -> Path:
    """The example segments, one file in three hostile-edited, written to ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in example_texts().items():
        if rng.random() < 0.3:
            text = hostile.mutate_text(rng, text, rounds=2)
        (folder / name).write_bytes(text.encode("utf-8", "surrogatepass"))
    if rng.random() < 0.1:
        name, make = rng.choice(sorted(hostile.HOSTILE_FILES.items()))
        (folder / f"{name}.seg").write_text(make(), "utf-8", errors="surrogatepass")
    if rng.random() < 0.1:
        rng.choice(ODD_ENTRIES)(folder)
    return folder


#: Things a folder of segments can hold that are not readable segment files.
ODD_ENTRIES = (
    lambda folder: (folder / "latin1.seg").write_bytes(b"segment caf\xe9 { }\n"),
    lambda folder: (folder / "folder.seg").mkdir(),
    lambda folder: (folder / "loop.seg").symlink_to(folder / "loop.seg"),
    lambda folder: (folder / "gone.seg").symlink_to(folder / "nowhere.seg"),
    lambda folder: (folder / "empty.seg").write_bytes(b""),
    lambda folder: (folder / "bom.seg").write_bytes(b"\xef\xbb\xbf"),
    lambda folder: (folder / "nul.seg").write_bytes(b"\x00" * 64),
    lambda folder: (folder / "sub" / "deeper").mkdir(parents=True),
)


def customers_file(rng: random.Random, folder: Path) -> tuple[Path, list[str]]:
    """A hostile customer file and the ids in it (strings, for ``explain --customer``)."""
    profiles = [mutate_profile(rng, p) if rng.random() < 0.5 else copy.deepcopy(p)
                for p in rng.sample(example_customers(), rng.randint(0, 6))]
    ids = [str(p["id"]) for p in profiles if isinstance(p.get("id"), str)]
    kind = rng.choice(["jsonl", "jsonl", "csv", "parquet"])
    path = folder / f"customers.{kind}"
    if kind == "parquet":
        table = parquet_table(rng, profiles)
        if table is not None and write_parquet(table, path):
            return path, ids
        path = folder / "customers.jsonl"
        kind = "jsonl"
    data = jsonl_bytes(rng, profiles) if kind == "jsonl" else csv_bytes(rng, profiles)
    path.write_bytes(data)
    return path, ids


def session_file(rng: random.Random, folder: Path) -> str:
    if rng.random() < 0.5:
        return f"{SESSIONS}:{rng.choice(['mobile_newsletter', 'desktop_search', 'nope', ''])}"
    path = folder / "session.json"
    path.write_bytes(rng.choice(SESSION_TEXTS).encode("utf-8", "surrogatepass"))
    return str(path) + rng.choice(["", ":mobile", ":\ud800"])


def out_path(rng: random.Random, folder: Path, kind: str) -> str:
    """Where ``members --out`` writes: new, existing, through a symlink, or somewhere odd."""
    target = folder / f"members.{kind}"
    roll = rng.random()
    if roll < 0.4:
        return str(target)
    if roll < 0.55:
        target.write_text("old\n")
        return str(target)
    if roll < 0.7:
        real = folder / f"real.{kind}"
        real.write_text("old\n")
        target.symlink_to(real)
        return str(target)
    if roll < 0.8:
        target.symlink_to(folder / "nowhere" / f"x.{kind}")
        return str(target)
    if roll < 0.9:
        return str(folder / "missing" / f"members.{kind}")
    target.mkdir()
    return str(target)


def command(rng: random.Random, folder: Path) -> list[str]:
    """One hostile ``segrules`` command line, its files written under ``folder``."""
    segments = segments_folder(rng, folder / "segments")
    names = ["north_america_adults", "newsletter_vip", "vip", "\ud800", "", "x" * 500]
    which = rng.choice(["check", "fmt", "preview", "explain", "members", "members"])
    if which == "check":
        return ["check", str(segments)]
    if which == "fmt":
        return ["fmt", *rng.choice([["--check"], ["--diff"], []]), str(segments)]
    customers, ids = customers_file(rng, folder)
    common = ["--segments", str(segments), "--customers", str(customers)]
    if rng.random() < 0.1:
        common += ["--customers-format", rng.choice(["jsonl", "csv", "parquet"])]
    if rng.random() < 0.6:
        common += ["--now", rng.choice(NOWS)]
    if rng.random() < 0.4:
        common += ["--store", rng.choice(STORES)]
    if which == "members":
        out: list[str] = []
        if rng.random() < 0.8:
            kind = rng.choice(["jsonl", "csv", "parquet"])
            out = ["--out", out_path(rng, folder, kind)]
            if rng.random() < 0.2:
                out += ["--format", rng.choice(["jsonl", "csv", "parquet"])]
        elif rng.random() < 0.5:
            out = ["--format", rng.choice(["jsonl", "csv", "parquet"])]
        return ["members", *common, *out]
    if rng.random() < 0.3:
        common += ["--session", session_file(rng, folder)]
    json_flag = ["--json"] if rng.random() < 0.5 else []
    name = rng.choice(names)
    if which == "preview":
        limit = ["--limit", rng.choice(["0", "1", "20"])] if rng.random() < 0.3 else []
        return ["preview", name, *common, *json_flag, *limit]
    customer = rng.choice([*ids, "c-1", "\ud800", ""]) if ids else "c-1"
    return ["explain", name, "--customer", customer, *common, *json_flag]

