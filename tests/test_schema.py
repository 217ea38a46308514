"""The attribute schema: the type model, its lookups, and the ways to build one."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

import segrules
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
