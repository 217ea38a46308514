"""The command line never shows a traceback: hostile files exit with 0, 1 or 2.

Segment folders with hostile edits, customer files (JSON Lines with raw NaN, 5000-digit numbers,
escaped lone surrogates, deep nesting and bad bytes; CSV with wrong and odd column types;
Parquet with decimal, unsigned, time, duration, map and binary columns), session files and
output paths (existing files, symlinks, dangling symlinks, folders, missing folders) through
``check``, ``fmt``, ``preview`` (and ``--json``), ``explain`` (and ``--json``) and ``members``
(every ``--out`` format). In-process through click's runner, whose stdout, like a real
terminal's, is strict UTF-8; one test runs the real console script too.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given

import hostile_files
import segrules
from campaign import EXIT_CODES, SEEDS, cli_law, fuzz

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = str(ROOT / "examples" / "segments")
NAME = "newsletter_vip"
# A small book reading every kind of attribute, so the table-driven cases below stay quick;
# the drawn command lines use the example segments.
SMALL = """
segment adults {
    groups "adults"
    include all { country is "United States"  state is one of "Florida", "Alabama" }
    exclude any { age < 18  age does not exist }
}
segment buyers {
    groups "buyers"
    include where sum(orders.total) >= 10 and max(orders.placed_at) within last 365 days
    include where years_since(birth_date) >= 18 and income > 1000.5
}
segment newsletter_vip {
    stores "main"
    include all { in segment buyers  in segment adults }
    include where session.device is "mobile" or address.country_code is "US" ignoring case
    exclude where tags contains any of "x", "y"
}
"""
CUSTOMER = {"id": "c-1", "age": 30, "country": "United States", "state": "Florida",
            "birth_date": "1990-01-01", "income": 2000, "tags": ["a"],
            "address": {"country_code": "US"},
            "orders": [{"total": 10.5, "placed_at": "2026-10-01T00:00:00Z"}]}


@fuzz(25)
@given(SEEDS)
def test_hostile_command_lines(seed: int) -> None:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="segrules-fuzz-") as folder:
        cli_law(hostile_files.command(rng, Path(folder)))


@pytest.fixture(scope="module")
def segments(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("segments") / "small.seg"
    path.write_text(SMALL, "utf-8")
    return str(path)


def _commands(segments: str, customers: str, case: int) -> list[list[str]]:
    """Each command that reads a customer file; the output forms taken in turn by ``case``."""
    files = ["--segments", segments, "--customers", customers, "--now", "2026-11-01"]
    text = case % 2 == 0
    return [
        ["preview", NAME, *files, *([] if text else ["--json", "--limit", "0"])],
        ["explain", NAME, "--customer", "c-1", *files, *([] if text else ["--json"])],
        ["members", *files, *[["--format", "csv"], ["--format", "jsonl"]][case % 2]],
    ]


def _members_to_files(segments: str, customers: str, folder: Path, case: int
                      ) -> list[list[str]]:
    files = ["--segments", segments, "--customers", customers, "--now", "2026-11-01"]
    kind = ("jsonl", "csv", "parquet")[case % 3]
    return [["members", *files, "--out", str(folder / f"out.{kind}")]]


def _line(**fields: str) -> str:
    """A JSON Lines record of ``CUSTOMER`` with some fields as raw JSON text."""
    base = {key: json.dumps(value) for key, value in CUSTOMER.items()}
    base.update(fields)
    return "{" + ", ".join(f'"{key}": {value}' for key, value in base.items()) + "}\n"


JSONL_CASES = {
    "nan": _line(age="NaN"), "infinity": _line(age="-Infinity", income="1e400"),
    "huge-int": _line(age="1" * 5000), "huge-id": _line(id="9" * 5000),
    "numeric-id": _line(id="1e400"), "surrogate-value": _line(state='"\\ud800"'),
    "surrogate-id": _line(id='"c-1\\udfff"'), "surrogate-key": _line(**{"\\ud800": "1"}),
    "nul": _line(state='"\\u0000"'), "deep": _line(address="[" * 5000 + "]" * 5000),
    "deep-object": _line(address='{"a": ' * 2000 + "1" + "}" * 2000),
    "bad-orders": _line(orders='[{"total": NaN}, {"total": "1" }, 7, null]'),
    "bad-dates": _line(birth_date='"9999-12-31T23:59:59-23:59"',
                       signup_at='"0001-01-01T00:00:00+23:59"'),
    "array": "[1, 2]\n", "bom": "\ufeff" + _line(), "crlf": _line().replace("\n", "\r\n"),
}


@pytest.mark.parametrize("case", sorted(JSONL_CASES))
def test_hostile_json_lines(case: str, segments: str, tmp_path: Path) -> None:
    customers = tmp_path / "customers.jsonl"
    customers.write_bytes(JSONL_CASES[case].encode("utf-8", "surrogatepass"))
    number = sorted(JSONL_CASES).index(case)
    for args in [*_commands(segments, str(customers), number),
                 *_members_to_files(segments, str(customers), tmp_path, number)]:
        cli_law(args)


CSV_CASES = {
    "unicode-digits": "id,age:int\nc-1,١٢٣\n", "huge-int": "id,age:int\nc-1," + "9" * 5000 + "\n",
    "nan": "id,age:float,income:float\nc-1,nan,inf\n", "json-nan": 'id,x:json\nc-1,"NaN"\n',
    "json-deep": "id,x:json\nc-1," + "[" * 5000 + "]" * 5000 + "\n",
    "dates": "id,birth_date:date,signup_at:datetime\nc-1,9999-12-31,0001-01-01T00:00:00+23:59\n",
    "bad-type": "id,age:nope\nc-1,1\n", "empty-name": "id,a..b\nc-1,1\n",
    "nul": "id,state\nc-1,a\x00b\n", "surrogate": "id,state\nc-\ud800,\ud800\n",
    "ragged": "id,age:int\nc-1,1,2\n", "quote": 'id,state\nc-1,"open\n',
    "bom": "\ufeffid,age:int\nc-1,30\n", "dup-header": "id,id\nc-1,c-2\n",
}


@pytest.mark.parametrize("case", sorted(CSV_CASES))
def test_hostile_csv(case: str, segments: str, tmp_path: Path) -> None:
    customers = tmp_path / "customers.csv"
    customers.write_bytes(CSV_CASES[case].encode("utf-8", "surrogatepass"))
    for args in _commands(segments, str(customers), sorted(CSV_CASES).index(case)):
        cli_law(args)


def test_parquet_of_every_odd_type(segments: str, tmp_path: Path) -> None:
    for seed in range(6):  # each seed picks another type for the id column
        rng = random.Random(seed)
        table = hostile_files.parquet_table(rng, [CUSTOMER, {**CUSTOMER, "id": "c-2"}],
                                            every=True)
        customers = tmp_path / f"customers-{seed}.parquet"
        assert table is not None and hostile_files.write_parquet(table, customers)
        for args in [*_commands(segments, str(customers), seed),
                     *_members_to_files(segments, str(customers), tmp_path, seed)]:
            cli_law(args)


@pytest.mark.parametrize("text", hostile_files.SESSION_TEXTS)
def test_hostile_session_files(text: str, segments: str, tmp_path: Path) -> None:
    customers, session = tmp_path / "customers.jsonl", tmp_path / "session.json"
    customers.write_text(_line())
    session.write_bytes(text.encode("utf-8", "surrogatepass"))
    for suffix in ("", ":mobile"):
        cli_law(["preview", NAME, "--segments", segments, "--customers",
                 str(customers), "--session", f"{session}{suffix}"])


@pytest.mark.parametrize("now", hostile_files.NOWS)
def test_hostile_moments_and_stores(now: str, segments: str, tmp_path: Path) -> None:
    customers = tmp_path / "customers.jsonl"
    customers.write_text(_line())
    store = hostile_files.STORES[hostile_files.NOWS.index(now) % len(hostile_files.STORES)]
    cli_law(["preview", NAME, "--segments", segments, "--customers", str(customers),
             "--now", now, "--store", store, "--json"])


def test_hostile_output_paths(segments: str, tmp_path: Path) -> None:
    customers = tmp_path / "customers.jsonl"
    customers.write_text(_line())
    for seed in range(10):
        folder = tmp_path / f"out-{seed}"
        folder.mkdir()
        rng = random.Random(seed)
        kind = rng.choice(["jsonl", "csv", "parquet"])
        cli_law(["members", "--segments", segments, "--customers", str(customers),
                 "--out", hostile_files.out_path(rng, folder, kind)])


def test_the_console_script_on_hostile_data(segments: str, tmp_path: Path) -> None:
    # A real process: its stdout encoding and exit path are the ones users get.
    customers = tmp_path / "customers.jsonl"
    customers.write_bytes("".join(JSONL_CASES[case] for case in (
        "surrogate-id", "nan", "surrogate-value")).encode("utf-8", "surrogatepass"))
    for args in (["members"], ["preview", NAME, "--json"]):
        done = subprocess.run(
            [sys.executable, "-m", "segrules", *args, "--segments", segments,
             "--customers", str(customers)],
            capture_output=True, text=True, errors="replace", timeout=120,
            env={"PYTHONPATH": str(Path(segrules.__file__).resolve().parent.parent),
                 "PYTHONIOENCODING": "utf-8", "PATH": "/usr/bin:/bin"})
        assert done.returncode in EXIT_CODES, done.stderr
        assert "Traceback" not in done.stdout + done.stderr, done.stderr
