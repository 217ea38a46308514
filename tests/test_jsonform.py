"""The JSON form: its exact shape (a UI builder depends on it), the round trip, and the errors.

A bad element must be reported by its path, ``segments[2].includes[0].op``, since the JSON may
come from a builder or a database row nobody can see in a text editor.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import attrs
import pytest

import segrules
from segrules import nodes as n
from segrules.errors import SegrulesValueError
from segrules.jsonform import _FIELDS, VERSION, from_json, to_json
from segrules.parser import parse

SEED = '''
segment vip {
    title "VIP"
    groups "VIP"
    active from 2026-01-01T09:00:00+05:30 until 2027-01-01
    include all {
        spent >= 500.50
        count(orders where placed_at within last 30 days) >= 2
        email matches /@example\\.com$/
        session.device is one of "mobile", "tablet"
    }
    exclude where not in segment other or born is before 2000-02-29
    include customers "c-1"
}
segment other { include everyone }
'''


def test_compare_shape() -> None:
    compare = n.Compare(n.Attr(("a", "b"), "session"), "between",
                        (n.Number(1), n.Number(Decimal("2.50"))), negated=True)
    assert to_json(compare) == {
        "type": "Compare",
        "left": {"type": "Attr", "names": ["a", "b"], "root": "session"},
        "op": "between",
        "values": [{"type": "Number", "value": 1}, {"type": "Number", "value": "2.50"}],
        "negated": True,
        "ignore_case": False,
    }


def test_dates_are_iso_strings_tagged_by_type() -> None:
    moment = dt.datetime(2026, 1, 31, 9, tzinfo=dt.timezone(dt.timedelta(hours=-3)))
    assert to_json(n.Date(dt.date(2026, 1, 31))) == {"type": "Date", "value": "2026-01-31"}
    assert to_json(n.DateTime(moment)) == {"type": "DateTime", "value": "2026-01-31T09:00:00-03:00"}
    segment = to_json(n.Segment("s", active_from=dt.date(2026, 1, 1), active_until=moment))
    assert segment["active_from"] == {"type": "Date", "value": "2026-01-01"}
    assert segment["active_until"] == {"type": "DateTime", "value": "2026-01-31T09:00:00-03:00"}


def test_document_carries_a_version_and_no_spans() -> None:
    data = to_json(parse(SEED))
    assert data["type"] == "Document"
    assert data["version"] == VERSION
    assert "span" not in json.dumps(data)


def test_round_trip_through_json_text() -> None:
    document = parse(SEED)
    assert from_json(json.loads(json.dumps(to_json(document)))) == document


def test_a_book_converts_as_its_document() -> None:
    book = segrules.loads(SEED)
    assert to_json(book) == to_json(book.document)


def test_decimal_digits_survive() -> None:
    back = from_json(to_json(n.Number(Decimal("19.90"))))
    assert isinstance(back, n.Number)
    assert str(back.value) == "19.90"


def test_a_hand_made_float_is_written_as_its_decimal() -> None:
    data = to_json(n.Number(0.1))  # type: ignore[arg-type]
    assert data == {"type": "Number", "value": "0.1"}
    assert from_json(data) == n.Number(Decimal("0.1"))


def test_naive_datetime_reads_as_utc() -> None:
    back = from_json({"type": "DateTime", "value": "2026-01-31T09:00:00"})
    assert back == n.DateTime(dt.datetime(2026, 1, 31, 9, tzinfo=dt.UTC))
    back = from_json({"type": "DateTime", "value": "2026-01-31T09:00:00Z"})
    assert back == n.DateTime(dt.datetime(2026, 1, 31, 9, tzinfo=dt.UTC))


def test_missing_optional_fields_take_their_defaults() -> None:
    assert from_json({"type": "Segment", "name": "s"}) == n.Segment("s")
    assert from_json({"type": "Attr", "names": ["x"]}) == n.Attr(("x",))


def _document() -> dict[str, Any]:
    return to_json(parse(SEED))


def _deep(depth: int) -> list[Any]:
    nested: list[Any] = []
    for _ in range(depth):
        nested = [nested]
    return nested


def _with(path: tuple[object, ...], value: object, *, delete: bool = False) -> dict[str, Any]:
    data = _document()
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    if delete:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("data", "where", "message"),
    [
        (_with(("segments", 0, "includes", 0, "items", 0, "op"), "gte"),
         "segments[0].includes[0].items[0].op", "unknown operator 'gte'"),
        (_with(("segments", 0, "excludes", 0, "type"), "Or"),
         "segments[0].excludes[0].type", "expected one of AllOf, AnyOf, Compare"),
        (_with(("segments", 1, "name"), 7), "segments[1].name", "expected a string, not a number"),
        (_with(("segments", 0, "name"), None, delete=True), "segments[0].name", "name"),
        (_with(("segments", 0, "colour"), "red"), "segments[0].colour", "no field 'colour'"),
        (_with(("version",), 99), "version", "unsupported version 99"),
        (_with(("version",), None, delete=True), "version", "unsupported version None"),
        (_with(("segments", 0, "includes", 0, "items", 0, "values", 0, "value"), True),
         "segments[0].includes[0].items[0].values[0].value", "expected an integer or a decimal"),
        (_with(("segments", 0, "includes", 0, "items", 0, "values", 0, "value"), 500.5),
         "segments[0].includes[0].items[0].values[0].value", "decimal in a string"),
        (_with(("segments", 0, "includes", 0, "items", 0, "values", 0, "value"), "1e"),
         "segments[0].includes[0].items[0].values[0].value", "expected an integer"),
        (_with(("segments", 0, "includes", 0, "items", 0, "values", 0, "value"), '１'),
         "segments[0].includes[0].items[0].values[0].value", "expected an integer"),
        (_with(("segments", 0, "includes", 0, "items", 0, "values", 0, "value"), '٣.5'),
         "segments[0].includes[0].items[0].values[0].value", "expected an integer"),
        (_with(("segments", 0, "includes", 0, "items", 0, "values", 0, "value"), '1_000'),
         "segments[0].includes[0].items[0].values[0].value", "expected an integer"),
        (_with(("segments", 0, "includes", 0, "items", 0, "values", 0, "value"), '1e3'),
         "segments[0].includes[0].items[0].values[0].value", "expected an integer"),
        (_with(("segments", 0, "includes", 0, "items", 0, "values", 0, "value"), ' 1'),
         "segments[0].includes[0].items[0].values[0].value", "expected an integer"),
        (_with(("segments", 0, "includes", 0, "items", 0, "values", 0, "value"), '+.5'),
         "segments[0].includes[0].items[0].values[0].value", "expected an integer"),
        (_with(("segments", 0, "includes", 0, "items"), []),
         "segments[0].includes[0].items", "empty block"),
        (_with(("segments", 0, "includes", 0, "items", 0, "values"), []),
         "segments[0].includes[0].items[0].values", "takes one value"),
        (_with(("segments", 0, "includes", 0, "items", 2, "values", 0),
               {"type": "String", "value": "x"}),
         "segments[0].includes[0].items[2].values[0]", "cannot take a String"),
        (_with(("segments", 0, "active_until"), {"type": "Date", "value": "2027-02-30"}),
         "segments[0].active_until.value", "ISO-8601 date"),
        (_with(("segments", 0, "active_until"), "2027-01-01"),
         "segments[0].active_until", "expected an object, not a string"),
        (_with(("segments", 0, "groups"), "VIP"), "segments[0].groups", "expected a list"),
        (_with(("segments", 0, "disabled"), 0), "segments[0].disabled", "expected true or false"),
        (_with(("segments", 0, "includes", 0, "items", 1, "left", "func"), "median"),
         "segments[0].includes[0].items[1].left.func", "unknown aggregate 'median'"),
        (_with(("segments", 0, "includes", 0, "items", 1, "left", "where", "values", 0),
               {"type": "Duration", "unit": "days"}),
         "segments[0].includes[0].items[1].left.where.values[0].amount", "missing"),
        (_with(("segments", 0, "includes", 0, "items", 0, "left", "names"), []),
         "segments[0].includes[0].items[0].left.names", "at least one name"),
        ([], "the top level", "expected an object, not a list"),
        ({"type": "Segment", "name": "s", "version": 1}, "version", "no field 'version'"),
        # Values whose repr fails or runs away are named by their kind.
        (_with(("version",), 10**5000), "version", "unsupported version a number"),
        (_with(("segments", 0, "excludes", 0, "type"), 10**5000),
         "segments[0].excludes[0].type", "expected one of AllOf, AnyOf, Compare"),
        (_with(("segments", 0, "includes", 0, "items", 0, "op"), 10**5000),
         "segments[0].includes[0].items[0].op", "unknown operator a number"),
        (_with(("segments", 0, "includes", 0, "items", 0, "values", 0, "value"), 10**5000),
         "segments[0].includes[0].items[0].values[0].value", "at most"),
        (_with(("segments", 0, "includes", 0, "items", 0, "values", 0, "value"), _deep(100_000)),
         "segments[0].includes[0].items[0].values[0].value", "not a list"),
    ],
)
def test_bad_structure_names_the_element(data: object, where: str, message: str) -> None:
    with pytest.raises(SegrulesValueError) as raised:
        from_json(data)
    diagnostic = raised.value.diagnostics[0]
    assert diagnostic.code == "SR391"
    assert f"at {where}:" in diagnostic.message
    assert message in diagnostic.message


def test_every_node_field_has_a_reader() -> None:
    # A field added to a node without a reader here would be written but refused on reading.
    node_classes = {c for c in vars(n).values() if isinstance(c, type) and issubclass(c, n.Node)}
    assert set(_FIELDS) == node_classes - {n.Node}
    for cls, readers in _FIELDS.items():
        assert {f.name for f in attrs.fields(cls) if f.eq} == set(readers), cls.__name__


def test_to_json_refuses_what_is_not_a_tree() -> None:
    with pytest.raises(SegrulesValueError, match="not a node"):
        to_json({"type": "Segment"})
