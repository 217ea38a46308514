"""The bundled examples: they load, they say what their comments say, and the data is stable.

The example segments are the first thing a new user reads, so they are tested like code: every
file parses, the folder loads without warnings, every operator spelling is shown somewhere,
the SPEC's seed segments are there unchanged, and on generated customers each segment matches
a sensible share (a rule that matches nobody, or everybody, is a broken example).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from pygments.token import Operator

import segrules
from segrules.lexer import SegrulesLexer
from segrules.operators import SPELLINGS
from segrules.parser import parse

ROOT = Path(__file__).parent.parent
SEGMENTS = ROOT / "examples" / "segments"
FILES = sorted(SEGMENTS.glob("*.seg"))
GENERATOR = ROOT / "examples" / "generate_customers.py"
SPEC = ROOT.parent / "shared" / "SPEC.md"
SEEDS = ("north_america_adults", "High-Income Earners", "newsletter_vip", "fraud_suspects")
REFERENCE = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_customers", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def book() -> segrules.Book:
    return segrules.load(SEGMENTS)


@pytest.fixture(scope="module")
def sessions() -> list[dict[str, Any]]:
    named = json.loads((ROOT / "examples" / "sessions.json").read_text(encoding="utf-8"))
    assert isinstance(named, dict) and named
    return list(named.values())


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_each_file_parses(path: Path) -> None:
    document = parse(path.read_text(encoding="utf-8"), str(path))
    assert document.segments


def test_the_folder_loads_without_warnings(book: segrules.Book) -> None:
    assert len(FILES) >= 5
    assert len(book.names) >= 14
    assert set(SEEDS) <= set(book.names)
    assert list(book.warnings) == []


def test_every_operator_spelling_appears_in_the_examples() -> None:
    seen = set()
    for path in FILES:
        for kind, value in SegrulesLexer().get_tokens(path.read_text(encoding="utf-8")):
            if kind in Operator:
                seen.add(" ".join(value.split()))
    # `more than N UNIT ago` is one spelling written around its operand.
    if {"more than", "ago"} <= seen:
        seen.add("more than ago")
    assert sorted(set(SPELLINGS) - seen) == []


def test_seed_segments_are_the_spec_verbatim() -> None:
    if not SPEC.exists():
        pytest.skip(f"{SPEC} is not beside this checkout")
    block = re.search(r"```\n(# segments/north_america\.seg.*?)```", SPEC.read_text(), re.S)
    assert block is not None
    from_spec = {s.name: s for s in parse(block.group(1)).segments}
    from_examples = {
        s.name: s for path in FILES for s in parse(path.read_text(encoding="utf-8")).segments
    }
    assert set(from_spec) == set(SEEDS)
    for name in SEEDS:
        assert from_examples[name] == from_spec[name]


def test_explicit_lists_and_windows_behave_as_commented(book: segrules.Book) -> None:
    nobody_special: dict[str, Any] = {"id": "c-000314", "orders": [], "tags": []}
    assert book.matches("manual_review", nobody_special, now=REFERENCE)
    assert not book.matches("manual_review", nobody_special | {"id": "c-000999"}, now=REFERENCE)
    platinum = {"id": "c-000042", "loyalty_tier": "platinum", "orders": [], "tags": []}
    assert not book.matches("vip", platinum, now=REFERENCE)
    assert book.matches("vip", platinum | {"id": "c-000043"}, now=REFERENCE)
    floridian = {"id": "c-000500", "country": "United States", "state": "Florida", "age": 40}
    assert book.matches("north_america_adults", floridian, store="main", now=REFERENCE)
    assert not book.matches("north_america_adults", floridian, store="main",
                            now=dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
    assert not book.matches("north_america_adults", floridian, store="app", now=REFERENCE)
    tagged = {"id": "c-000501", "tags": ["chargeback"]}
    assert not book.matches("legacy_chargeback_block", tagged, now=REFERENCE)
    assert book.matches("manual_review", tagged, now=REFERENCE)


def test_segments_match_sensible_shares_of_generated_customers(
    book: segrules.Book, sessions: list[dict[str, Any]]
) -> None:
    people = list(load_generator().generate(2000, seed=42))
    counts: Counter[str] = Counter()
    for person in people:
        for session in sessions:
            counts.update(book.segments_for(person, session=session, store=person["store"],
                                            now=REFERENCE))
    visits = len(people) * len(sessions)
    share = {name: counts[name] / visits for name in book.names}
    # The container is filled by a membership store and the retired segment is disabled.
    assert share["fraud_suspects"] == 0
    assert share["legacy_chargeback_block"] == 0
    # `include everyone` minus a few exclusions is meant to reach nearly everybody.
    assert share["storewide_sale"] > 0.9
    rest = set(book.names) - {"fraud_suspects", "legacy_chargeback_block", "storewide_sale"}
    assert {name: share[name] for name in rest if not 0 < share[name] <= 0.6} == {}


def test_generator_is_deterministic(tmp_path: Path) -> None:
    outputs = []
    for name, seed in (("a", "7"), ("b", "7"), ("c", "8")):
        out = tmp_path / name / "customers.jsonl"
        subprocess.run(
            [sys.executable, str(GENERATOR), "--count", "200", "--seed", seed, "--out", str(out)],
            check=True, capture_output=True,
        )
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert outputs[0] != outputs[2]
    lines = outputs[0].decode("utf-8").splitlines()
    assert len(lines) == 200
    assert [json.loads(line)["id"] for line in lines[:2]] == ["c-000001", "c-000002"]


def test_generated_customers_have_the_documented_shape() -> None:
    people = list(load_generator().generate(300, seed=1))
    keys = {"id", "first_name", "last_name", "email", "gender", "birth_date", "age", "country",
            "state", "address", "interests", "tags", "loyalty_tier", "email_opt_in",
            "signup_at", "last_login_at", "orders", "store"}
    for person in people:
        assert keys <= set(person)
        assert set(person["address"]) == {"street", "city", "postcode", "country_code"}
        assert person["store"] in ("main", "outlet")
        dt.date.fromisoformat(person["birth_date"])
        for order in person["orders"]:
            placed = dt.datetime.fromisoformat(order["placed_at"])
            assert REFERENCE - dt.timedelta(days=3 * 365) <= placed <= REFERENCE
            assert order["status"] in ("paid", "refunded", "pending", "cancelled")
            assert round(order["total"], 2) == order["total"]
    states = {person["state"] for person in people}
    assert {"Florida", "British Columbia"} <= states
    assert any("income" not in person or person["income"] is None for person in people)
    assert any(person["email"].endswith("@example.com") for person in people)
