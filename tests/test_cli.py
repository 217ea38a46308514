"""The ``segrules`` command, run through click's CliRunner on the example segments and a few
hundred generated customers: every subcommand's output checked against the library computed
directly, fmt's check/diff/write behaviour, customer file formats, and one exit code and one
clear line for every kind of bad input."""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner, Result

from segrules import printer
from segrules.cli import cli, read_attributes
from segrules.customers import CustomerDataError, CustomerFile
from segrules.explain import explain
from segrules.loader import load, loads

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "segments"
SESSIONS = ROOT / "examples" / "sessions.json"
NOW = "2026-11-01"
REFERENCE = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
COUNT = 300


# --- fixtures -------------------------------------------------------------------------------


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location(
        "generate_customers", ROOT / "examples" / "generate_customers.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def customers_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("customers") / "customers.jsonl"
    _generator().main(["--count", str(COUNT), "--seed", "7", "--out", str(path)])
    return path


@pytest.fixture(scope="module")
def profiles(customers_file: Path) -> list[dict[str, Any]]:
    with customers_file.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


@pytest.fixture(scope="module")
def book() -> Any:
    return load(EXAMPLES)


def run(*args: Any, env: dict[str, str | None] | None = None) -> Result:
    result = CliRunner().invoke(cli, [str(arg) for arg in args], env=env)
    # Bad input is a message and an exit code, never a traceback.
    assert "Traceback" not in result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def one_line_error(result: Result) -> str:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# --- check ----------------------------------------------------------------------------------


def test_check_examples_has_no_problems(book: Any) -> None:
    result = run("check", EXAMPLES)
    assert result.exit_code == 0
    files = len(list(EXAMPLES.glob("*.seg")))
    assert result.stdout.strip() == f"{files} files, {len(book.names)} segments: no problems found"


def test_check_reports_errors_like_a_compiler(tmp_path: Path) -> None:
    bad = tmp_path / "bad.seg"
    bad.write_text('segment a { include where x is 1 }\nsegment b { include whre x is 1 }\n')
    result = run("check", tmp_path)
    assert result.exit_code == 1
    assert f"{bad}:2:21: error[SR101]: unexpected `whre`" in result.stdout
    assert "2 | segment b { include whre x is 1 }" in result.stdout
    assert "  |                     ^^^^" in result.stdout
    assert "help: did you mean `where`?" in result.stdout
    assert result.stdout.rstrip().endswith("1 file, 2 segments: 1 error, 0 warnings")
    assert "\x1b[" not in result.stdout  # not a terminal: plain text


def test_check_warnings_alone_exit_0(tmp_path: Path) -> None:
    (tmp_path / "w.seg").write_text('segment a { include customers "1" exclude customers "1" }')
    result = run("check", tmp_path / "w.seg")
    assert result.exit_code == 0
    assert "warning[SR401]" in result.stdout
    assert "0 errors, 1 warning" in result.stdout


def test_check_spans_files_so_references_cross_them(tmp_path: Path) -> None:
    (tmp_path / "a.seg").write_text("segment a { include segment b }")
    (tmp_path / "b.seg").write_text("segment b { include everyone }")
    assert run("check", tmp_path / "a.seg", tmp_path / "b.seg").exit_code == 0
    alone = run("check", tmp_path / "a.seg")
    assert alone.exit_code == 1
    assert "error[SR2" in alone.stdout


def test_check_colours_severity_and_caret_on_a_terminal(tmp_path: Path) -> None:
    (tmp_path / "bad.seg").write_text("segment b { include whre x is 1 }\n")
    result = run("check", tmp_path, env={"FORCE_COLOR": "1", "NO_COLOR": None})
    assert result.exit_code == 1
    assert "\x1b[" in result.stdout
    assert "\x1b[1;31merror\x1b[0m[SR101]" in result.stdout
    assert "\x1b[1;31m^^^^\x1b[0m" in result.stdout


def test_check_highlights_the_source_line_with_the_segrules_lexer(tmp_path: Path) -> None:
    (tmp_path / "bad.seg").write_text("segment b {\n  include where age is greather than 5\n}\n")
    plain = run("check", tmp_path, env={"NO_COLOR": "1"})
    shown = run("check", tmp_path, env={"FORCE_COLOR": "1", "NO_COLOR": None})
    source_line = next(line for line in shown.stdout.splitlines() if line.startswith("2 | "))
    # The keyword and the operator get colours of their own token kinds, unlike the name.
    assert source_line.count("\x1b[") >= 6
    assert re.sub(r"\x1b\[[0-9;]*m", "", shown.stdout) == plain.stdout


# --- fmt ------------------------------------------------------------------------------------

MESSY = 'segment a {include where x>1\n  groups "g"}\nsegment b { include where y is "z" }\n'


def test_fmt_check_lists_files_that_would_change_and_writes_nothing(tmp_path: Path) -> None:
    messy, tidy = tmp_path / "messy.seg", tmp_path / "tidy.seg"
    messy.write_text(MESSY)
    tidy.write_text(printer.dumps(loads(MESSY)))
    result = run("fmt", "--check", tmp_path)
    assert result.exit_code == 1
    assert result.stdout == f"would reformat {messy}\n"
    assert messy.read_text() == MESSY
    assert run("fmt", "--check", tidy).exit_code == 0


def test_fmt_diff_prints_a_unified_diff_and_writes_nothing(tmp_path: Path) -> None:
    messy = tmp_path / "messy.seg"
    messy.write_text(MESSY)
    result = run("fmt", "--diff", messy)
    assert result.exit_code == 0
    assert result.stdout.startswith(f"--- a/{messy}\n+++ b/{messy}\n@@")
    assert "-segment a {include where x>1\n" in result.stdout
    assert "+    include where x > 1\n" in result.stdout
    assert messy.read_text() == MESSY


def test_fmt_rewrites_atomically_and_is_idempotent(tmp_path: Path) -> None:
    messy = tmp_path / "messy.seg"
    messy.write_text(MESSY)
    messy.chmod(0o640)
    result = run("fmt", messy)
    assert result.exit_code == 0
    assert messy.read_text() == printer.dumps(loads(MESSY))
    assert loads(messy.read_text()).document == loads(MESSY).document
    assert stat.S_IMODE(messy.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["messy.seg"]  # no temporary left behind
    assert run("fmt", "--check", messy).exit_code == 0


def test_fmt_never_loses_comments(tmp_path: Path) -> None:
    text = "# header comment\nsegment a {include where x>1 # why\n}\n"
    seg = tmp_path / "c.seg"
    seg.write_text(text)
    result = run("fmt", seg)
    after = seg.read_text()
    assert result.exit_code == 0
    assert after == "# header comment\nsegment a {\n    include where x > 1  # why\n}\n"


def test_fmt_reports_files_with_errors_and_leaves_them(tmp_path: Path) -> None:
    bad, good = tmp_path / "bad.seg", tmp_path / "good.seg"
    bad.write_text("segment b { include whre x is 1 }\n")
    good.write_text(MESSY)
    result = run("fmt", tmp_path)
    assert result.exit_code == 2
    assert "error[SR101]: unexpected `whre`" in result.stderr
    assert bad.read_text() == "segment b { include whre x is 1 }\n"
    assert good.read_text() == printer.dumps(loads(MESSY))  # the other files are still formatted


# --- preview --------------------------------------------------------------------------------


def members_of(book: Any, profiles: list[dict[str, Any]], name: str, **kwargs: Any) -> list[str]:
    """The library's answer; each customer in their own store, as the command evaluates them,
    unless a store is given."""
    return [p["id"] for p in profiles
            if name in book.segments_for(p, now=REFERENCE, **{"store": p.get("store"), **kwargs})]


@pytest.mark.parametrize("name", ["vip", "international", "High-Income Earners", "fraud_suspects"])
def test_preview_counts_match_the_library(name: str, book: Any, customers_file: Path,
                                          profiles: list[dict[str, Any]]) -> None:
    expected = members_of(book, profiles, name)
    result = run("preview", name, "--segments", EXAMPLES, "--customers", customers_file,
                 "--now", NOW, "--limit", "3")
    assert result.exit_code == 0
    share = round(100 * len(expected) / COUNT, 1)
    assert f"{len(expected)} of {COUNT} customers match ({share}%)" in result.stdout
    for customer in expected[:3]:
        assert customer in result.stdout
    for customer in expected[3:]:
        assert customer not in result.stdout


def test_preview_table_shows_the_attributes_the_segment_reads(
        customers_file: Path, book: Any, profiles: list[dict[str, Any]]) -> None:
    assert members_of(book, profiles, "manual_review")
    result = run("preview", "manual_review", "--segments", EXAMPLES, "--customers",
                 customers_file, "--now", NOW, "--limit", "1")
    header = next(line for line in result.stdout.splitlines() if "┃ id" in line)
    columns = [cell.strip() for cell in header.strip("┃").split("┃")]
    assert columns == ["id", *read_attributes(book, "manual_review")]
    assert "orders" in columns  # read through `include segment refund_abusers`


def test_read_attributes_follows_references_and_skips_element_paths() -> None:
    book = loads("""
        segment base { include where income > 1 and not (id is "x") }
        segment top {
            include all {
                in segment base
                sum(orders.total where status is "paid" and placed_at within last 9 days) > 5
                years_since(birth_date) >= 18
                session.device is "mobile"
                profile.address.city is "Oslo"
                count(session.cart.items) >= 1
            }
            exclude segment base
        }
        segment visit { include where session.device is "mobile" }
    """)
    assert read_attributes(book, "top") == ["income", "id", "orders", "birth_date", "address"]
    assert read_attributes(book, "visit") == []


def test_preview_json_with_store_and_session(book: Any, customers_file: Path,
                                             profiles: list[dict[str, Any]]) -> None:
    session = json.loads(SESSIONS.read_text())["mobile_newsletter"]
    for name, options, kwargs in [
        ("north_america_adults", ["--store", "main"], {"store": "main"}),
        ("north_america_adults", [], {}),
        ("golf_promo", ["--session", f"{SESSIONS}:mobile_newsletter"], {"session": session}),
    ]:
        expected = members_of(book, profiles, name, **kwargs)
        result = run("preview", name, "--segments", EXAMPLES, "--customers", customers_file,
                     "--now", NOW, "--json", "--limit", "0", *options)
        data = json.loads(result.stdout)
        assert (data["matched"], data["total"]) == (len(expected), COUNT)
        assert [c["id"] for c in data["customers"]] == expected
        assert data["attributes"] == read_attributes(book, name)
    assert members_of(book, profiles, "north_america_adults", store=None) == []  # needs a store


def test_preview_session_file_with_one_object(tmp_path: Path, customers_file: Path,
                                              book: Any, profiles: list[dict[str, Any]]) -> None:
    session = {"device": "mobile"}
    path = tmp_path / "visit.json"
    # With the byte order mark Windows editors write: skipped, as in .seg and customer files.
    path.write_text("\ufeff" + json.dumps(session), encoding="utf-8")
    result = run("preview", "app_download_banner", "--segments", EXAMPLES, "--customers",
                 customers_file, "--json", "--now", NOW, "--session", path)
    expected = members_of(book, profiles, "app_download_banner", session=session)
    assert json.loads(result.stdout)["matched"] == len(expected)
    assert len(expected) > len(members_of(book, profiles, "app_download_banner")) == 0


# --- explain --------------------------------------------------------------------------------


@pytest.mark.parametrize("index", [0, 1])
def test_explain_agrees_with_matches(index: int, book: Any, customers_file: Path,
                                     profiles: list[dict[str, Any]]) -> None:
    profile = profiles[index]
    for name in ("email_reachable", "international", "newsletter_vip"):
        args = ["explain", name, "--segments", EXAMPLES, "--customers", customers_file,
                "--customer", profile["id"], "--now", NOW]
        matched = book.matches(name, profile, now=REFERENCE)
        text = run(*args)
        assert text.exit_code == 0
        tree = explain(book, name, profile, now=REFERENCE)
        assert text.stdout == f"{tree}\n"
        assert text.stdout.startswith(f"{name}: {'member' if matched else 'not a member'}")
        data = json.loads(run(*args, "--json").stdout)
        assert data["matched"] is matched
        assert data == tree.to_dict()


def test_explain_unknown_customer(customers_file: Path) -> None:
    line = one_line_error(run("explain", "vip", "--segments", EXAMPLES, "--customers",
                              customers_file, "--customer", "c-999999"))
    assert line == f"error: {customers_file}: no customer with id 'c-999999'"


# --- members --------------------------------------------------------------------------------


def expected_rows(book: Any, profiles: list[dict[str, Any]], **kwargs: Any
                  ) -> list[dict[str, Any]]:
    rows = []
    for profile in profiles:
        options = {"store": profile.get("store"), **kwargs}  # their own store unless given
        within = book.segments_for(profile, now=REFERENCE, **options)
        groups = book.groups_for(profile, now=REFERENCE, **options)
        rows.append({"id": profile["id"], "segments": [n for n in book.names if n in within],
                     "groups": list(groups)})
    return rows


def test_members_jsonl_on_stdout(book: Any, customers_file: Path,
                                 profiles: list[dict[str, Any]]) -> None:
    result = run("members", "--segments", EXAMPLES, "--customers", customers_file, "--now", NOW,
                 "--store", "outlet")
    assert result.exit_code == 0
    assert result.stderr == ""  # no progress bar when stderr is not a terminal
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows == expected_rows(book, profiles, store="outlet")
    assert any("north_america_adults" in row["segments"] for row in rows)


def test_members_progress_bar_stays_off_stdout(customers_file: Path) -> None:
    # The Python path shows a bar per customer; on DuckDB the export is one query.
    args = ["members", "--segments", EXAMPLES, "--customers", customers_file, "--now", NOW,
            "--engine", "python"]
    plain = run(*args)
    shown = run(*args, env={"FORCE_COLOR": "1", "NO_COLOR": None})
    assert shown.exit_code == 0
    assert f"{COUNT}/{COUNT}" in shown.stderr  # the bar ran, on stderr
    assert shown.stdout == plain.stdout


def test_members_csv_by_extension(tmp_path: Path, book: Any, customers_file: Path,
                                  profiles: list[dict[str, Any]]) -> None:
    out = tmp_path / "members.csv"
    result = run("members", "--segments", EXAMPLES, "--customers", customers_file, "--now", NOW,
                 "--out", out)
    assert (result.exit_code, result.stdout) == (0, "")
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [{"id": r["id"], "segments": r["segments"].split(";") if r["segments"] else [],
             "groups": r["groups"].split(";") if r["groups"] else []} for r in rows
            ] == expected_rows(book, profiles)
    stdout = run("members", "--segments", EXAMPLES, "--customers", customers_file, "--now", NOW,
                 "--format", "csv")
    assert stdout.stdout == out.read_text(encoding="utf-8")


def test_members_parquet_round_trip(tmp_path: Path, book: Any, customers_file: Path,
                                    profiles: list[dict[str, Any]]) -> None:
    # Customers in, as Parquet: the same profiles give the same memberships.
    customers = tmp_path / "customers.parquet"
    pq.write_table(pa.Table.from_pylist(profiles), customers)
    out = tmp_path / "members.parquet"
    result = run("members", "--segments", EXAMPLES, "--customers", customers, "--now", NOW,
                 "--out", out)
    assert result.exit_code == 0
    assert pq.read_table(out).to_pylist() == expected_rows(book, profiles)
    jsonl = run("members", "--segments", EXAMPLES, "--customers", customers, "--now", NOW)
    assert [json.loads(line) for line in jsonl.stdout.splitlines()] == expected_rows(book,
                                                                                      profiles)


def test_members_parquet_needs_a_file(customers_file: Path) -> None:
    line = one_line_error(run("members", "--segments", EXAMPLES, "--customers", customers_file,
                              "--format", "parquet"))
    assert line == "error: parquet output needs --out FILE"


def test_members_failure_leaves_no_partial_output(tmp_path: Path) -> None:
    customers = tmp_path / "c.jsonl"
    customers.write_text('{"id": "1"}\n{"id": 2,\n')
    out = tmp_path / "members.jsonl"
    out.write_text("previous export\n")
    result = run("members", "--segments", EXAMPLES, "--customers", customers, "--out", out)
    assert one_line_error(result).startswith(f"error: {customers}:2: not a JSON object")
    assert out.read_text() == "previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.jsonl", "members.jsonl"]


# --- customer files -------------------------------------------------------------------------

TYPED_CSV = (
    "id,age:int,income:float,vip:bool,birth_date:date,signup_at:datetime,tags:list,meta:json,"
    "address.country_code,address.postcode,note:str\n"
    'c-1,42,1500.5,yes,1984-02-29,2026-01-02T03:04:05Z,golf; vip ,"{""a"": [1]}",US,94110,hi\n'
    "c-2,,,false,,,,[],,,\n"
)


def test_csv_columns_are_typed_by_header(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(TYPED_CSV, encoding="utf-8")
    first, second = list(CustomerFile(path))
    assert first == {
        "id": "c-1", "age": 42, "income": 1500.5, "vip": True,
        "birth_date": dt.date(1984, 2, 29),
        "signup_at": dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        "tags": ["golf", "vip"], "meta": {"a": [1]},
        "address": {"country_code": "US", "postcode": "94110"}, "note": "hi",
    }
    assert second == {"id": "c-2", "vip": False, "meta": []}  # empty cells are missing


def test_csv_customers_drive_segments(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(TYPED_CSV, encoding="utf-8")
    (tmp_path / "s.seg").write_text(
        'segment s { include all { age >= 40 address.country_code is "US" tags contains "vip"'
        " birth_date is before 1990-01-01 vip is true income > 1000 } }")
    result = run("preview", "s", "--segments", tmp_path / "s.seg", "--customers", path, "--json")
    data = json.loads(result.stdout)
    assert (data["matched"], data["total"]) == (1, 2)
    assert data["customers"][0]["birth_date"] == "1984-02-29"


@pytest.mark.parametrize(("text", "message"), [
    ("id,age:int\nc-1,forty\n", "c.csv:2: column 'age:int': not a valid int: 'forty'"),
    ("id,vip:bool\nc-1,maybe\n", "c.csv:2: column 'vip:bool': not a valid bool: 'maybe'"),
    ("id,d:date\nc-1,2026-02-30\n", "c.csv:2: column 'd:date': not a valid date: '2026-02-30'"),
    ("id,age:integer\n", "c.csv:1: column 'age:integer' has unknown type 'integer'"),
    ("id,id\n", "c.csv:1: column 'id' appears twice"),
    ("id,a,a.b\n", "c.csv:1: column 'a.b' is inside column 'a', which holds a value"),
    ("id,age\nc-1\nc-2,3\n", "c.csv:2: 1 fields, but the header has 2"),
    ('id,m:json\nc-1,"{x"\n', "c.csv:2: column 'm:json': not a valid json: '{x'"),
])
def test_csv_errors_name_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "c.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CustomerDataError) as caught:
        list(CustomerFile(path))
    assert caught.value.message.startswith(str(tmp_path / message))


@pytest.mark.parametrize(("lines", "message"), [
    (b'{"id": "1"}\n\n{"id": "2"}\n{"id": "3" "x": 1}\n',
     "c.jsonl:4: not a JSON object: Expecting ',' delimiter"),
    (b'{"id": "1"}\n[1, 2]\n', "c.jsonl:2: not a JSON object: found an array"),
    (b'{"id": "1"}\n{"id": "\xff"}\n', "c.jsonl:2: not UTF-8 text (invalid start byte)"),
])
def test_jsonl_errors_name_file_and_line(tmp_path: Path, lines: bytes, message: str) -> None:
    path = tmp_path / "c.jsonl"
    path.write_bytes(lines)
    with pytest.raises(CustomerDataError) as caught:
        list(CustomerFile(path))
    assert caught.value.message == str(tmp_path / message)


def test_jsonl_is_read_lazily(tmp_path: Path) -> None:
    path = tmp_path / "c.ndjson"
    path.write_text('\n{"id": "1"}\n\n{"id": "2"}\nnot json\n', encoding="utf-8")
    customers = iter(CustomerFile(path))
    assert [next(customers), next(customers)] == [{"id": "1"}, {"id": "2"}]
    with pytest.raises(CustomerDataError):
        next(customers)


def test_parquet_without_pyarrow_is_one_clear_message(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.parquet"
    path.write_bytes(b"")
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(CustomerDataError, match=r"need pyarrow.*pip install pyarrow"):
        CustomerFile(path)


def test_customers_format_option_overrides_the_extension(tmp_path: Path) -> None:
    path = tmp_path / "customers.txt"
    path.write_text('{"id": "1", "income": 200000}\n', encoding="utf-8")
    args = ["preview", "High-Income Earners", "--segments", EXAMPLES, "--customers", path,
            "--json"]
    assert "cannot tell the format" in one_line_error(run(*args))
    assert json.loads(run(*args, "--customers-format", "jsonl").stdout)["matched"] == 1


# --- bad input: one line, exit code 2 ---------------------------------------------------------


@pytest.fixture
def broken(tmp_path: Path) -> dict[str, Path]:
    bad_json = tmp_path / "customers.jsonl"
    bad_json.write_text('{"id": "1"}\n{"id": "2"}\n{"id": 3,, }\n', encoding="utf-8")
    sessions = tmp_path / "sessions.json"
    sessions.write_text('{"phone": {"device": "mobile"}}', encoding="utf-8")
    return {"bad_json": bad_json, "sessions": sessions, "missing": tmp_path / "nope.jsonl"}


@pytest.mark.parametrize(("args", "expected"), [
    (["preview", "vipp", "--segments", EXAMPLES, "--customers", "{bad_json}"],
     "error[SR204]: no segment named 'vipp'; did you mean `vip`?"),
    (["preview", "vip", "--segments", EXAMPLES, "--customers", "{missing}"],
     "error: {missing}: no such file"),
    (["preview", "vip", "--segments", EXAMPLES, "--customers", "{bad_json}"],
     "error: {bad_json}:3: not a JSON object: Expecting property name enclosed in double "
     "quotes"),
    (["preview", "vip", "--segments", EXAMPLES, "--customers", "{bad_json}", "--now", "soon"],
     "error: --now: not an ISO-8601 date or datetime: 'soon' (write 2026-11-01 or "
     "2026-11-01T09:00:00Z)"),
    (["preview", "vip", "--segments", "{missing}.seg", "--customers", "{bad_json}"],
     "error: {missing}.seg: no such file or folder"),
    (["preview", "vip", "--segments", EXAMPLES, "--customers", "{bad_json}", "--session",
      "{sessions}:phon"], "error: {sessions}: no session named 'phon'; did you mean `phone`?"),
    (["preview", "vip", "--segments", EXAMPLES, "--customers", "{bad_json}", "--session",
      "{missing}"], "error: {missing}: no such file"),
    (["explain", "vipp", "--segments", EXAMPLES, "--customers", "{bad_json}", "--customer", "1"],
     "error[SR204]: no segment named 'vipp'; did you mean `vip`?"),
    (["members", "--segments", EXAMPLES, "--customers", "{bad_json}"],
     "error: {bad_json}:3: not a JSON object: Expecting property name enclosed in double "
     "quotes"),
    (["members", "--segments", EXAMPLES, "--customers", "{missing}"],
     "error: {missing}: no such file"),
    (["check", "{missing}"], "error: {missing}: no such file or folder"),
    (["fmt", "{missing}"], "error: {missing}: no such file or folder"),
])
def test_bad_input_is_one_line_and_exit_2(broken: dict[str, Path], args: list[Any],
                                          expected: str) -> None:
    filled = [str(arg).format(**broken) for arg in args]
    result = run(*filled)
    assert one_line_error(result) == expected.format(**broken)
    if args[0] != "members":  # members streams: rows before the bad line are already out
        assert result.stdout == ""


def test_segment_text_errors_render_and_exit_2(tmp_path: Path, customers_file: Path) -> None:
    (tmp_path / "bad.seg").write_text("segment b { include whre x is 1 }\n")
    for command in (["preview", "b"], ["members"], ["explain", "b", "--customer", "1"]):
        result = run(*command, "--segments", tmp_path, "--customers", customers_file)
        assert result.exit_code == 2
        assert "bad.seg:1:21: error[SR101]: unexpected `whre`" in result.stderr
        assert "help: did you mean `where`?" in result.stderr


def test_python_dash_m(tmp_path: Path) -> None:
    (tmp_path / "a.seg").write_text("segment a { include everyone }")
    done = subprocess.run([sys.executable, "-m", "segrules", "check", str(tmp_path)],
                          capture_output=True, text=True, check=False,
                          env={**os.environ, "NO_COLOR": "1"})
    assert (done.returncode, done.stdout) == (0, "1 file, 1 segment: no problems found\n")



def test_deeply_nested_json_line_is_an_error_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text('{"a": ' * 100_000 + "1" + "}" * 100_000 + "\n", encoding="utf-8")
    with pytest.raises(CustomerDataError) as caught:
        list(CustomerFile(path))
    assert caught.value.message == f"{path}:1: not a JSON object: nested too deeply"


def test_session_file_that_is_not_utf8(tmp_path: Path, customers_file: Path) -> None:
    session = tmp_path / "s.json"
    session.write_bytes(b'{"device": "\xff"}')
    line = one_line_error(run("preview", "vip", "--segments", EXAMPLES, "--customers",
                              customers_file, "--session", session))
    assert line == f"error: {session}: not UTF-8 text (invalid start byte)"


def test_broken_parquet_is_one_line_even_with_a_progress_bar(tmp_path: Path) -> None:
    bogus = tmp_path / "c.parquet"
    bogus.write_bytes(b"not parquet at all")
    assert CustomerFile(bogus).count() is None
    result = run("members", "--segments", EXAMPLES, "--customers", bogus,
                 env={"FORCE_COLOR": "1", "NO_COLOR": None})
    assert result.exit_code == 2
    assert f"error: {bogus}: not a Parquet file (Parquet magic bytes" in result.stderr
