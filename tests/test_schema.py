"""The attribute schema: the type model, its lookups, and the ways to build one."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import runpy
import typing
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal, NotRequired, Optional, Required, TypedDict

import attrs
import jsonschema
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import segrules
from segrules import nodes
from segrules.attribute_types import lookup
from segrules.cli import cli
from segrules.schema import (
    ANYTHING,
    Anything,
    List,
    Record,
    Scalar,
    Schema,
    SchemaError,
    Union,
    describe,
    enum_values,
    is_list,
    is_numeric,
    is_record,
    is_string,
    is_temporal,
    item_type,
    join,
    kinds,
    may_hold,
    nullable,
)
from segrules.visitor import children

ROOT = Path(__file__).resolve().parent.parent

CUSTOMER = {
    "type": "object",
    "properties": {
        "age": {"type": "integer"},
        "tier": {"type": "string", "enum": ["bronze", "silver", "gold"]},
        "signup_at": {"type": ["string", "null"], "format": "date-time"},
        "birth_date": {"type": "string", "format": "date"},
        "address": {"$ref": "#/$defs/address"},
        "orders": {"type": "array", "items": {
            "type": "object",
            "properties": {"total": {"type": "number"}, "status": {"enum": ["paid", "pending"]}},
            "required": ["total", "status"],
            "additionalProperties": False,
        }},
        "interests": {"type": "array", "items": {"type": "string"}},
        "meta": {"type": "object"},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "code": {"type": ["string", "integer"]},
    },
    "required": ["age", "tier", "address", "orders"],
    "additionalProperties": False,
    "$defs": {"address": {
        "type": "object",
        "properties": {"city": {"type": "string"}, "country_code": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    }},
    "x-segrules-session": {"type": "object", "properties": {"device": {"type": "string"}}},
}


@pytest.fixture(scope="module")
def customer() -> Schema:
    return Schema.from_json_schema(CUSTOMER)


# --- the model ----------------------------------------------------------------------------------


def test_schema_is_exported_from_the_package() -> None:
    assert segrules.Schema is Schema


def test_lookup_finds_types_by_path(customer: Schema) -> None:
    assert customer.lookup(("age",)) == Scalar("integer")
    assert customer.lookup(("address", "city")) == Scalar("string")
    assert customer.lookup(("address", "country_code")) == Scalar("string", nullable=True)
    assert customer.lookup(("signup_at",)) == Scalar("datetime", nullable=True)
    assert customer.lookup(("birth_date",)) == Scalar("date", nullable=True)
    assert customer.lookup(()) == customer.profile


def test_lookup_is_none_for_a_path_a_closed_record_lacks(customer: Schema) -> None:
    assert customer.lookup(("contry",)) is None
    assert customer.lookup(("address", "countrycode")) is None
    assert customer.lookup(("age", "years")) is None  # a scalar has no fields
    assert customer.lookup(("orders", "total")) is None  # paths never go through lists


def test_lookup_is_anything_or_the_extra_type_under_an_open_record(customer: Schema) -> None:
    assert customer.lookup(("meta", "anything", "deeper")) == ANYTHING
    assert customer.lookup(("labels", "campaign")) == Scalar("string")
    assert customer.lookup(("labels", "campaign", "x")) is None


def test_session_paths_read_the_session_schema_or_anything(customer: Schema) -> None:
    assert customer.lookup(("device",), root="session") == Scalar("string", nullable=True)
    assert customer.lookup(("browser",), root="session") == ANYTHING  # open
    unknown = Schema(customer.profile)
    assert unknown.lookup(("whatever", "deep"), root="session") == ANYTHING
    assert unknown.paths("session") == ()
    with pytest.raises(ValueError, match="root must be"):
        customer.lookup(("age",), root="profil")


def test_paths_lists_every_known_path_parents_first(customer: Schema) -> None:
    paths = customer.paths()
    assert paths[:6] == ("age", "tier", "signup_at", "birth_date", "address", "address.city")
    assert "orders" in paths and "orders.total" not in paths
    assert customer.paths("session") == ("device",)


def test_item_type_of_lists_and_what_is_not_one(customer: Schema) -> None:
    orders = customer.lookup(("orders",))
    assert orders is not None and is_list(orders)
    item = item_type(orders)
    assert isinstance(item, Record) and item.fields["total"] == Scalar("number")
    assert item_type(Scalar("string")) is None
    assert item_type(ANYTHING) == ANYTHING
    assert item_type(Union([Scalar("string"), List(Scalar("integer"))])) == Scalar("integer")


def test_paths_and_fields_of_a_union_of_a_record() -> None:
    shape = Union([Record({"city": Scalar("string")}), Scalar("string")])
    schema = Schema(Record({"address": shape}))
    assert schema.paths() == ("address", "address.city")
    # A field of one possible shape may be absent when the value has another.
    assert schema.lookup(("address", "city")) == Scalar("string", nullable=True)
    assert schema.lookup(("address", "zip")) is None


def test_kind_questions() -> None:
    number_or_string = Union([Scalar("integer"), Scalar("string")])
    assert kinds(number_or_string) == {"integer", "string"}
    assert may_hold(number_or_string, "integer", "number")
    assert not is_numeric(number_or_string)
    assert is_numeric(Scalar("integer")) and is_numeric(Scalar("number", nullable=True))
    assert is_string(Scalar("string")) and not is_string(Scalar("date"))
    assert is_temporal(Scalar("date")) and is_temporal(Scalar("datetime"))
    assert is_record(Record()) and not is_record(ANYTHING)
    # Anything may be anything, but is no one kind for sure.
    assert may_hold(ANYTHING, "boolean") and not is_numeric(ANYTHING) and not is_list(ANYTHING)
    assert kinds(Union([], nullable=True)) == frozenset()


def test_enum_values_of_scalars_and_unions() -> None:
    assert enum_values(Scalar("string", ("a", "b"))) == ("a", "b")
    assert enum_values(Scalar("string")) is None
    mixed = join(Scalar("string", ("a",)), Scalar("integer", (1, 2)))
    assert enum_values(mixed) == ("a", 1, 2)


def test_describe_says_it_in_words() -> None:
    assert describe(Scalar("integer")) == "an integer"
    assert describe(List(Scalar("string"), nullable=True)) == "a list of strings or null"
    assert describe(Scalar("string", ("gold", "silver"))) == 'one of "gold", "silver"'
    assert describe(Union([Scalar("string"), Scalar("integer")])) == "a string or an integer"
    assert describe(Union([], nullable=True)) == "null"
    assert describe(ANYTHING) == "anything"


def test_types_compare_by_value_and_hash() -> None:
    a = Record({"x": Scalar("string"), "y": List(Scalar("date"))})
    b = Record({"y": List(Scalar("date")), "x": Scalar("string")})
    assert a == b and hash(a) == hash(b)
    assert Union([Scalar("string"), Scalar("integer")]) == Union([Scalar("integer"),
                                                                 Scalar("string")])
    assert a != Record({"x": Scalar("string")})


@pytest.mark.parametrize(("build", "message"), [
    (lambda: Scalar("text"), "unknown scalar kind"),  # type: ignore[arg-type]
    (lambda: Scalar("string", ()), "at least one value"),
    (lambda: Scalar("integer", (True,)), "not a integer"),
    (lambda: Record(extra=Scalar("string")), "closed record"),
    (lambda: Union([Scalar("string")]), "two or more"),
    (lambda: Union([Scalar("string"), Scalar("date")]), "at most one option"),
    (lambda: Union([Scalar("integer"), Scalar("number")]), "at most one option"),
    (lambda: Union([Scalar("string", nullable=True), Scalar("integer")]), "nullable"),
    (lambda: Union([Scalar("string", ("a",)), Scalar("integer")]), "every option is an enum"),
    (lambda: Schema(Record(nullable=True)), "non-nullable records"),
])
def test_a_model_that_cannot_be_right_is_refused(build: Any, message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        build()


def test_join_merges_what_one_type_can_say() -> None:
    assert join(Scalar("integer"), Scalar("number")) == Scalar("number")
    assert join(Scalar("date"), Scalar("datetime")) == Scalar("datetime")
    assert join(Scalar("date"), Scalar("string")) == Scalar("string")
    assert join(Scalar("string", ("a",)), Scalar("string", ("b", "a"))) == Scalar(
        "string", ("a", "b"))
    assert join(Scalar("string", ("a",)), Scalar("string")) == Scalar("string")
    assert join(Scalar("string"), Union([], nullable=True)) == Scalar("string", nullable=True)
    assert join(Scalar("string"), ANYTHING) == ANYTHING
    assert join() == Union([], nullable=True)
    # A field only one record has may be missing in the other.
    assert join(Record({"a": Scalar("string")}), Record({"b": Scalar("integer")})) == Record(
        {"a": Scalar("string", nullable=True), "b": Scalar("integer", nullable=True)})
    # Enums do not survive beside a type that has none: JSON's one `enum` covers every type.
    assert join(Scalar("string", ("a",)), List(Scalar("string"))) == Union(
        [Scalar("string"), List(Scalar("string"))])
    assert nullable(ANYTHING, False) == ANYTHING
    assert isinstance(join(Record(open=True), Record()), Record)
    assert join(Record(open=True), Record()).open


# --- JSON Schema --------------------------------------------------------------------------------


def test_from_json_schema_reads_the_subset(customer: Schema) -> None:
    record = customer.profile
    assert not record.open
    assert record.fields["tier"] == Scalar("string", ("bronze", "silver", "gold"))
    assert record.fields["code"] == Union([Scalar("string"), Scalar("integer")], nullable=True)
    assert record.fields["interests"] == List(Scalar("string"), nullable=True)
    meta = record.fields["meta"]
    assert isinstance(meta, Record) and meta.open and meta.extra is None
    assert customer.session == Record({"device": Scalar("string", nullable=True)}, open=True)


def test_from_json_schema_reads_a_file(tmp_path: Path, customer: Schema) -> None:
    path = tmp_path / "customer.schema.json"
    path.write_text(json.dumps(CUSTOMER), encoding="utf-8")
    assert Schema.from_json_schema(path) == customer
    assert Schema.from_json_schema(str(path)) == customer


def test_to_json_schema_reads_back_equal(customer: Schema) -> None:
    document = customer.to_json_schema()
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert Schema.from_json_schema(document) == customer
    assert Schema.from_json_schema(json.loads(json.dumps(document))) == customer


@pytest.mark.parametrize(("node", "expected"), [
    ({"const": "x"}, Scalar("string", ("x",))),
    ({"enum": ["a", 1, None]}, join(Scalar("string", ("a",)), Scalar("integer", (1,)),
                                     Union([], nullable=True))),
    ({"type": "integer", "enum": [1.0, 2]}, Scalar("integer", (1, 2))),
    ({"type": ["string", "array"], "enum": ["a"]}, Scalar("string", ("a",))),
    ({"type": "string", "format": "date", "enum": ["2026-01-01"]},
     Scalar("date", (dt.date(2026, 1, 1),))),
    ({"type": "string", "format": "email"}, Scalar("string")),
    ({"format": "date-time"}, Scalar("datetime")),
    ({"type": ["integer", "number"]}, Scalar("number")),
    ({"items": {"type": "boolean"}}, List(Scalar("boolean"))),
    ({"type": "array"}, List(ANYTHING)),
    ({}, ANYTHING),
    (True, ANYTHING),
    ({"type": "null"}, Union([], nullable=True)),
    ({"type": "integer", "minimum": 0, "description": "years", "x-owner": "crm"},
     Scalar("integer")),
])
def test_from_json_schema_reads_each_keyword(node: Any, expected: Any) -> None:
    document = {"type": "object", "properties": {"a": node}, "required": ["a"]}
    assert Schema.from_json_schema(document).profile.fields["a"] == expected


def test_refs_by_anchor_and_by_escaped_pointer_resolve() -> None:
    document = {"type": "object", "required": ["a", "b"], "properties": {
        "a": {"$ref": "#address"}, "b": {"$ref": "#/$defs/x%20y~1z"}}, "$defs": {
        "address": {"$anchor": "address", "type": "object",
                    "properties": {"city": {"type": "string"}}},
        "x y/z": {"type": "integer"}}}
    schema = Schema.from_json_schema(document)
    assert schema.lookup(("a", "city")) == Scalar("string", nullable=True)
    assert schema.lookup(("b",)) == Scalar("integer")


def test_a_recursive_ref_is_anything_where_it_recurs() -> None:
    document = {"$ref": "#/$defs/node", "$defs": {"node": {
        "type": "object",
        "properties": {"name": {"type": "string"},
                       "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}},
        "required": ["name", "children"],
    }}}
    schema = Schema.from_json_schema(document)
    assert schema.lookup(("name",)) == Scalar("string")
    assert schema.lookup(("children",)) == List(ANYTHING)


@pytest.mark.parametrize(("document", "pointer", "message"), [
    ({"type": "object", "properties": {"a": {"type": "int"}}}, "#/properties/a/type",
     'unknown type "int"'),
    ({"type": "object", "properties": {"a": {"anyOf": [{"type": "string"}]}}},
     "#/properties/a/anyOf", "unsupported JSON Schema keyword `anyOf`"),
    ({"type": "object", "propertes": {}}, "#/propertes", "unsupported JSON Schema keyword"),
    ({"type": "object", "properties": {"a": {"$ref": "#/$defs/missing"}}},
     "#/properties/a/$ref", "cannot resolve"),
    ({"type": "object", "properties": {"a": {"$ref": "other.json#/x"}}},
     "#/properties/a/$ref", "only a local `$ref`"),
    ({"type": "object", "properties": {"a": {"$ref": "#/$defs/b", "type": "string"}},
      "$defs": {"b": {}}}, "#/properties/a", "`$ref` next to `type`"),
    ({"type": "object", "properties": {"a": {"enum": []}}}, "#/properties/a/enum",
     "non-empty array"),
    ({"type": "object", "properties": {"a": {"enum": [{"x": 1}]}}}, "#/properties/a/enum",
     "is not a string, number, boolean or null"),
    ({"type": "object", "properties": {"a": {"type": "integer", "enum": ["x"]}}},
     "#/properties/a/enum", "not of the listed types"),
    ({"type": "object", "properties": {"a": {"enum": ["a"], "const": "a"}}}, "#/properties/a",
     "both `enum` and `const`"),
    ({"type": "object", "properties": {"a": {"type": "array", "items": [{}]}}},
     "#/properties/a/items", "a tuple"),
    ({"type": "object", "properties": {"a": False}}, "#/properties/a", "`false` schema"),
    ({"type": "object", "properties": {"a": 3}}, "#/properties/a", "object or a boolean"),
    ({"type": "object", "properties": []}, "#/properties", "must be an object"),
    ({"type": "object", "required": "a"}, "#/required", "array of names"),
    ({"type": "object", "properties": {"a/b": {"type": "strin"}}}, "#/properties/a~1b/type",
     "unknown type"),
    ({"type": "string"}, "#", "must be an object schema"),
    ({"type": "object", "x-segrules-session": {"type": "array"}}, "#/x-segrules-session",
     "must be an object schema"),
    ({"type": "object", "properties": {"d": {"type": "string", "format": "date",
                                             "enum": ["soon"]}}},
     "#/properties/d", "is not a date"),
])
def test_a_malformed_json_schema_names_its_pointer(document: Any, pointer: str,
                                                   message: str) -> None:
    with pytest.raises(SchemaError) as raised:
        Schema.from_json_schema(document)
    problem = raised.value.diagnostics[0]
    assert problem.code == "SR393"
    assert problem.message.startswith(f"{pointer}: ")
    assert message in problem.message


def test_errors_hint_at_the_keyword_meant() -> None:
    with pytest.raises(SchemaError) as raised:
        Schema.from_json_schema({"type": "object", "propertes": {}})
    assert raised.value.diagnostics[0].hint == "did you mean `properties`?"
    with pytest.raises(SchemaError) as raised:
        Schema.from_json_schema({"type": "object", "definitions": {}})
    assert raised.value.diagnostics[0].hint == "write `$defs`, as draft 2020-12 does"
    with pytest.raises(SchemaError) as raised:
        Schema.from_json_schema({"type": "objekt"})
    assert raised.value.diagnostics[0].hint == 'did you mean "object"?'


def test_a_schema_file_that_cannot_be_read(tmp_path: Path) -> None:
    with pytest.raises(SchemaError) as raised:
        Schema.from_json_schema(tmp_path / "missing.json")
    assert raised.value.diagnostics[0].code == "SR000"
    assert "no such file" in raised.value.message
    broken = tmp_path / "broken.json"
    broken.write_text('{"type": "object",\n "properties": }', encoding="utf-8")
    with pytest.raises(SchemaError, match=r"broken.json:2:16: not valid JSON") as raised:
        Schema.from_json_schema(broken)
    assert raised.value.diagnostics[0].code == "SR393"
    (tmp_path / "list.json").write_text("[]", encoding="utf-8")
    with pytest.raises(SchemaError, match="must be an object"):
        Schema.from_json_schema(tmp_path / "list.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"type": "object", "properties": {"a": {"type": "int"}}}')
    with pytest.raises(SchemaError, match=r"bad.json: #/properties/a/type: unknown type"):
        Schema.from_json_schema(bad)


def test_schema_errors_are_segrules_errors_and_pickle() -> None:
    import pickle

    with pytest.raises(segrules.SegrulesError) as raised:
        Schema.from_json_schema({"type": "objekt"})
    again = pickle.loads(pickle.dumps(raised.value))
    assert type(again) is SchemaError and again.diagnostics == raised.value.diagnostics


def test_with_session_adds_a_session_schema(customer: Schema) -> None:
    bare = Schema(customer.profile)
    session = Record({"device": Scalar("string", ("mobile", "desktop"))})
    assert bare.with_session(session).session == session
    assert bare.with_session(Schema(session)).session == session
    assert customer.with_session(None).session is None


def test_an_empty_json_schema_is_an_open_profile() -> None:
    assert Schema.from_json_schema({}).profile == Record(open=True)
    assert Schema.from_json_schema({}).lookup(("anything",)) == Anything()


# --- from_type ----------------------------------------------------------------------------------


class Tier(enum.Enum):
    BRONZE = "bronze"
    GOLD = "gold"


class Priority(enum.IntEnum):
    LOW = 1
    HIGH = 2


@dataclasses.dataclass
class Order:
    total: float
    status: Literal["paid", "pending"]
    placed_at: dt.datetime
    _internal: str = ""  # never read from an object by a segment


@attrs.define
class Address:
    city: str
    country_code: Optional[str] = None  # noqa: UP045 - the spelling under test


class Session(TypedDict):
    device: Literal["mobile", "desktop"]
    utm_source: NotRequired[str]


class Partial(TypedDict, total=False):
    a: int
    b: Required[str]


@dataclasses.dataclass
class Customer:
    id: str
    age: int | None
    tier: Tier
    priority: Priority
    birth_date: dt.date
    income: Decimal
    vip: bool
    orders: list[Order]
    tags: Sequence[str]
    codes: tuple[int, ...]
    address: Address
    meta: dict[str, Any]
    labels: Mapping[str, str]
    anything: Any
    ident: UserId
    score: Annotated[float, "points"]
    mixed: Literal["a", 1, None]


UserId = typing.NewType("UserId", str)


@dataclasses.dataclass
class Category:
    name: str
    children: list[Category]


def test_from_type_reads_a_dataclass_with_nested_classes() -> None:
    schema = Schema.from_type(Customer)
    fields = schema.profile.fields
    assert not schema.profile.open and schema.session is None
    assert fields["id"] == Scalar("string")
    assert fields["age"] == Scalar("integer", nullable=True)
    assert fields["tier"] == Scalar("string", ("bronze", "gold"))
    assert fields["priority"] == Scalar("integer", (1, 2))
    assert fields["birth_date"] == Scalar("date")
    assert fields["income"] == Scalar("number")
    assert fields["vip"] == Scalar("boolean")
    assert fields["orders"] == List(Record({
        "total": Scalar("number"), "status": Scalar("string", ("paid", "pending")),
        "placed_at": Scalar("datetime")}))
    assert fields["tags"] == List(Scalar("string"))
    assert fields["codes"] == List(Scalar("integer"))
    assert fields["address"] == Record({"city": Scalar("string"),
                                        "country_code": Scalar("string", nullable=True)})
    assert fields["meta"] == Record(open=True)
    assert fields["labels"] == Record(open=True, extra=Scalar("string"))
    assert fields["anything"] == ANYTHING
    assert fields["ident"] == Scalar("string")
    assert fields["score"] == Scalar("number")
    assert fields["mixed"] == Union([Scalar("string", ("a",)), Scalar("integer", (1,))],
                                    nullable=True)
    assert list(fields) == [f.name for f in dataclasses.fields(Customer)]


def test_from_type_reads_attrs_classes_and_typed_dicts() -> None:
    assert Schema.from_type(Address).profile == Record(
        {"city": Scalar("string"), "country_code": Scalar("string", nullable=True)})
    assert Schema.from_type(Session).profile == Record(
        {"device": Scalar("string", ("mobile", "desktop")),
         "utm_source": Scalar("string", nullable=True)})
    assert Schema.from_type(Partial).profile == Record(
        {"a": Scalar("integer", nullable=True), "b": Scalar("string")})


def test_from_type_reads_a_pydantic_model() -> None:
    pydantic = pytest.importorskip("pydantic")

    class Cart(pydantic.BaseModel):
        total: float

    class Visit(pydantic.BaseModel):
        device: Literal["mobile", "desktop"]
        pages: list[str] = pydantic.Field(default_factory=list)
        referrer: str | None = None
        cart: Cart

    assert Schema.from_type(Visit).profile == Record({
        "device": Scalar("string", ("mobile", "desktop")),
        "pages": List(Scalar("string")),
        "referrer": Scalar("string", nullable=True),
        "cart": Record({"total": Scalar("number")}),
    })


def test_from_type_stops_at_a_class_inside_itself() -> None:
    assert Schema.from_type(Category).profile == Record(
        {"name": Scalar("string"), "children": List(ANYTHING)})


def test_a_from_type_schema_reads_back_from_json() -> None:
    schema = Schema.from_type(Customer)
    assert Schema.from_json_schema(schema.to_json_schema()) == schema


@dataclasses.dataclass
class WithBytes:
    avatar: bytes


@dataclasses.dataclass
class WithIntKeys:
    counts: dict[int, str]


@dataclasses.dataclass
class WithTime:
    opens: list[dt.time]


@pytest.mark.parametrize(("cls", "message"), [
    (WithBytes, "WithBytes.avatar: bytes has no attribute type"),
    (WithIntKeys, "WithIntKeys.counts: a mapping with keys of type"),
    (WithTime, "WithTime.opens: time has no attribute type"),
    (int, "int: not a dataclass, attrs class, TypedDict or pydantic model"),
    (dict, "dict: not a dataclass"),
])
def test_from_type_refuses_what_no_attribute_type_describes(cls: Any, message: str) -> None:
    with pytest.raises(SchemaError) as raised:
        Schema.from_type(cls)
    assert raised.value.diagnostics[0].code == "SR394"
    assert raised.value.message.startswith(message)


# --- infer --------------------------------------------------------------------------------------


def test_infer_reads_types_nullability_lists_and_records() -> None:
    profiles = [
        {"id": "c-1", "age": 30, "score": 1, "vip": True, "birth": "1990-05-01",
         "seen_at": "2026-01-02T03:04:05Z", "tags": ["a"], "orders": [{"total": 10}],
         "address": {"city": "Paris"}, "note": None},
        {"id": "c-2", "age": None, "score": 2.5, "vip": False, "birth": "1991-06-02",
         "seen_at": "2026-01-02", "tags": [], "orders": [{"total": 2.5, "status": "paid"}],
         "address": {"city": "Lyon", "zip": "69001"}, "note": None, "extra": [None, 1]},
    ]
    fields = Schema.infer(profiles).profile.fields
    assert fields["id"] == Scalar("string")
    assert fields["age"] == Scalar("integer", nullable=True)
    assert fields["score"] == Scalar("number")
    assert fields["vip"] == Scalar("boolean")
    assert fields["birth"] == Scalar("date")
    assert fields["seen_at"] == Scalar("datetime")  # a date among datetimes
    assert fields["tags"] == List(Scalar("string"))
    assert fields["orders"] == List(Record({"total": Scalar("number"),
                                            "status": Scalar("string", nullable=True)}))
    assert fields["address"] == Record({"city": Scalar("string"),
                                        "zip": Scalar("string", nullable=True)})
    assert fields["note"] == ANYTHING  # only ever None
    assert fields["extra"] == List(Scalar("integer", nullable=True), nullable=True)


def test_infer_reads_python_values_too() -> None:
    profiles = [{"d": dt.date(2026, 1, 1), "t": dt.datetime(2026, 1, 1), "n": Decimal("1.5"),
                 "s": {"x", "y"}, "b": b"raw", "m": {1: "x"}, "tu": (1, 2)}]
    fields = Schema.infer(profiles).profile.fields
    assert fields["d"] == Scalar("date") and fields["t"] == Scalar("datetime")
    assert fields["n"] == Scalar("number") and fields["s"] == List(Scalar("string"))
    assert fields["b"] == ANYTHING and fields["m"] == ANYTHING
    assert fields["tu"] == List(Scalar("integer"))


def test_infer_mixed_values_make_a_union_or_a_wider_type() -> None:
    profiles = [{"a": 1, "b": "2026-01-01", "c": [1]}, {"a": "x", "b": "soon", "c": {"k": 1}}]
    fields = Schema.infer(profiles).profile.fields
    assert fields["a"] == Union([Scalar("integer"), Scalar("string")])
    assert fields["b"] == Scalar("string")
    assert fields["c"] == Union([List(Scalar("integer")), Record({"k": Scalar("integer")})])


def profiles_with(values: list[str]) -> list[dict[str, Any]]:
    return [{"tier": value} for value in values]


def test_infer_makes_an_enum_of_few_values_seen_often_enough() -> None:
    enum_of = lambda values: Schema.infer(profiles_with(values)).lookup(("tier",))  # noqa: E731
    twenty = [f"t{i:02}" for i in range(20)]
    assert enum_of(twenty * 3) == Scalar("string", tuple(twenty))  # 60 records, each seen 3 times
    assert enum_of(twenty * 2) == Scalar("string")  # only 40 records
    assert enum_of([*twenty, "t20"] * 3) == Scalar("string")  # 21 distinct values
    assert enum_of(["gold"] * 49 + ["silver"]) == Scalar("string")  # silver seen once
    assert enum_of(["gold"] * 48 + ["silver"] * 2) == Scalar("string", ("gold", "silver"))


def test_infer_keeps_the_text_at_no_enum_paths_plain() -> None:
    profiles = [{"tier": "gold", "tags": ["a"], "address": {"country": "FR"}}] * 60
    schema = Schema.infer(profiles, no_enum=["tags", "address.country"])
    assert schema.lookup(("tier",)) == Scalar("string", ("gold",))
    assert schema.lookup(("tags",)) == List(Scalar("string"))
    assert schema.lookup(("address", "country")) == Scalar("string")
    with pytest.raises(SchemaError, match=r"no attribute `address\.contry`") as raised:
        Schema.infer(profiles, no_enum=["address.contry"])
    assert raised.value.diagnostics[0].code == "SR395"


def test_infer_refuses_what_is_not_records() -> None:
    with pytest.raises(SchemaError) as raised:
        Schema.infer([{"id": "c-1"}, ["c-2"]])
    assert raised.value.diagnostics[0].code == "SR395"
    assert raised.value.message == "record 2 is not a mapping but list"
    with pytest.raises(SchemaError, match="no records"):
        Schema.infer(iter(()))


def test_too_deep_a_schema_or_record_is_an_error_not_a_crash() -> None:
    deep: dict[str, Any] = {"type": "object"}
    for _ in range(5000):
        deep = {"type": "object", "properties": {"a": deep}}
    with pytest.raises(SchemaError, match=r"#/properties/a/.*: nested more than 64 levels"):
        Schema.from_json_schema(deep)
    record: dict[str, Any] = {}
    for _ in range(5000):
        record = {"a": record}
    with pytest.raises(SchemaError, match="record 1 is nested more than 64 levels deep"):
        Schema.infer([record])


def test_infer_reads_its_records_once_as_a_stream() -> None:
    def stream() -> Iterator[dict[str, int]]:
        for number in range(1000):
            yield {"n": number}

    assert Schema.infer(stream()).profile == Record({"n": Scalar("integer")})


# --- laws ---------------------------------------------------------------------------------------

_text = st.one_of(st.sampled_from(["a", "b", "gold", "2026-01-31", "2026-01-31T09:00:00Z", ""]),
                  st.text(max_size=5))
_json_scalar = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                         st.floats(allow_nan=False, allow_infinity=False), _text)
_names = st.sampled_from(["a", "b", "c", "id", "x/y", "~"])
_json_value = st.recursive(
    _json_scalar,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(_names, inner, max_size=4)),
    max_leaves=12,
)
_json_profiles = st.lists(st.dictionaries(_names, _json_value, max_size=5), min_size=1,
                          max_size=60)


@settings(max_examples=60, deadline=None)
@given(_json_profiles)
def test_an_inferred_schema_reads_back_and_accepts_its_sample(
        profiles: list[dict[str, Any]]) -> None:
    schema = Schema.infer(profiles)
    document = schema.to_json_schema()
    assert Schema.from_json_schema(json.loads(json.dumps(document))) == schema
    validator = jsonschema.Draft202012Validator(document)
    for profile in profiles:
        validator.validate(profile)


def _scalars() -> st.SearchStrategy[Any]:
    enums: dict[str, st.SearchStrategy[Any]] = {
        "string": st.text(max_size=4), "integer": st.integers(-100, 100),
        "number": st.floats(-1e6, 1e6, allow_nan=False), "boolean": st.booleans(),
        "date": st.dates(), "datetime": st.datetimes(timezones=st.sampled_from([None, dt.UTC])),
    }
    return st.sampled_from(sorted(enums)).flatmap(lambda kind: st.builds(
        Scalar, st.just(kind), st.none() | st.lists(enums[kind], min_size=1, max_size=3),
        nullable=st.booleans()))


_types = st.recursive(
    _scalars() | st.just(ANYTHING) | st.just(Union([], nullable=True)),
    lambda inner: st.one_of(
        st.builds(List, inner, nullable=st.booleans()),
        st.builds(Record, st.dictionaries(_names, inner, max_size=3), st.booleans(),
                  nullable=st.booleans()),
        st.builds(lambda open_extra, fields: Record(fields, True, open_extra),
                  inner, st.dictionaries(_names, inner, max_size=2)),
        st.lists(inner, min_size=2, max_size=3).map(lambda options: join(*options)),
    ),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(_names, _types, max_size=4), st.booleans(),
       st.none() | st.dictionaries(_names, _types, max_size=3))
def test_every_schema_reads_back_from_its_json_schema(
        fields: dict[str, Any], open_: bool, session: dict[str, Any] | None) -> None:
    schema = Schema(Record(fields, open_), None if session is None else Record(session))
    document = json.loads(json.dumps(schema.to_json_schema()))
    assert Schema.from_json_schema(document) == schema


# --- the command line and the bundled example ---------------------------------------------------


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def test_cli_schema_infer_prints_a_sorted_json_schema(tmp_path: Path) -> None:
    path = tmp_path / "customers.jsonl"
    path.write_text('{"id": "c-1", "age": 30}\n{"id": "c-2", "zip": "0123"}\n', "utf-8")
    result = run("schema", "infer", str(path))
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert result.output == json.dumps(document, indent=2, sort_keys=True) + "\n"
    assert Schema.from_json_schema(document) == Schema.infer(
        [{"id": "c-1", "age": 30}, {"id": "c-2", "zip": "0123"}])


def test_cli_schema_infer_reads_csv_and_parquet(tmp_path: Path) -> None:
    csv_path = tmp_path / "customers.csv"
    csv_path.write_text("id,age:int,signup_at:datetime,address.city\n"
                        "c-1,30,2026-01-01T00:00:00,Paris\nc-2,,2026-02-01T00:00:00,Lyon\n",
                        "utf-8")
    result = run("schema", "infer", str(csv_path))
    assert result.exit_code == 0, result.output
    schema = Schema.from_json_schema(json.loads(result.output))
    assert schema.lookup(("age",)) == Scalar("integer", nullable=True)
    assert schema.lookup(("signup_at",)) == Scalar("datetime")
    assert schema.lookup(("address", "city")) == Scalar("string")

    pq = pytest.importorskip("pyarrow.parquet")
    import pyarrow as pa

    parquet = tmp_path / "customers.parquet"
    pq.write_table(pa.table({"id": ["c-1", "c-2"], "born": [dt.date(1990, 1, 1), None],
                             "tags": [["a"], []]}), parquet)
    result = run("schema", "infer", str(parquet))
    assert result.exit_code == 0, result.output
    schema = Schema.from_json_schema(json.loads(result.output))
    assert schema.lookup(("born",)) == Scalar("date", nullable=True)
    assert schema.lookup(("tags",)) == List(Scalar("string"))


def test_cli_schema_infer_adds_a_session_schema(tmp_path: Path) -> None:
    path = tmp_path / "customers.jsonl"
    path.write_text('{"id": "c-1"}\n', "utf-8")
    sessions = ROOT / "examples" / "sessions.json"
    result = run("schema", "infer", str(path), "--sessions", str(sessions))
    assert result.exit_code == 0, result.output
    schema = Schema.from_json_schema(json.loads(result.output))
    assert schema.lookup(("device",), root="session") == Scalar("string")
    assert schema.lookup(("utm_source",), root="session") == Scalar("string", nullable=True)
    result = run("schema", "infer", str(path), "--sessions", str(sessions),
                 "--no-enum", "session.device", "--no-enum", "id")
    assert result.exit_code == 0, result.output
    listed = tmp_path / "sessions.json"
    listed.write_text('[{"device": "mobile"}, {"device": "tablet", "cart": {"total": 3}}]')
    result = run("schema", "infer", str(path), "--sessions", str(listed))
    assert json.loads(result.output)["x-segrules-session"]["required"] == ["device"]


@pytest.mark.parametrize(("content", "message"), [
    (None, "error: {path}: no such file"),
    ("", "error[SR395]: no records to infer a schema from"),
    ("[1]\n", "error: {path}:1: not a JSON object: found an array"),
])
def test_cli_schema_infer_reports_bad_input_in_one_line(tmp_path: Path, content: str | None,
                                                        message: str) -> None:
    path = tmp_path / "customers.jsonl"
    if content is not None:
        path.write_text(content, "utf-8")
    result = run("schema", "infer", str(path))
    assert result.exit_code == 2
    assert result.output.strip() == message.format(path=path)


def test_cli_schema_infer_reads_sessions_from_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "customers.jsonl"
    path.write_text('{"id": "c-1"}\n', "utf-8")
    sessions = tmp_path / "sessions.jsonl"
    sessions.write_text('{"device": "mobile"}\n{"device": "tablet", "cart": {"total": 3}}\n')
    result = run("schema", "infer", str(path), "--sessions", str(sessions))
    assert result.exit_code == 0, result.output
    schema = Schema.from_json_schema(json.loads(result.output))
    assert schema.lookup(("cart", "total"), root="session") == Scalar("integer")
    assert schema.lookup(("cart",), root="session") == Record({"total": Scalar("integer")},
                                                              nullable=True)
    result = run("schema", "infer", str(path), "--no-enum", "session.device")
    assert result.exit_code == 2
    assert result.output == ("error: --no-enum session.device: there are no --sessions to "
                             "infer from\n")


@pytest.mark.parametrize(("content", "message"), [
    ("{", "not valid JSON"), ('["x"]', "sessions must be JSON objects")])
def test_cli_schema_infer_reports_bad_sessions(tmp_path: Path, content: str,
                                              message: str) -> None:
    path = tmp_path / "customers.jsonl"
    path.write_text('{"id": "c-1"}\n', "utf-8")
    sessions = tmp_path / "sessions.json"
    sessions.write_text(content, "utf-8")
    result = run("schema", "infer", str(path), "--sessions", str(sessions))
    assert result.exit_code == 2 and message in result.output
    result = run("schema", "infer", str(path), "--sessions", str(tmp_path / "none.json"))
    assert result.exit_code == 2 and "no such file" in result.output


EXAMPLE_SCHEMA = ROOT / "examples" / "customers.schema.json"


@pytest.fixture(scope="module")
def example_customers() -> list[dict[str, Any]]:
    # The bundled schema is inferred from the generator's defaults: 10,000 customers, seed 42.
    generator = runpy.run_path(str(ROOT / "examples" / "generate_customers.py"))
    return list(generator["generate"](10_000, seed=42))


def test_the_bundled_schema_is_inferred_from_the_example_data(
        example_customers: list[dict[str, Any]]) -> None:
    sessions = json.loads((ROOT / "examples" / "sessions.json").read_text("utf-8"))
    # Countries are plain text: a shop ships to new ones, and a seed segment names "Nowhere".
    inferred = Schema.infer(example_customers, no_enum=["country"]).with_session(
        Schema.infer(sessions.values()))
    assert Schema.from_json_schema(EXAMPLE_SCHEMA) == inferred
    validator = jsonschema.Draft202012Validator(json.loads(EXAMPLE_SCHEMA.read_text("utf-8")))
    for customer in example_customers[:500]:
        validator.validate(customer)


def _reads(node: nodes.Node, schema: Schema, scope: Any) -> Iterator[tuple[str, Any]]:
    """Each attribute a condition reads, as written, with its type under ``schema`` (None
    when unknown); inside an aggregate's ``where`` profile paths read the list's items."""
    def attr_type(attr: nodes.Attr) -> Any:
        if attr.root == "profile" and scope is not None:
            return lookup(scope, attr.names)
        return schema.lookup(attr.names, root=attr.root)

    if isinstance(node, nodes.Attr):
        yield ".".join(node.names), attr_type(node)
        return
    if isinstance(node, nodes.Aggregate):
        listed = attr_type(node.items)
        yield ".".join(node.items.names), listed
        item = None if listed is None else item_type(listed)
        if node.value_path:
            yield ".".join(node.value_path), None if item is None else lookup(item,
                                                                               node.value_path)
        if node.where is not None:
            yield from _reads(node.where, schema, item)
        return
    if isinstance(node, nodes.Compare) and node.op in ("eq", "in") and isinstance(
            node.left, nodes.Attr):
        found = attr_type(node.left)
        allowed = None if found is None else enum_values(found)
        for value in node.values:
            if allowed is not None and isinstance(value, nodes.String):
                text = value.value.casefold() if node.ignore_case else value.value
                known = {a.casefold() if node.ignore_case else a for a in allowed
                         if isinstance(a, str)}
                yield f"{'.'.join(node.left.names)} is {value.value!r}", (
                    found if text in known else None)
    for child in children(node):
        yield from _reads(child, schema, scope)


def test_the_bundled_schema_knows_everything_the_example_segments_read() -> None:
    schema = Schema.from_json_schema(EXAMPLE_SCHEMA)
    book = segrules.load(ROOT / "examples" / "segments")
    read = [(name, what) for name in book.names
            for what, found in _reads(book[name], schema, None) if found is None]
    assert len(book.names) == 47
    assert read == []
