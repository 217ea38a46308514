"""Laws of the schema checker, over generated conditions and profiles that fit the schema.

- A segment the schema accepts never meets an evaluation error on a profile that fits the
  schema: ``book.evaluation_errors`` stays 0.
- The checker's rejections are right: a positive condition on an attribute that it rejects
  (an unknown path, a literal the attribute never holds, a value the enum does not allow, an
  operator that cannot apply) holds for no profile that fits the schema.
- A schema inferred from the bundled example customers accepts every example segment.

Profiles are drawn from the schema's types here, simply; conditions from the schema's paths
with literals of every kind, so that about half of them are rejected.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st

import segrules
from segrules import nodes as n
from segrules.attribute_types import (
    Anything,
    List,
    Record,
    Scalar,
    Type,
    Union,
    item_type,
    kinds,
)
from segrules.schema import Schema

ROOT = Path(__file__).resolve().parent.parent
NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
LAW = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SCHEMA = Schema.from_json_schema({
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "country": {"enum": ["Canada", "Germany", "United States"]},
        "name": {"type": ["string", "null"]},
        "age": {"type": "integer"},
        "score": {"type": "number"},
        "email_opt_in": {"type": "boolean"},
        "birth_date": {"type": "string", "format": "date"},
        "signup_at": {"type": "string", "format": "date-time"},
        "code": {"type": ["string", "integer"]},
        "address": {"type": "object", "properties": {
            "city": {"type": "string"}, "zip": {"type": "string"}},
            "required": ["city"], "additionalProperties": False},
        "interests": {"type": "array", "items": {"type": "string"}},
        "ratings": {"type": "array", "items": {"enum": [1, 2, 3]}},
        "orders": {"type": "array", "items": {
            "type": "object",
            "properties": {
                "total": {"type": "number"},
                "status": {"enum": ["paid", "refunded"]},
                "placed_at": {"type": "string", "format": "date-time"},
            },
            "required": ["total"],
            "additionalProperties": False,
        }},
        "prefs": {"type": "object"},
    },
    "required": ["id", "age"],
    "additionalProperties": False,
})

# --- profiles that fit a type -----------------------------------------------------------------

_TEXT = st.one_of(st.text(max_size=6), st.sampled_from(
    ["", "true", "18", "2025-01-01", "2025-01-01T09:00:00Z", "Canada", "golf", "paid"]))
_DATES = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1))
_DATETIMES = st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1),
                          timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=2))]))
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _TEXT,
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(_TEXT, inner, max_size=2),
    max_leaves=4)


def values(type_: Type) -> st.SearchStrategy[Any]:
    """Values that fit ``type_``, as JSON data or Python objects (dates as either)."""
    if isinstance(type_, Anything):
        return _JSON
    found = _present(type_)
    return st.one_of(st.none(), found) if type_.nullable else found


def _present(type_: Type) -> st.SearchStrategy[Any]:
    if isinstance(type_, Scalar):
        if type_.enum is not None:
            return st.sampled_from(type_.enum)
        return {
            "string": _TEXT,
            "integer": st.integers(),
            "number": st.integers() | st.floats(allow_nan=False, allow_infinity=False),
            "boolean": st.booleans(),
            "date": _DATES | _DATES.map(dt.date.isoformat),
            "datetime": _DATETIMES | _DATETIMES.map(dt.datetime.isoformat),
        }[type_.kind]
    if isinstance(type_, List):
        return st.lists(values(type_.item), max_size=3)
    if isinstance(type_, Record):
        required = {k: values(v) for k, v in type_.fields.items() if not v.nullable}
        optional = {k: values(v) for k, v in type_.fields.items() if v.nullable}
        fixed = st.fixed_dictionaries(required, optional=optional)
        if not type_.open:
            return fixed
        extra = st.dictionaries(st.sampled_from(["theme", "lang"]), _JSON, max_size=2)
        return st.tuples(fixed, extra).map(lambda both: {**both[1], **both[0]})
    assert isinstance(type_, Union)
    return st.one_of([_present(option) for option in type_.options])


PROFILES = values(SCHEMA.profile)

# --- conditions over the schema's paths --------------------------------------------------------

_LITERALS = st.one_of(
    st.sampled_from(['"Canada"', '"canada"', '"Germny"', '"paid"', '"golf"', '"2025-01-01"',
                     '"true"', '"18"', '""']),
    st.integers(-3, 40).map(str),
    st.sampled_from(["2.5", "0.1", "true", "false", "2025-01-01", "2025-01-01T09:00:00Z", "1"]),
)
_OPERATORS = [
    ("is", 1), ("is not", 1), ("is one of", 2), ("is not one of", 2), (">", 1), (">=", 1),
    ("<", 1), ("<=", 1), ("is between", 2), ("contains", 1), ("contains all of", 2),
    ("does not contain", 1), ("starts with", -1), ("ends with", -1), ("matches", -2),
    ("exists", 0), ("does not exist", 0), ("is empty", 0), ("is not empty", 0),
    ("within last", -3), ("more than", -4), ("is before", -5), ("is after", -5),
]


def _paths(record: Record) -> list[str]:
    return [p for p in SCHEMA.paths() if p.split(".")[0] in record.fields]


@st.composite
def operands(draw: st.DrawFn) -> str:
    path = draw(st.sampled_from([*_paths(SCHEMA.profile), "contry", "address.zipcode",
                                 "orders.total", "age.x", "prefs.theme"]))
    lists = ["orders", "interests", "ratings", "age"]
    choice = draw(st.integers(0, 5))
    if choice == 0:
        items = draw(st.sampled_from(lists))
        where = draw(st.sampled_from(["", ' where status is "paid"', " where total > 10",
                                      ' where status is "payed"', " where stauts exists"]))
        return f"count({items}{where})"
    if choice == 1:
        func = draw(st.sampled_from(["sum", "avg", "min", "max"]))
        field = draw(st.sampled_from(["orders.total", "orders.placed_at", "orders.status",
                                      "ratings", "interests", "age"]))
        return f"{func}({field})"
    if choice == 2:
        func = draw(st.sampled_from(["years_since", "days_since"]))
        return f"{func}({draw(st.sampled_from(['birth_date', 'signup_at', 'age', 'name']))})"
    return path


@st.composite
def conditions(draw: st.DrawFn) -> str:
    left = draw(operands())
    spelling, arity = draw(st.sampled_from(_OPERATORS))
    if arity == 0:
        right = ""
    elif arity == -1:
        right = draw(st.sampled_from(['"C"', '"2025"', '"g"']))
    elif arity == -2:
        right = draw(st.sampled_from(["/^C/", "/o/", '"[0-9]+"']))
    elif arity == -3:
        right = draw(st.sampled_from(["3 days", "2 years", "1000 years"]))
    elif arity == -4:
        return f"{left} more than {draw(st.sampled_from(['3 days', '20 years']))} ago"
    elif arity == -5:
        right = draw(st.sampled_from(["2025-01-01", "1990-05-17T10:00:00Z"]))
    elif spelling == "is between":
        right = f"{draw(_LITERALS)} and {draw(_LITERALS)}"
    else:
        right = ", ".join(draw(st.lists(_LITERALS, min_size=1, max_size=arity)))
    ignoring = draw(st.sampled_from(["", "", " ignoring case"]))
    return f"{left} {spelling} {right}{ignoring}".replace("  ", " ")


def _loads(condition: str, **options: Any) -> segrules.Book | None:
    try:
        return segrules.loads(f"segment s {{ include where {condition} }}", **options)
    except segrules.SegrulesError:
        return None


@LAW
@given(st.lists(conditions(), min_size=1, max_size=8), st.lists(PROFILES, min_size=1, max_size=4))
def test_checked_segments_meet_no_evaluation_error(written: list[str],
                                                  profiles: list[dict[str, Any]]) -> None:
    kept = [c for c in written if _loads(c, schema=SCHEMA) is not None]
    assume(kept)
    text = "\n".join(f"segment s{i} {{ include where {c} }}" for i, c in enumerate(kept))
    book = segrules.loads(text, schema=SCHEMA)
    for profile in profiles:
        note(json.dumps(profile, default=str))
        book.segments_for(profile, now=NOW)
        for name in book.names:
            str(book.explain(name, profile, now=NOW))
    assert book.evaluation_errors == 0


def _rejected(condition: str) -> str | None:
    """The code the schema rejects ``condition`` with, if it does."""
    try:
        segrules.loads(f"segment s {{ include where {condition} }}", schema=SCHEMA)
    except segrules.SegrulesError as error:
        return error.diagnostics[0].code
    return None


def _positive_on_an_attribute(book: segrules.Book) -> bool:
    (expr,) = book["s"].includes
    return (isinstance(expr, n.Compare) and isinstance(expr.left, n.Attr) and not expr.negated
            and len(expr.values) <= 1)


def _quoted_against_a_date(condition: str, book: segrules.Book) -> bool:
    # A string against a date attribute is refused because its meaning depends on how the
    # data stores the date: as ISO text it can match. It is rejected, not impossible.
    (expr,) = book["s"].includes
    assert isinstance(expr, n.Compare) and isinstance(expr.left, n.Attr)
    type_ = SCHEMA.lookup(expr.left.names)
    element = type_ if type_ is None or item_type(type_) is None else item_type(type_)
    return (element is not None and bool(kinds(element) & {"date", "datetime"})
            and any(isinstance(v, n.String) for v in expr.values))


def _impossible(condition: str) -> bool:
    """Whether the schema rejects ``condition`` as one that can never hold: a positive
    condition on an attribute, with at most one value, refused for its path, a literal, an enum
    value or its operator (a negative one holds for every present value instead)."""
    code = _rejected(condition)
    if code not in ("SR205", "SR308", "SR309", "SR310"):
        return False
    book = _loads(condition)
    assert book is not None  # without the schema it loads: the schema is what rejects it
    return _positive_on_an_attribute(book) and not _quoted_against_a_date(condition, book)


@LAW
@given(st.lists(conditions(), min_size=1, max_size=12), st.lists(PROFILES, min_size=1,
                                                               max_size=4))
def test_a_rejected_condition_never_holds(written: list[str],
                                          profiles: list[dict[str, Any]]) -> None:
    impossible = [c for c in written if _impossible(c)]
    assume(impossible)
    for condition in impossible:
        book = _loads(condition)
        assert book is not None
        for profile in profiles:
            assert not book.matches("s", profile, now=NOW), (condition, profile)


# --- the bundled example customers ----------------------------------------------------------


def _generate(path: Path, count: int) -> None:
    spec = importlib.util.spec_from_file_location(
        "generate_customers", ROOT / "examples" / "generate_customers.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(["--count", str(count), "--seed", "42", "--out", str(path)])


@pytest.fixture(scope="module")
def customers(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    path = tmp_path_factory.mktemp("customers") / "customers.jsonl"
    _generate(path, 1000)
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def _inferred(customers: list[dict[str, Any]], no_enum: tuple[str, ...] = ()) -> Schema:
    sessions = json.loads((ROOT / "examples" / "sessions.json").read_text(encoding="utf-8"))
    schema = Schema.infer(customers, no_enum=no_enum)
    return schema.with_session(Schema.infer(sessions.values()))


def test_a_schema_inferred_from_the_customers_accepts_every_example(
        customers: list[dict[str, Any]]) -> None:
    # The sample shows six countries; a shop ships to more (and a seed segment excludes
    # "Nowhere"), so country is inferred as plain text, as examples/customers.schema.json is.
    schema = _inferred(customers, no_enum=("country",))
    book = segrules.load(ROOT / "examples" / "segments", schema=schema)
    assert len(book.names) == 47
    assert book.warnings == ()


def test_inferred_with_country_as_an_enum_only_nowhere_is_refused(
        customers: list[dict[str, Any]]) -> None:
    with pytest.raises(segrules.SegrulesError) as raised:
        segrules.load(ROOT / "examples" / "segments", schema=_inferred(customers))
    assert [(d.code, d.message) for d in raised.value.diagnostics] == [
        ("SR309", '"Nowhere" is not a value of `country`'),
    ]


def test_the_inferred_schema_catches_the_typo(customers: list[dict[str, Any]]) -> None:
    with pytest.raises(segrules.SegrulesError) as raised:
        segrules.loads('segment us { include where contry is "United States" }',
                       schema=_inferred(customers, no_enum=("country",)))
    assert raised.value.diagnostics[0].hint == "did you mean country?"
