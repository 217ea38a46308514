"""Hostile segment text through the public ``loads``: it loads or raises ``SegrulesError``.

``test_fuzz.py`` states the front end's law on arbitrary text, the language's words and the
grammar's sentences. This module aims at the limits: valid files with hostile pieces spliced in
(numbers past ``int(str)``'s limit and past a float, durations and dates past the calendar,
lone surrogates, NUL, BOM, invisible spaces and confusable quotes, deep nesting), whole files
that reach recursion and time limits (reference chains, nesting, thousands of errors), hostile
source names, the JSON form with hostile values put in, and a ``Reloader`` whose files are
edited that way. What loads must also print and load back the same (``dumps``), evaluate
lawfully for hostile calls, and agree with the reference interpreter.
"""

from __future__ import annotations

import json
import random
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import hostile
import hostile_files
from campaign import (
    SEEDS,
    SOURCE_NAMES,
    evaluation_law,
    format_law,
    fuzz,
    json_law,
    reload_law,
    spans_inside,
    text_law,
)
from oracle import Oracle, customers
from segrules.errors import SegrulesError
from segrules.jsonform import to_json
from segrules.loader import loads
from segrules.targets import Target

ROOT = Path(__file__).parent.parent
EXAMPLES = hostile_files.example_texts()
BASES = [*EXAMPLES.values(), "\n".join(EXAMPLES.values()),
         (ROOT / "tests" / "cases" / "seed.seg").read_text("utf-8"),
         "segment s { include where x is 1 }\n", "segment s {\n  include all { x is 1 }\n}\n"]


@fuzz(50)
@given(st.sampled_from(BASES), SEEDS, st.sampled_from(SOURCE_NAMES))
def test_hostile_edits_load_or_raise_a_segrules_error(base: str, seed: int,
                                                      source: str) -> None:
    rng = random.Random(seed)
    text = hostile.mutate_text(rng, base)
    format_law(text)
    book = text_law(text, source)
    if book is not None:
        evaluation_law(book, hostile.call(rng, book.document))


@fuzz(60)
@given(st.sampled_from(hostile.CONDITIONS), st.sampled_from(hostile.CONDITIONS),
       st.sampled_from(SOURCE_NAMES))
def test_hostile_conditions_load_or_raise_a_segrules_error(first: str, second: str,
                                                           source: str) -> None:
    text = f"segment s {{\n  include where {first}\n  exclude any {{ {second} }}\n}}\n"
    book = text_law(text, source)
    if book is not None:
        evaluation_law(book, {"profile": {"x": 1, "o": [{"t": 1}]}, "session": None,
                              "customer_id": None, "store": None, "now": None, "members": None})


@pytest.mark.parametrize("piece", hostile.TEXT_PIECES, ids=range(len(hostile.TEXT_PIECES)))
def test_every_hostile_piece_in_every_position(piece: str) -> None:
    # Deterministically, so no piece depends on Hypothesis drawing it.
    for text in (piece, f"segment {piece} {{ }}", f"segment s {{ title {piece} }}",
                 f"segment s {{ include where x is {piece} }}",
                 f"segment s {{ include where x {piece} }}",
                 f"segment s {{ active from {piece} }}", f"segment s {{ include where {piece} }}",
                 f"segment s {{ include customers {piece} }}"):
        text_law(text)


@pytest.mark.parametrize("name", sorted(hostile.HOSTILE_FILES))
def test_hostile_whole_files(name: str) -> None:
    text = hostile.HOSTILE_FILES[name]()
    book = text_law(text)
    if book is not None:
        for seed in range(3):
            evaluation_law(book, hostile.call(random.Random(seed), book.document), last=3)


@fuzz(60)
@given(st.data())
def test_what_loads_agrees_with_the_reference_interpreter(data: st.DataObject) -> None:
    text = hostile.mutate_text(random.Random(data.draw(SEEDS)), data.draw(st.sampled_from(BASES)))
    book = text_law(text)
    if book is None:
        return
    call = data.draw(customers(book.document))
    oracle = Oracle(book.document, call["profile"], session=call["session"],
                    store=call["store"], now=call["now"], members=call["members"])
    for name in book.names:
        kwargs = {key: call[key] for key in ("session", "store", "now", "members")}
        assert book.matches(name, call["profile"], **kwargs) == oracle.member(name), name


@fuzz(12)
@given(SEEDS)
def test_a_reloader_swaps_in_whole_books_only(seed: int) -> None:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="segrules-fuzz-") as name:
        folder = Path(name)
        (folder / "a.seg").write_text(BASES[-1], "utf-8")
        (folder / "b.seg").write_text("segment b { include segment s }\n", "utf-8")
        victim = folder / rng.choice(["a.seg", "b.seg"])

        def edit() -> None:
            text = hostile.mutate_text(rng, victim.read_text("utf-8"))
            victim.write_text(text, "utf-8", errors="surrogatepass")

        reload_law(folder, edit)


# --- the JSON form: trees a UI builder stores ----------------------------------------------------


@fuzz(60)
@given(st.sampled_from(BASES[len(EXAMPLES):]), SEEDS)  # those that load on their own
def test_hostile_json_forms_read_back_or_raise_a_segrules_error(base: str,
                                                                seed: int) -> None:
    rng = random.Random(seed)
    document = loads(base).document
    data = json.loads(json.dumps(to_json(document)))  # as a UI builder's database returns it
    hostile_data = hostile_files.mutate_profile(rng, data, values=hostile_files.json_leaf)
    json_law(hostile_data, hostile.call(rng, document))


# --- targets: one line of text a marketer types -------------------------------------------------

TARGET_WORDS = ("any", "all", "none", "of", ",", "vip", '"High-Income Earners"', '"\\uD800"',
                '"\\q"', '"', "some", "\u00a0", "\ufeff", "\x00", "\ud800", "\u201cvip\u201d")


@fuzz(100)
@given(st.lists(st.sampled_from(TARGET_WORDS), max_size=8).map(" ".join))
def test_targets_parse_or_raise_a_segrules_error(text: str) -> None:
    try:
        target = Target.parse(text)
    except SegrulesError as error:
        # A target shows "found the end of the target" just after the text, where it ends.
        spans_inside(error, text, past_the_end=1)
        return
    assert Target.parse(str(target)) == target
