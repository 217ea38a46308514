"""The ``segrules`` command against what real files hold: each customer's own store, named
sessions, customers without an id, output paths that are links or not files at all, JSON that
must stay JSON, and hostile input (huge numbers, lone surrogates, odd Parquet types) that must
give correct output or one clear line and exit code 2 — never a traceback."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
import os
import string
import threading
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from segrules.loader import load
from test_cli import EXAMPLES, NOW, REFERENCE, SESSIONS, _generator, one_line_error, run

STORE_SEG = """\
segment na { stores "main", "outlet" include where country is "Canada" }
segment everywhere { include where country is "Canada" }
segment via_ref { include segment na }
"""


@pytest.fixture(scope="module")
def examples() -> Any:
    return load(EXAMPLES)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    path = tmp_path_factory.mktemp("generated") / "customers.jsonl"
    _generator().main(["--count", "400", "--seed", "11", "--out", str(path)])
    with path.open(encoding="utf-8") as handle:
        return path, [json.loads(line) for line in handle]


def write_jsonl(path: Path, profiles: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(p) + "\n" for p in profiles), encoding="utf-8")
    return path


def jsonl_rows(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


# --- each customer's own store (item 7) --------------------------------------------------------


def test_members_evaluates_each_customer_for_their_own_store(
        generated: tuple[Path, list[dict[str, Any]]], examples: Any) -> None:
    path, profiles = generated
    result = run("members", "--segments", EXAMPLES, "--customers", path, "--now", NOW)
    assert result.exit_code == 0
    rows = jsonl_rows(result.stdout)
    expected = [sorted(examples.segments_for(p, store=p["store"], now=REFERENCE))
                for p in profiles]
    assert [sorted(row["segments"]) for row in rows] == expected
    # The demo's complaint: a segment limited to stores came out empty.
    assert sum("north_america_adults" in row["segments"] for row in rows) > 0
    assert {p["store"] for p in profiles} == {"main", "outlet"}
    assert result.stderr == ""  # every customer had a store: nothing to warn about


def test_store_option_overrides_each_customers_store(
        generated: tuple[Path, list[dict[str, Any]]], examples: Any) -> None:
    path, profiles = generated
    result = run("members", "--segments", EXAMPLES, "--customers", path, "--now", NOW,
                 "--store", "outlet")
    expected = [sorted(examples.segments_for(p, store="outlet", now=REFERENCE))
                for p in profiles]
    assert [sorted(row["segments"]) for row in jsonl_rows(result.stdout)] == expected


def test_store_field_names_the_attribute_and_may_be_nested(tmp_path: Path) -> None:
    (tmp_path / "s.seg").write_text(STORE_SEG)
    customers = write_jsonl(tmp_path / "c.jsonl", [
        {"id": "1", "country": "Canada", "shop": {"name": "main"}},
        {"id": "2", "country": "Canada", "shop": {"name": "kiosk"}},
    ])
    result = run("members", "--segments", tmp_path / "s.seg", "--customers", customers,
                 "--store-field", "shop.name")
    assert [row["segments"] for row in jsonl_rows(result.stdout)] == [
        ["na", "everywhere", "via_ref"], ["everywhere"]]


@pytest.mark.parametrize("command", [["members"], ["preview", "na"],
                                     ["explain", "na", "--customer", "1"]])
def test_a_store_that_is_not_text_is_one_line(tmp_path: Path, command: list[str]) -> None:
    (tmp_path / "s.seg").write_text(STORE_SEG)
    customers = write_jsonl(tmp_path / "c.jsonl", [{"id": "1", "store": ["main"]}])
    line = one_line_error(run(*command, "--segments", tmp_path / "s.seg", "--customers",
                              customers))
    assert line == (f"error: {customers}: customer '1': the store field `store` holds "
                    "an array, not a string (name the field with --store-field, or give --store)")


def test_members_says_when_store_limited_segments_could_not_match(tmp_path: Path) -> None:
    (tmp_path / "s.seg").write_text(STORE_SEG)
    customers = write_jsonl(tmp_path / "c.jsonl", [
        {"id": "1", "country": "Canada"}, {"id": "2", "country": "Canada", "store": "main"}])
    result = run("members", "--segments", tmp_path / "s.seg", "--customers", customers)
    assert result.exit_code == 0
    assert [row["segments"] for row in jsonl_rows(result.stdout)] == [
        ["everywhere"], ["na", "everywhere", "via_ref"]]
    assert result.stderr == (
        "warning: 1 customer has no store (no --store, no `store` field): segments limited "
        "to stores cannot match them: na\n")
    nobody = write_jsonl(tmp_path / "n.jsonl", [{"id": "1", "country": "Canada"}])
    result = run("members", "--segments", tmp_path / "s.seg", "--customers", nobody,
                 "--format", "csv")
    assert result.stderr == (
        "warning: 1 customer has no store (no --store, no `store` field): segments limited "
        "to stores cannot match them: na\n")


def test_preview_uses_each_customers_store_and_warns_without_one(tmp_path: Path) -> None:
    (tmp_path / "s.seg").write_text(STORE_SEG)
    customers = write_jsonl(tmp_path / "c.jsonl", [
        {"id": "1", "country": "Canada"}, {"id": "2", "country": "Canada", "store": "main"}])
    result = run("preview", "via_ref", "--segments", tmp_path / "s.seg", "--customers",
                 customers, "--json")
    assert json.loads(result.stdout)["matched"] == 1
    assert result.stderr == (
        "warning: 1 customer has no store (no --store, no `store` field): segments limited "
        "to stores cannot match them: na\n")
    quiet = run("preview", "everywhere", "--segments", tmp_path / "s.seg", "--customers",
                customers, "--json")
    assert (json.loads(quiet.stdout)["matched"], quiet.stderr) == (2, "")


def test_explain_uses_the_customers_store(tmp_path: Path) -> None:
    (tmp_path / "s.seg").write_text(STORE_SEG)
    customers = write_jsonl(tmp_path / "c.jsonl", [{"id": "1", "country": "Canada",
                                                    "store": "main"}])
    result = run("explain", "na", "--segments", tmp_path / "s.seg", "--customers", customers,
                 "--customer", "1")
    assert result.stdout.startswith("na: member")


# --- named sessions (item 19) ------------------------------------------------------------------


def test_a_file_of_named_sessions_needs_a_name(generated: tuple[Path, Any]) -> None:
    line = one_line_error(run("preview", "golf_promo", "--segments", EXAMPLES, "--customers",
                              generated[0], "--session", SESSIONS))
    assert line == (f"error: {SESSIONS}: a file of named sessions (desktop_search, "
                    "mobile_direct, mobile_newsletter, tablet_instagram); pick one with "
                    f"--session {SESSIONS}:NAME")


def test_a_single_session_object_is_used_as_it_is(tmp_path: Path) -> None:
    (tmp_path / "s.seg").write_text('segment m { include where session.device is "mobile" }')
    customers = write_jsonl(tmp_path / "c.jsonl", [{"id": "1"}])
    session = tmp_path / "visit.json"
    session.write_text('{"device": "mobile", "cart": {"total": 3}}')
    result = run("preview", "m", "--segments", tmp_path / "s.seg", "--customers", customers,
                 "--json", "--session", session)
    assert json.loads(result.stdout)["matched"] == 1


@pytest.mark.parametrize(("text", "message"), [
    ('{"n": ' + "9" * 5000 + "}", "not valid JSON: a number with more than 4300 digits"),
    ('{"n": ' + "[" * 100_000 + "]" * 100_000 + "}", "not valid JSON: nested too deeply"),
])
def test_session_files_python_cannot_read_are_one_line(tmp_path: Path, text: str,
                                                       message: str) -> None:
    (tmp_path / "s.seg").write_text("segment s { include everyone }")
    customers = write_jsonl(tmp_path / "c.jsonl", [{"id": "1"}])
    session = tmp_path / "visit.json"
    session.write_text(text)
    line = one_line_error(run("preview", "s", "--segments", tmp_path / "s.seg", "--customers",
                              customers, "--session", session))
    assert line == f"error: {session}: {message}"


# --- customers without an id (item 22) ---------------------------------------------------------


@pytest.mark.parametrize("out_format", ["jsonl", "csv", "parquet"])
def test_members_warns_once_about_customers_without_an_id(tmp_path: Path,
                                                          out_format: str) -> None:
    (tmp_path / "s.seg").write_text("segment all { include everyone }")
    customers = write_jsonl(tmp_path / "c.jsonl",
                            [{"id": "1"}, {"name": "x"}, {"id": None}, {"id": "4"}])
    out = tmp_path / f"m.{out_format}"
    result = run("members", "--segments", tmp_path / "s.seg", "--customers", customers,
                 "--out", out)
    assert result.exit_code == 0
    assert result.stderr == ("warning: 2 customers have no id (the first is customer 2 in "
                             f"{customers}); their rows have an empty id\n")
    if out_format == "parquet":
        ids = pq.read_table(out).column("id").to_pylist()
    elif out_format == "csv":
        ids = [row["id"] or None for row in csv.DictReader(io.StringIO(out.read_text()))]
    else:
        ids = [row["id"] for row in jsonl_rows(out.read_text())]
    assert ids == ["1", None, None, "4"]


# --- output paths (item 13) --------------------------------------------------------------------


MESSY = "segment a {include where x>1}\n"
TIDY = "segment a {\n    include where x > 1\n}\n"


def test_fmt_writes_through_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real" / "a.seg"
    real.parent.mkdir()
    real.write_text(MESSY)
    link = tmp_path / "link.seg"
    link.symlink_to(real)
    result = run("fmt", link)
    assert result.exit_code == 0
    assert link.is_symlink()
    assert real.read_text() == TIDY
    assert sorted(p.name for p in real.parent.iterdir()) == ["a.seg"]


@pytest.mark.parametrize("suffix", ["jsonl", "csv", "parquet"])
def test_members_out_writes_through_a_symlink(tmp_path: Path, suffix: str) -> None:
    (tmp_path / "s.seg").write_text("segment all { include everyone }")
    customers = write_jsonl(tmp_path / "c.jsonl", [{"id": "1"}])
    real = tmp_path / f"exports/m.{suffix}"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / f"latest.{suffix}"
    link.symlink_to(Path("exports") / f"m.{suffix}")  # relative, as ln -s writes them
    result = run("members", "--segments", tmp_path / "s.seg", "--customers", customers,
                 "--out", link)
    assert result.exit_code == 0
    assert link.is_symlink()
    assert real.read_bytes() != b"old"
    if suffix == "parquet":
        assert pq.read_table(link).column("id").to_pylist() == ["1"]


def test_members_out_refuses_a_fifo_and_a_folder(tmp_path: Path) -> None:
    (tmp_path / "s.seg").write_text("segment all { include everyone }")
    customers = write_jsonl(tmp_path / "c.jsonl", [{"id": "1"}])
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    line = one_line_error(run("members", "--segments", tmp_path / "s.seg", "--customers",
                              customers, "--out", fifo))
    assert line == (f"error: --out {fifo}: not a regular file (leave out --out, or write "
                    "--out -, for stdout)")
    assert fifo.exists() and not fifo.is_file()
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    line = one_line_error(run("members", "--segments", tmp_path / "s.seg", "--customers",
                              customers, "--out", folder))
    assert line == f"error: --out {folder}: is a folder"


def test_fmt_refuses_a_fifo_without_reading_it(tmp_path: Path) -> None:
    fifo = tmp_path / "a.seg"
    os.mkfifo(fifo)
    result = run("fmt", fifo)
    assert result.exit_code == 2
    assert f"error: {fifo}: not a file or folder" in result.stderr


def test_members_out_names_the_path_asked_for(tmp_path: Path) -> None:
    (tmp_path / "s.seg").write_text("segment all { include everyone }")
    customers = write_jsonl(tmp_path / "c.jsonl", [{"id": "1"}])
    missing = tmp_path / "nonexistent" / "x.csv"
    line = one_line_error(run("members", "--segments", tmp_path / "s.seg", "--customers",
                              customers, "--out", missing))
    assert line == f"error: --out {missing}: no such folder {missing.parent}"


def test_members_out_through_a_link_whose_file_is_not_there_yet(tmp_path: Path) -> None:
    (tmp_path / "s.seg").write_text("segment all { include everyone }")
    customers = write_jsonl(tmp_path / "c.jsonl", [{"id": "1"}])
    link = tmp_path / "latest.jsonl"
    link.symlink_to(tmp_path / "first.jsonl")
    run("members", "--segments", tmp_path / "s.seg", "--customers", customers, "--out", link)
    assert link.is_symlink()
    assert (tmp_path / "first.jsonl").read_text() == '{"id": "1", "segments": ["all"], ' \
                                                     '"groups": []}\n'


def test_a_customer_pipe_is_read_once_not_counted(tmp_path: Path) -> None:
    from segrules.customers import CustomerFile
    fifo = tmp_path / "c.jsonl"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_text('{"id": "1"}\n'))
    writer.start()
    customers = CustomerFile(fifo)
    assert customers.count() is None  # counting would consume what the export needs
    assert list(customers) == [{"id": "1"}]
    writer.join()


def test_members_out_dash_is_stdout(tmp_path: Path) -> None:
    (tmp_path / "s.seg").write_text("segment all { include everyone }")
    customers = write_jsonl(tmp_path / "c.jsonl", [{"id": "1"}])
    result = run("members", "--segments", tmp_path / "s.seg", "--customers", customers,
                 "--out", "-", "--format", "csv")
    assert result.stdout == "id,segments,groups\n1,all,\n"
    assert not (tmp_path / "-").exists()


# --- preview --json and percentages (item 15) ------------------------------------------------


def _strict(text: str) -> Any:
    def refuse(constant: str) -> None:
        raise AssertionError(f"not JSON: {constant}")
    return json.loads(text, parse_constant=refuse)


def test_preview_json_is_json_even_for_nan_and_infinity(tmp_path: Path) -> None:
    (tmp_path / "s.seg").write_text("segment s { include where score exists }")
    customers = tmp_path / "c.jsonl"
    customers.write_text('{"id": "1", "score": NaN}\n{"id": "2", "score": -Infinity}\n'
                         '{"id": "3", "score": {"x": [Infinity]}}\n')
    result = run("preview", "s", "--segments", tmp_path / "s.seg", "--customers", customers,
                 "--json")
    data = _strict(result.stdout)
    assert [c["score"] for c in data["customers"]] == ["NaN", "-Infinity", {"x": ["Infinity"]}]


@pytest.mark.parametrize(("matched", "total", "shown"), [
    (2, 10_000, "0.02"), (1, 3, "33.3"), (9_999, 10_000, "99.99"), (1, 10_000_000, "0.00001"),
    (0, 10, "0.0"), (10, 10, "100.0"), (1, 8, "12.5"), (1, 1_000, "0.1"),
])
def test_preview_percentages_never_round_to_none_or_all(tmp_path: Path, matched: int,
                                                        total: int, shown: str) -> None:
    from segrules.cli import percent
    assert percent(matched, total) == shown


def test_preview_shows_small_shares(tmp_path: Path) -> None:
    (tmp_path / "s.seg").write_text("segment s { include where hit is true }")
    customers = write_jsonl(tmp_path / "c.jsonl", [{"id": str(i), "hit": i < 2}
                                                   for i in range(10_000)])
    result = run("preview", "s", "--segments", tmp_path / "s.seg", "--customers", customers)
    assert "2 of 10000 customers match (0.02%)" in result.stdout
    data = _strict(run("preview", "s", "--segments", tmp_path / "s.seg", "--customers",
                       customers, "--json").stdout)
    assert data["percent"] == 0.02


# --- hostile input (item 10) -------------------------------------------------------------------

SURROGATES = '{"id": "a\\ud800", "email": "x\\udfff@example.com", "tags": ["\\udc80"]}\n'
ANY_SEG = "segment s { include where email exists }\n"


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    (tmp_path / "s.seg").write_text(ANY_SEG)
    (tmp_path / "c.jsonl").write_text(SURROGATES)
    return tmp_path


def test_huge_integer_in_jsonl_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "s.seg").write_text(ANY_SEG)
    customers = tmp_path / "c.jsonl"
    customers.write_text('{"id": "1"}\n{"id": "2", "age": ' + "9" * 5000 + "}\n")
    for command in (["members"], ["preview", "s"], ["explain", "s", "--customer", "2"]):
        line = one_line_error(run(*command, "--segments", tmp_path / "s.seg", "--customers",
                                  customers))
        assert line == (f"error: {customers}:2: not a JSON object: a number with more than "
                        "4300 digits")


def test_huge_integer_in_csv_is_one_short_line(tmp_path: Path) -> None:
    (tmp_path / "s.seg").write_text(ANY_SEG)
    customers = tmp_path / "c.csv"
    customers.write_text("id,age:int\n1," + "9" * 5000 + "\n")
    line = one_line_error(run("members", "--segments", tmp_path / "s.seg", "--customers",
                              customers))
    assert line.startswith(f"error: {customers}:2: column 'age:int': not a valid int: '9999")
    assert len(line) < 200


def test_lone_surrogates_in_jsonl_members_are_json_escapes(hostile: Path) -> None:
    result = run("members", "--segments", hostile / "s.seg", "--customers",
                 hostile / "c.jsonl")
    assert result.exit_code == 0
    assert result.stdout == '{"id": "a\\ud800", "segments": ["s"], "groups": []}\n'
    assert json.loads(result.stdout)["id"] == "a\ud800"  # the value itself, losslessly
    assert result.stderr == ""
    out = hostile / "m.jsonl"
    run("members", "--segments", hostile / "s.seg", "--customers", hostile / "c.jsonl",
        "--out", out)
    assert out.read_text(encoding="utf-8") == result.stdout


@pytest.mark.parametrize("out_format", ["csv", "parquet"])
def test_lone_surrogates_in_csv_and_parquet_are_escaped_with_a_warning(
        hostile: Path, out_format: str) -> None:
    out = hostile / f"m.{out_format}"
    result = run("members", "--segments", hostile / "s.seg", "--customers",
                 hostile / "c.jsonl", "--out", out)
    assert result.exit_code == 0
    assert result.stderr == ("warning: 1 customer id is not valid Unicode (a lone surrogate); "
                             "written with \\uXXXX escapes, as in a\\ud800\n")
    if out_format == "csv":
        assert out.read_text(encoding="utf-8") == "id,segments,groups\na\\ud800,s,\n"
    else:
        assert pq.read_table(out).column("id").to_pylist() == ["a\\ud800"]
    stdout = run("members", "--segments", hostile / "s.seg", "--customers",
                 hostile / "c.jsonl", "--format", "csv")
    assert stdout.stdout == "id,segments,groups\na\\ud800,s,\n"


def test_lone_surrogates_in_preview_and_explain(hostile: Path) -> None:
    args = ["--segments", hostile / "s.seg", "--customers", hostile / "c.jsonl"]
    table = run("preview", "s", *args)
    assert table.exit_code == 0
    assert "a\\ud800" in table.stdout and "x\\udfff@example.com" in table.stdout
    data = run("preview", "s", *args, "--json")
    assert _strict(data.stdout)["customers"] == [{"id": "a\ud800",
                                                  "email": "x\udfff@example.com"}]
    for customer in ("a\\ud800", "a\udced\udca0\udc80"):  # as printed, or as raw bytes
        explained = run("explain", "s", *args, "--customer", customer)
        assert explained.exit_code == 0
        assert "x\\udfff@example.com" in explained.stdout
        tree = run("explain", "s", *args, "--customer", customer, "--json")
        assert _strict(tree.stdout)["matched"] is True
    missing = one_line_error(run("explain", "s", *args, "--customer", "b\udced\udca0\udc80"))
    assert missing == f"error: {hostile / 'c.jsonl'}: no customer with id 'b\\ud800'"


def test_fmt_check_and_preview_with_lone_surrogates_in_strings(tmp_path: Path) -> None:
    text = 'segment a {include where email is "\\uD800"}\n'
    seg = tmp_path / "a.seg"
    seg.write_text(text)
    result = run("fmt", seg)
    assert result.exit_code == 2
    assert "error[SR104]" in result.stderr
    assert seg.read_text() == text
    ref = tmp_path / "ref.seg"
    ref.write_text('segment b { include segment "\\uDFFF" }\n')
    checked = run("check", ref)
    assert checked.exit_code == 1
    assert "error[SR104]" in checked.stdout
    failed = run("preview", "b", "--segments", ref, "--customers", SESSIONS)
    assert failed.exit_code == 2
    assert "error[SR104]" in failed.stderr


def _parquet(path: Path, column: pa.Array) -> Path:
    ids = pa.array([f"c{i}" for i in range(len(column))])
    pq.write_table(pa.table({"id": ids, "x": column}), path)
    return path


NS = 1_000_000_001  # 1970-01-01T00:00:01.000000001: not a whole number of microseconds


@pytest.mark.parametrize(("column", "value"), [
    (pa.array([NS], pa.timestamp("ns")), dt.datetime(1970, 1, 1, 0, 0, 1)),
    (pa.array([NS], pa.timestamp("ns", tz="UTC")),
     dt.datetime(1970, 1, 1, 0, 0, 1, tzinfo=dt.UTC)),
    (pa.array([NS], pa.time64("ns")), dt.time(0, 0, 1)),
    (pa.array([1001], pa.duration("ns")), dt.timedelta(microseconds=1)),
    (pa.array([{"t": NS}], pa.struct([("t", pa.timestamp("ns"))])),
     {"t": dt.datetime(1970, 1, 1, 0, 0, 1)}),
    (pa.array([[NS]], pa.list_(pa.timestamp("ns"))), [dt.datetime(1970, 1, 1, 0, 0, 1)]),
    (pa.array([[("k", NS)]], pa.map_(pa.string(), pa.timestamp("ns"))),
     {"k": dt.datetime(1970, 1, 1, 0, 0, 1)}),
    (pa.array([decimal.Decimal("1" * 76)], pa.decimal256(76, 0)), decimal.Decimal("1" * 76)),
    (pa.array(["a"]).dictionary_encode(), "a"),
    (pa.array(["a"], pa.large_string()), "a"),
])
def test_parquet_odd_types_are_read(tmp_path: Path, column: pa.Array, value: object) -> None:
    from segrules.customers import CustomerFile
    path = _parquet(tmp_path / "c.parquet", column)
    assert [p["x"] for p in CustomerFile(path)] == [value]
    (tmp_path / "s.seg").write_text("segment s { include where x exists }")
    for command in (["members"], ["preview", "s"], ["preview", "s", "--json"]):
        result = run(*command, "--segments", tmp_path / "s.seg", "--customers", path)
        assert result.exit_code == 0, result.output


@pytest.mark.parametrize("column", [
    pa.array([0, -62135596800 - 86400], pa.timestamp("s")),
    pa.array([0, 253402300800 + 86400], pa.timestamp("s", tz="UTC")),
    pa.array([0, 3_000_000], pa.date32()),
    pa.array([[], [{"d": 3_000_000}]], pa.list_(pa.struct([("d", pa.date32())]))),
])
def test_parquet_dates_python_cannot_hold_are_one_line(tmp_path: Path,
                                                       column: pa.Array) -> None:
    path = _parquet(tmp_path / "c.parquet", column)
    (tmp_path / "s.seg").write_text("segment s { include everyone }")
    line = one_line_error(run("members", "--segments", tmp_path / "s.seg", "--customers",
                              path))
    assert line == (f"error: {path}: row 2, column 'x': a date or time outside the years "
                    "1 to 9999")


def test_deeply_nested_value_in_preview_json(tmp_path: Path) -> None:
    (tmp_path / "s.seg").write_text("segment s { include where x exists }")
    customers = tmp_path / "c.jsonl"
    customers.write_text('{"id": "1", "x": ' + "[" * 900 + "]" * 900 + "}\n")
    for command in (["preview", "s", "--json"], ["preview", "s"], ["members"]):
        result = run(*command, "--segments", tmp_path / "s.seg", "--customers", customers)
        assert result.exit_code in (0, 2)


# --- fuzz: any line of a customer file is output or one clear line ---------------------------

_cells = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["NaN", "-Infinity", "9" * 4400, "\ud800", "0000-01-01", "9999-12-31T23:59",
                     "\x00", "1e400", "[]", "{}", '"', "\\ud800", "true", "-0"]),
)


def _containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)


_json_values = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=8) | _cells,
    _containers, max_leaves=8)
_FUZZ_SEG = """\
segment s {
    stores "main"
    include where age >= 18 and email contains "@" and signup_at within last 30 days
}
segment t { include where tags contains "vip" or years_since(birth_date) > 3 }
"""
_ATTRIBUTES = ["id", "age", "email", "signup_at", "tags", "birth_date", "store"]


def _assert_clean(result: Any) -> None:
    assert result.exit_code in (0, 2), result.output
    assert "Traceback" not in result.output
    if result.exit_code == 2:
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(profile=st.dictionaries(st.sampled_from(_ATTRIBUTES), _json_values, max_size=6),
       raw=st.sampled_from(["", "NaN", "1" * 4400, "[", "\\ud800", "\ud800"]))
@example(profile={"id": "\ud800", "store": 3}, raw="")
def test_fuzz_jsonl_lines(tmp_path_factory: pytest.TempPathFactory, profile: dict[str, Any],
                          raw: str) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "s.seg").write_text(_FUZZ_SEG)
    line = json.dumps(profile)
    if raw:
        line = line[:-1] + (", " if profile else "") + f'"raw": {raw}' + "}"
    customers = folder / "c.jsonl"
    customers.write_text(line + "\n", encoding="utf-8", errors="surrogatepass")
    args = ["--segments", folder / "s.seg", "--customers", customers, "--now", NOW]
    for command in (["members"], ["members", "--format", "csv"], ["preview", "s"],
                    ["preview", "t", "--json"], ["explain", "t", "--customer", "x"]):
        _assert_clean(run(*command, *args))
    _assert_clean(run("members", *args, "--out", folder / "m.parquet"))


_CSV_HEADER = ["id", "age:int", "score:float", "vip:bool", "birth_date:date",
               "signup_at:datetime", "tags:list", "meta:json", "store"]


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(cells=st.lists(_cells | st.text(alphabet=string.printable, max_size=6),
                      min_size=len(_CSV_HEADER), max_size=len(_CSV_HEADER)))
def test_fuzz_csv_cells(tmp_path_factory: pytest.TempPathFactory, cells: list[str]) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "s.seg").write_text(_FUZZ_SEG)
    customers = folder / "c.csv"
    with customers.open("w", encoding="utf-8", errors="surrogatepass", newline="") as out:
        csv.writer(out).writerows([_CSV_HEADER, cells])
    args = ["--segments", folder / "s.seg", "--customers", customers, "--now", NOW]
    for command in (["members"], ["members", "--format", "csv"], ["preview", "t"],
                    ["preview", "s", "--json"]):
        _assert_clean(run(*command, *args))
