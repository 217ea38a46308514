"""The membership writers encode each combination of segments and groups once and write the
bytes the plain per-row encoding writes, for any id and any names — quotes, separators, line
breaks, NUL, non-ASCII, lone surrogates — whether a combination comes back or not."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segrules import customers
from segrules.customers import Row, escape_surrogates, write_members, write_members_parquet

_HOSTILE = ['"', "\\", ",", ";", "\n", "\r", "\r\n", "\x00", " ", "é", "€", "😀", "\u2028",
            "\ufeff", "\ud800", "\udfff", "\udc80x", "[", "]", "{", "null", "''"]
_texts = st.lists(st.one_of(st.sampled_from(_HOSTILE), st.characters(codec=None)),
                  max_size=6).map("".join)
_combinations = st.tuples(st.lists(_texts, max_size=4), st.lists(_texts, max_size=3))


@st.composite
def _rows(draw: st.DrawFn) -> list[Row]:
    """Rows sharing a few combinations (as customers do), as lists or as tuples."""
    pool = draw(st.lists(_combinations, min_size=1, max_size=4))
    picks = draw(st.lists(st.tuples(st.none() | _texts, st.sampled_from(pool), st.booleans()),
                          max_size=12))
    return [(customer, tuple(names), tuple(groups)) if as_tuples
            else (customer, list(names), list(groups))
            for customer, (names, groups), as_tuples in picks]


def _per_row(format: str, rows: Iterable[Row]) -> str:
    """The reference: every row encoded on its own, as the writers once did."""
    out = io.StringIO()
    if format == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["id", "segments", "groups"])
        for customer, names, groups in rows:
            writer.writerow([escape_surrogates(text) for text in
                             (customer or "", ";".join(names), ";".join(groups))])
    else:
        encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
        for customer, names, groups in rows:
            line = encode({"id": customer, "segments": list(names), "groups": list(groups)})
            out.write(escape_surrogates(line) + "\n")
    return out.getvalue()


def _written(format: str, rows: Iterable[Row]) -> str:
    out = io.StringIO()
    write_members(format, rows, out)
    return out.getvalue()


@pytest.mark.parametrize("format", ["jsonl", "csv"])
@pytest.mark.parametrize("remembered", [customers._COMBINATIONS, 1, 2])
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=_rows())
def test_the_writer_writes_the_bytes_of_the_per_row_encoding(
        monkeypatch: pytest.MonkeyPatch, format: str, remembered: int, rows: list[Row]) -> None:
    # Remembering only one or two combinations makes the writer forget and encode again.
    monkeypatch.setattr(customers, "_COMBINATIONS", remembered)
    written = _written(format, iter(rows))
    assert written == _per_row(format, rows)
    written.encode("utf-8")  # every lone surrogate was escaped


@settings(max_examples=25, deadline=None)
@given(rows=_rows())
def test_the_parquet_writer_holds_the_escaped_rows(tmp_path_factory: pytest.TempPathFactory,
                                                   rows: list[Row]) -> None:
    path = Path(tmp_path_factory.mktemp("members")) / "members.parquet"
    write_members_parquet(iter(rows), path)
    assert pq.read_table(path).to_pylist() == [
        {"id": None if customer is None else escape_surrogates(customer),
         "segments": [escape_surrogates(name) for name in names],
         "groups": [escape_surrogates(group) for group in groups]}
        for customer, names, groups in rows]


def test_a_shared_combination_is_encoded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    encoded: list[object] = []
    real = json.JSONEncoder.encode

    def counting(self: json.JSONEncoder, value: object) -> str:
        encoded.append(value)
        return real(self, value)

    monkeypatch.setattr(json.JSONEncoder, "encode", counting)
    rows: list[Row] = [(str(number), ["a", "b"], ["g"]) for number in range(50)]
    assert _written("jsonl", rows) == _per_row("jsonl", rows)
    assert len(encoded) == 1 + 50  # the writer's one combination, the reference's 50 rows
