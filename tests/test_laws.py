"""Laws over generated trees: the JSON form and the canonical text both round-trip exactly.

``strategies`` builds valid documents straight from ``nodes``, with the awkward names, strings,
patterns and nestings a hand-written test would forget, so these laws are what lets the printer,
the parser and the JSON form change independently: any tree one of them makes, the others read.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, note, settings

from segrules import nodes as n
from segrules.checker import check
from segrules.jsonform import from_json, to_json
from segrules.parser import parse
from segrules.printer import dumps
from strategies import documents, expressions, segments

ROUND_TRIP = settings(
    max_examples=1000, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SMALLER = settings(ROUND_TRIP, max_examples=200)


@ROUND_TRIP
@given(documents())
def test_json_form_and_canonical_text_round_trip(document: n.Document) -> None:
    # Three laws on one input, because generating a document costs more than checking it.
    # 1. from_json(to_json(d)) == d, through real JSON text.
    data = json.loads(json.dumps(to_json(document), ensure_ascii=False))
    assert from_json(data) == document
    # 2. parse(dumps(d)) == d (spans ignored by node equality).
    text = dumps(document)
    note(text)
    parsed = parse(text)
    assert parsed == document
    # 3. Printing is a fixed point: what was parsed prints as the same text.
    assert dumps(parsed) == text


@SMALLER
@given(segments(max_depth=4))
def test_deep_nesting_round_trips(segment: n.Segment) -> None:
    text = dumps(segment)
    assert parse(text).segments == (segment,)


@SMALLER
@given(expressions(max_depth=3))
def test_any_expression_prints_as_a_where_block(expr: n.Expr) -> None:
    segment = n.Segment("s", includes=(expr,), excludes=(expr,))
    assert parse(dumps(segment)).segments == (segment,)
    assert from_json(to_json(expr)) == expr


@SMALLER
@given(documents())
def test_generated_documents_pass_the_checker(document: n.Document) -> None:
    assert [d for d in check(document) if d.severity == "error"] == []
