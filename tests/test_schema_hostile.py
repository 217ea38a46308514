"""The schema builders on hostile and odd input: every failure is a SchemaError, never a crash
and never a schema that says something the input did not."""

from __future__ import annotations

import dataclasses
import enum
import json
from pathlib import Path
from typing import Any, Generic, TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segrules import schema_json
from segrules.attribute_types import MAX_DEPTH
from segrules.schema import (
    ANYTHING,
    List,
    Record,
    Scalar,
    Schema,
    SchemaError,
    Union,
    join,
)


def _problem(build: Any) -> Any:
    with pytest.raises(SchemaError) as raised:
        build()
    return raised.value.diagnostics[0]


def _profile(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties}


# --- from_json_schema ---------------------------------------------------------------------------


@pytest.mark.parametrize(("document", "pointer", "message"), [
    ({1: "x"}, "#", "a keyword must be a string, not 1"),
    (_profile(a={("t",): 2}), "#/properties/a", "a keyword must be a string, not ('t',)"),
    (_profile(a={"type": "string", "format": []}), "#/properties/a/format",
     "`format` must be a string"),
    (_profile(a={"format": {"x": 1}}), "#/properties/a/format", "`format` must be a string"),
    (_profile(a={"enum": [1, float("nan")]}), "#/properties/a/enum",
     "enum value NaN is not a finite number"),
    (_profile(a={"const": float("inf")}), "#/properties/a/const",
     "enum value Infinity is not a finite number"),
    ({"type": "object", "properties": {"country": {}}, "required": ["contry"],
      "additionalProperties": False}, "#/required",
     '"contry" is required but is not one of the `properties`'),
])
def test_hostile_json_schema_is_a_schema_error_with_its_pointer(
        document: Any, pointer: str, message: str) -> None:
    problem = _problem(lambda: Schema.from_json_schema(document))
    assert problem.code == "SR393"
    assert problem.message.startswith(f"{pointer}: "), problem.message
    assert message in problem.message


def test_a_required_name_of_a_closed_object_hints_at_the_property_meant() -> None:
    problem = _problem(lambda: Schema.from_json_schema({
        "type": "object", "properties": {"country": {}}, "required": ["contry"],
        "additionalProperties": False}))
    assert problem.hint == "did you mean `country`?"


def test_a_required_name_of_an_open_object_is_a_known_attribute() -> None:
    # JSON Schema: the attribute must be there, of any type (or the additionalProperties type).
    schema = Schema.from_json_schema({"type": "object", "required": ["id", "tier"],
                                      "additionalProperties": {"type": "string"},
                                      "properties": {"id": {"type": "integer"}}})
    assert schema.profile == Record({"id": Scalar("integer"), "tier": Scalar("string")},
                                    open=True, extra=Scalar("string"))
    assert Schema.from_json_schema(schema.to_json_schema()) == schema


def test_a_schema_file_with_a_key_twice_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "twice.json"
    path.write_text('{"type": "object", "properties": {"a": {"type": "string"},\n'
                    ' "a": {"type": "integer"}}}', encoding="utf-8")
    problem = _problem(lambda: Schema.from_json_schema(path))
    assert problem.code == "SR393"
    assert problem.message == f'{path}: the key "a" appears twice in one object'


def test_a_schema_file_with_nan_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "nan.json"
    path.write_text('{"type": "object", "properties": {"a": {"enum": [NaN]}}}', "utf-8")
    problem = _problem(lambda: Schema.from_json_schema(path))
    assert problem.message == f"{path}: not valid JSON: NaN is not a JSON value"


@pytest.mark.parametrize("source", [None, 3, True, b'{"type": "object"}', [{}], 1.5])
def test_a_source_that_is_neither_a_path_nor_a_mapping_is_refused(source: Any) -> None:
    problem = _problem(lambda: Schema.from_json_schema(source))
    assert problem.code == "SR393"
    assert problem.message == ("from_json_schema reads a file path or a mapping (a parsed "
                               f"JSON Schema), not {type(source).__name__}")


def test_a_path_with_a_nul_or_json_text_instead_of_a_path() -> None:
    problem = _problem(lambda: Schema.from_json_schema("a\0b.json"))
    assert problem.code == "SR000" and "cannot read" in problem.message
    problem = _problem(lambda: Schema.from_json_schema('{"type": "object"}'))
    assert problem.code == "SR000" and "no such file" in problem.message
    assert problem.hint == "to read JSON text, pass json.loads(text)"


def _nested_json_schema(depth: int) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "object"}
    for _ in range(depth):
        node = {"type": "object", "properties": {"a": node}}
    return node


def test_a_json_schema_nested_past_the_limit_is_refused_before_it_can_crash() -> None:
    fine = Schema.from_json_schema(_nested_json_schema(MAX_DEPTH))
    assert hash(fine) == hash(Schema.from_json_schema(fine.to_json_schema()))
    for depth in (MAX_DEPTH + 1, 250):  # 250 read without error, then hash() overflowed
        problem = _problem(lambda depth=depth: Schema.from_json_schema(
            _nested_json_schema(depth)))
        assert problem.code == "SR393"
        assert problem.message.endswith(f"nested more than {MAX_DEPTH} levels deep")
        assert problem.message.startswith("#/properties/a/properties/a/")


# --- from_type ----------------------------------------------------------------------------------


class _Ratio(enum.Enum):
    HALF = 0.5
    UNKNOWN = float("nan")


@dataclasses.dataclass
class _WithNan:
    ratio: _Ratio


def test_an_enum_with_a_nan_value_is_refused() -> None:
    problem = _problem(lambda: Schema.from_type(_WithNan))
    assert problem.code == "SR394"
    assert problem.message.startswith("_WithNan.ratio: ")
    assert "nan is not a finite number" in problem.message


def test_a_scalar_enum_value_must_be_finite() -> None:
    with pytest.raises(SchemaError, match="inf is not a finite number"):
        Scalar("number", (1, float("inf")))


T = TypeVar("T")


@dataclasses.dataclass
class _Box(Generic[T]):
    value: T
    values: list[T]


@dataclasses.dataclass
class _Order:
    total: _Box[float]
    tag: _Box[str] | None


def test_a_generic_class_with_arguments_is_a_record_of_them() -> None:
    assert Schema.from_type(_Order).profile == Record({
        "total": Record({"value": Scalar("number"), "values": List(Scalar("number"))}),
        "tag": Record({"value": Scalar("string"), "values": List(Scalar("string"))},
                      nullable=True),
    })
    assert Schema.from_type(_Box[int]).profile == Record(
        {"value": Scalar("integer"), "values": List(Scalar("integer"))})
    assert Schema.from_type(_Box).profile == Record({"value": ANYTHING, "values": List(ANYTHING)})


@dataclasses.dataclass
class _Pair(Generic[T]):
    inner: _Box[T]
    lists: _Box[list[T]] | None


def test_a_type_parameter_means_what_it_meant_where_the_argument_was_written() -> None:
    # `_Box[list[T]]` inside `_Pair[int]` is a box of lists of integers, not T inside T forever.
    assert Schema.from_type(_Pair[int]).profile == Record({
        "inner": Record({"value": Scalar("integer"), "values": List(Scalar("integer"))}),
        "lists": Record({"value": List(Scalar("integer")),
                         "values": List(List(Scalar("integer")))}, nullable=True),
    })


def _nested_class(depth: int) -> type[Any]:
    cls: type[Any] = dataclasses.make_dataclass("Leaf", [("x", int)])
    for level in range(depth):
        cls = dataclasses.make_dataclass(f"Level{level}", [("x", cls)])
    return cls


def test_classes_nested_past_the_limit_are_refused_before_they_can_crash() -> None:
    assert hash(Schema.from_type(_nested_class(MAX_DEPTH - 1)))
    problem = _problem(lambda: Schema.from_type(_nested_class(300)))
    assert problem.code == "SR394"
    assert problem.message.endswith(f"nested more than {MAX_DEPTH} levels deep")


# --- infer --------------------------------------------------------------------------------------


def test_infer_reads_numpy_booleans_as_booleans() -> None:
    numpy = pytest.importorskip("numpy")
    schema = Schema.infer([{"vip": numpy.bool_(True)}, {"vip": False}])
    assert schema.profile == Record({"vip": Scalar("boolean")})


def test_records_nested_past_the_limit_are_refused_before_they_can_crash() -> None:
    def nested(depth: int) -> dict[str, Any]:
        record: dict[str, Any] = {}
        for _ in range(depth):
            record = {"a": record}
        return record

    assert hash(Schema.infer([nested(MAX_DEPTH)]))
    problem = _problem(lambda: Schema.infer([{"id": 1}, nested(250)]))
    assert problem.code == "SR395"
    assert problem.message == f"record 2 is nested more than {MAX_DEPTH} levels deep"


def test_infer_refuses_what_is_not_an_iterable_of_records() -> None:
    problem = _problem(lambda: Schema.infer(None))  # type: ignore[arg-type]
    assert problem.code == "SR395"
    assert problem.message == "infer reads an iterable of records, not NoneType"


# --- the round trip, with hostile names and values ------------------------------------------------

_hostile_names = st.sampled_from(["", "a.b", "café", "名前", "$ref", "type", "x-y", "~0",
                                  "properties", " ", "a/b"])
_hostile_enums: dict[str, st.SearchStrategy[Any]] = {
    "string": st.text(max_size=3),
    "integer": st.integers(-10**30, 10**30) | st.sampled_from([0, 2**63, -(2**64)]),
    "number": st.floats(allow_nan=False, allow_infinity=False) | st.just(-0.0),
    "boolean": st.booleans(),
}
_hostile_scalars = st.sampled_from(sorted(_hostile_enums)).flatmap(lambda kind: st.builds(
    Scalar, st.just(kind), st.none() | st.lists(_hostile_enums[kind], min_size=1, max_size=3),
    nullable=st.booleans()))
_hostile_types = st.recursive(
    _hostile_scalars | st.just(ANYTHING) | st.just(Union([], nullable=True)),
    lambda inner: st.one_of(
        st.builds(List, inner, nullable=st.booleans()),
        st.builds(Record, st.dictionaries(_hostile_names, inner, max_size=3), st.booleans(),
                  nullable=st.booleans()),
        st.lists(inner, min_size=2, max_size=3).map(lambda options: join(*options)),
    ),
    max_leaves=8,
)


@settings(max_examples=80, deadline=None)
@given(st.dictionaries(_hostile_names, _hostile_types, max_size=4), st.booleans())
def test_hostile_names_and_values_read_back_from_the_json_schema(
        fields: dict[str, Any], open_: bool) -> None:
    schema = Schema(Record(fields, open_))
    text = json.dumps(schema.to_json_schema(), allow_nan=False)
    assert Schema.from_json_schema(json.loads(text)) == schema


def test_a_schema_that_doubles_at_every_ref_is_refused_instead_of_taking_hours(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(schema_json, "MAX_SCHEMAS", 2000)  # the real limit takes seconds
    definitions: dict[str, Any] = {"d0": {"type": "string"}}
    for level in range(1, 40):  # 2**40 schemas once every $ref is read where it is used
        twice = {"$ref": f"#/$defs/d{level - 1}"}
        definitions[f"d{level}"] = _profile(left=twice, right=twice)
    problem = _problem(lambda: Schema.from_json_schema(
        {"type": "object", "$defs": definitions, "properties": {"top": {"$ref": "#/$defs/d39"}}}))
    assert problem.code == "SR393"
    assert "the schema expands to more than 2000 schemas" in problem.message


def test_a_ref_under_an_id_is_relative_to_it() -> None:
    # What a JSON Schema validator reads: `#/$defs/n` inside `x` is x's own definition.
    schema = Schema.from_json_schema({
        "type": "object",
        "$defs": {"n": {"type": "string"}},
        "properties": {
            "top": {"$ref": "#/$defs/n"},
            "x": {"$id": "urn:example:x", "type": "object",
                  "$defs": {"n": {"type": "integer"}},
                  "properties": {"n": {"$ref": "#/$defs/n"}, "again": {"$ref": "#"}}},
        },
    })
    assert schema.lookup(("top",)) == Scalar("string", nullable=True)
    assert schema.lookup(("x", "n")) == Scalar("integer", nullable=True)
    assert schema.lookup(("x", "again", "n")) == Scalar("integer", nullable=True)
    assert schema.lookup(("x", "again", "again")) == ANYTHING  # where x recurs
    problem = _problem(lambda: Schema.from_json_schema(
        {"type": "object", "properties": {"x": {"$id": 3}}}))
    assert problem.message.startswith("#/properties/x/$id: `$id` must be a string")


@pytest.mark.parametrize("elsewhere", [{"items": [1]}, {"$defs": []}])
def test_an_anchor_searched_through_a_malformed_document_is_a_schema_error(
        elsewhere: dict[str, Any]) -> None:
    problem = _problem(lambda: Schema.from_json_schema(
        _profile(a={"$ref": "#foo"}, b=elsewhere)))
    assert problem.code == "SR393"
    assert problem.message.startswith("#/properties/a/$ref: cannot resolve '#foo'")
