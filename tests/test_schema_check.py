"""Checking conditions against the data: warnings without a schema, errors with one.

Each diagnostic kind is pinned with its full rendering (the header, the source line, the caret
and the hint), because the rendering is what a marketer reads.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import segrules
from segrules.errors import Diagnostic
from segrules.loader import parse_all
from segrules.schema import Schema
from segrules.source import Source


def warnings_of(text: str) -> list[str]:
    return [w.render() for w in segrules.loads(text, "w.seg").warnings]


def condition(text: str) -> str:
    return f"segment s {{ include where {text} }}"


# --- warnings without a schema ----------------------------------------------------------------


def test_a_quoted_date_in_a_comparison() -> None:
    assert warnings_of(condition('signup_at > "2025-01-01"')) == ["""\
w.seg:1:39: warning[SR402]: "2025-01-01" is a string, compared as text and never as a date
  |
1 | segment s { include where signup_at > "2025-01-01" }
  |                                       ^^^^^^^^^^^^
help: write 2025-01-01 without quotes"""]


def test_a_quoted_datetime_in_a_list() -> None:
    assert warnings_of(condition('seen_at is one of "2025-01-01T09:30:00Z"')) == ["""\
w.seg:1:45: warning[SR402]: "2025-01-01T09:30:00Z" is a string, compared as text and never as \
a datetime
  |
1 | segment s { include where seen_at is one of "2025-01-01T09:30:00Z" }
  |                                             ^^^^^^^^^^^^^^^^^^^^^^
help: write 2025-01-01T09:30:00Z without quotes"""]


def test_a_quoted_boolean() -> None:
    assert warnings_of(condition('email_opt_in is "true"')) == ["""\
w.seg:1:43: warning[SR403]: "true" is a string, never equal to the boolean true
  |
1 | segment s { include where email_opt_in is "true" }
  |                                           ^^^^^^
help: write `is true` without quotes"""]


def test_a_quoted_boolean_negated_and_capitalised() -> None:
    (found,) = segrules.loads(condition('email_opt_in != "False"')).warnings
    assert (found.code, found.message, found.hint) == (
        "SR403", '"False" is a string, never equal to the boolean false',
        "write `is not false` without quotes",
    )


def test_a_quoted_number_compared_by_order() -> None:
    assert warnings_of(condition('age >= "18"')) == ["""\
w.seg:1:34: warning[SR404]: "18" is a string, so it is ordered as text, where "9" comes after "10"
  |
1 | segment s { include where age >= "18" }
  |                                  ^^^^
help: write 18 without quotes"""]


def test_each_quoted_bound_of_between_is_reported() -> None:
    # Bounds of one length would be a code range; `"5" and "18"` is SR303 (text order).
    found = segrules.loads(condition('income is between "10" and "200"')).warnings
    assert [(w.code, w.hint) for w in found] == [
        ("SR404", "write 10 without quotes"), ("SR404", "write 200 without quotes"),
    ]


@pytest.mark.parametrize("text", [
    'zip is "02134"',                              # equality with digits: a code
    'zip >= "01000"',                              # a leading zero: a code ordered as text
    'postcode is between "10000" and "19999"',     # codes of one length: text order is number order
    'title contains "2025-01-01"',                 # text operators take text
    'note starts with "true"',
    'signup_at > 2025-01-01',                      # the literals themselves
    'email_opt_in is true',
    'age >= 18',
    'code is "2025-13-45"',                        # not a date
    'flag is "yes"',
    'size > "10 kg"',
])
def test_strings_that_are_meant(text: str) -> None:
    assert segrules.loads(condition(text)).warnings == ()


def test_warnings_inside_aggregates_and_negations() -> None:
    text = condition('count(orders where placed_at > "2025-01-01") >= 1 '
                     'and not (vip is "false")')
    assert [w.code for w in segrules.loads(text).warnings] == ["SR402", "SR403"]


def test_an_error_at_the_same_place_is_not_repeated_as_a_warning() -> None:
    with pytest.raises(segrules.SegrulesError) as raised:
        segrules.loads(condition('signup_at is before "2025-01-01"'))
    assert [d.code for d in raised.value.diagnostics] == ["SR305"]
    _, found = parse_all([Source("w.seg", condition('signup_at is before "2025-01-01"'))])
    assert [d.code for d in found] == ["SR305"]


# --- errors with a schema ---------------------------------------------------------------------

SCHEMA = Schema.from_json_schema({
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "country": {"type": "string"},
        "age": {"type": ["integer", "null"]},
        "email_opt_in": {"type": "boolean"},
        "signup_at": {"type": "string", "format": "date-time"},
        "birth_date": {"type": "string", "format": "date"},
        "tier": {"enum": ["bronze", "silver", "gold", "platinum"]},
        "zip": {"type": "string"},
        "code": {"type": ["string", "integer"]},
        "address": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "country_code": {"type": "string"}},
            "additionalProperties": False,
        },
        "interests": {"type": "array", "items": {"type": "string"}},
        "badges": {"type": "array", "items": {"enum": ["new", "vip"]}},
        "orders": {"type": "array", "items": {
            "type": "object",
            "properties": {
                "total": {"type": "number"},
                "status": {"enum": ["paid", "refunded"]},
                "placed_at": {"type": "string", "format": "date-time"},
                "lines": {"type": "array", "items": {
                    "type": "object", "properties": {"sku": {"type": "string"}},
                    "additionalProperties": False,
                }},
            },
            "additionalProperties": False,
        }},
        "prefs": {"type": "object"},
    },
    "additionalProperties": False,
    "x-segrules-session": {
        "type": "object",
        "properties": {"device": {"enum": ["mobile", "desktop"]}},
        "additionalProperties": False,
    },
})


def errors_of(text: str, schema: Schema = SCHEMA, **options: object) -> list[Diagnostic]:
    with pytest.raises(segrules.SegrulesError) as raised:
        segrules.loads(text, "s.seg", schema=schema, **options)  # type: ignore[arg-type]
    return list(raised.value.diagnostics)


def rendering(text: str, schema: Schema = SCHEMA) -> str:
    (found,) = errors_of(condition(text), schema)
    return found.render()


def problem(text: str) -> tuple[str, str, str | None]:
    (found,) = errors_of(condition(text))
    return found.code, found.message, found.hint


def test_an_unknown_attribute_with_did_you_mean() -> None:
    assert rendering('contry is "United States"') == """\
s.seg:1:27: error[SR205]: unknown attribute `contry`
  |
1 | segment s { include where contry is "United States" }
  |                           ^^^^^^
help: did you mean country?"""


def test_an_unknown_nested_attribute_points_at_the_unknown_name() -> None:
    assert rendering('address.countrycode is "US"') == """\
s.seg:1:35: error[SR205]: unknown attribute `address.countrycode`
  |
1 | segment s { include where address.countrycode is "US"
  |                                   ^^^^^^^^^^^
help: did you mean address.country_code?""".replace('"US"', '"US" }')


def test_an_unknown_attribute_without_a_close_name() -> None:
    assert problem("loyalty_points > 5") == (
        "SR205", "unknown attribute `loyalty_points`",
        "the schema has no such attribute: add it to the schema, or register a computed "
        "attribute",
    )


def test_an_unknown_attribute_written_with_profile_and_backticks() -> None:
    (found,) = errors_of(condition("profile.`contry` exists"))
    assert (found.code, found.hint) == ("SR205", "did you mean country?")
    assert found.span is not None and found.span.text == "`contry`"


def test_a_path_through_a_list_outside_an_aggregate() -> None:
    assert rendering("orders.total > 100") == """\
s.seg:1:34: error[SR205]: `orders` holds a list of records: it has no attribute `total`
  |
1 | segment s { include where orders.total > 100 }
  |                                  ^^^^^
help: read the elements' `total` with an aggregate, such as max(orders.total) or \
count(orders where total …)"""


def test_a_path_through_a_scalar() -> None:
    assert problem("age.years > 5") == (
        "SR205", "`age` holds an integer: it has no attribute `years`",
        "compare `age` itself: an integer has no attributes",
    )


def test_paths_in_a_where_clause_are_the_elements() -> None:
    assert rendering('count(orders where stauts is "paid") >= 2') == """\
s.seg:1:46: error[SR205]: unknown attribute `stauts` in the elements of `orders`
  |
1 | segment s { include where count(orders where stauts is "paid") >= 2 }
  |                                              ^^^^^^
help: did you mean status?"""


def test_the_field_an_aggregate_reads() -> None:
    assert problem("sum(orders.totl) >= 500") == (
        "SR205", "unknown attribute `totl` in the elements of `orders`", "did you mean total?",
    )


def test_a_where_clause_inside_a_where_clause() -> None:
    assert problem('count(orders where count(lines where skus is "x") > 0) > 0') == (
        "SR205", "unknown attribute `skus` in the elements of `lines`", "did you mean sku?",
    )


def test_a_profile_attribute_is_not_known_inside_where() -> None:
    assert problem('count(orders where country is "DE") > 0')[:2] == (
        "SR205", "unknown attribute `country` in the elements of `orders`",
    )


def test_session_paths_against_the_session_schema() -> None:
    assert rendering('session.devise is "mobile"') == """\
s.seg:1:35: error[SR205]: unknown attribute `session.devise`
  |
1 | segment s { include where session.devise is "mobile" }
  |                                   ^^^^^^
help: did you mean session.device?"""


def test_session_paths_are_unchecked_without_a_session_schema() -> None:
    schema = Schema(SCHEMA.profile)
    book = segrules.loads(condition('session.anything is "x" and session.x.y > 3'),
                          schema=schema)
    assert book.warnings == ()


def test_session_paths_unchecked_still_warn_about_lookalikes() -> None:
    book = segrules.loads(condition('session.started_at > "2025-01-01"'),
                          schema=Schema(SCHEMA.profile))
    assert [w.code for w in book.warnings] == ["SR402"]


def test_elements_of_unknown_type_still_warn_about_lookalikes() -> None:
    schema = Schema.from_json_schema({"type": "object", "properties": {"tags": {"type": "array"}}})
    book = segrules.loads(condition('tags is "true" and tags is empty'), schema=schema)
    assert [w.code for w in book.warnings] == ["SR403"]


def test_an_open_record_accepts_any_name_under_it() -> None:
    book = segrules.loads(condition('prefs.theme is "dark" and prefs.a.b > 3'), schema=SCHEMA)
    assert book.warnings == ()


def test_computed_attributes_count_as_known() -> None:
    attributes = segrules.Attributes()
    attributes.register("lifetime_value", lambda profile, now: 0)
    book = segrules.loads(condition("lifetime_value > 1000 and lifetime_value.x exists"),
                          schema=SCHEMA, attributes=attributes)
    assert book.names == ("s",)
    # ...at the top of the profile only: inside `where`, paths read the elements.
    found = errors_of(condition("count(orders where lifetime_value > 1) > 0"),
                      attributes=attributes)
    assert [d.code for d in found] == ["SR205"]


def test_a_misspelt_computed_attribute_is_suggested() -> None:
    attributes = {"lifetime_value": lambda profile, now: 0}
    (found,) = errors_of(condition("lifetime_valeu > 1000"), attributes=attributes)
    assert found.hint == "did you mean lifetime_value?"


def test_a_string_against_a_datetime() -> None:
    assert rendering('signup_at > "2025-01-01"') == """\
s.seg:1:39: error[SR308]: `signup_at` holds a datetime, never the string "2025-01-01"
  |
1 | segment s { include where signup_at > "2025-01-01" }
  |                                       ^^^^^^^^^^^^
help: write 2025-01-01 without quotes"""


def test_a_string_against_a_boolean() -> None:
    assert rendering('email_opt_in is "true"') == """\
s.seg:1:43: error[SR308]: `email_opt_in` holds a boolean, never the string "true"
  |
1 | segment s { include where email_opt_in is "true" }
  |                                           ^^^^^^
help: write `is true` without quotes"""


@pytest.mark.parametrize(("text", "expected"), [
    ('age >= "18"', ("SR308", '`age` holds an integer, never the string "18"',
                     "write 18 without quotes")),
    ('age is "eighteen"', ("SR308", '`age` holds an integer, never the string "eighteen"',
                           "compare it with a number, such as 18 or 49.99")),
    ("country is 49", ("SR308", "`country` holds a string, never the number 49",
                       'write "49" in quotes to compare text')),
    ("zip is true", ("SR308", "`zip` holds a string, never the boolean true",
                     'write "true" in quotes to compare text')),
    ("email_opt_in is 1", ("SR308", "`email_opt_in` holds a boolean, never the number 1",
                           "write `is true` or `is false`")),
    ("age > 2025-01-01", ("SR308", "`age` holds an integer, never the date 2025-01-01",
                          "compare it with a number, such as 18 or 49.99")),
    ('birth_date is not "1990-05-17"', (
        "SR308", '`birth_date` holds a date, never the string "1990-05-17"',
        "write 1990-05-17 without quotes")),
    ('signup_at is "yesterday"', (
        "SR308", '`signup_at` holds a datetime, never the string "yesterday"',
        "compare it with a date such as 2026-01-31 or a datetime such as 2026-01-31T09:00Z")),
    ("interests is 5", ("SR308", "`interests` holds a list of strings, never the number 5",
                        'write "5" in quotes to compare text')),
    ("interests contains 5", ("SR308", "`interests` holds a list of strings, never the number 5",
                              'write "5" in quotes to compare text')),
    ('address is "Berlin"', ("SR308", '`address` holds a record, never the string "Berlin"',
                             "compare one of its fields, or count its elements with count(…)")),
    ('count(orders) is "3"', ("SR308", '`count(orders)` holds a number, never the string "3"',
                              "write 3 without quotes")),
    ('years_since(birth_date) >= "18"', (
        "SR308", '`years_since(birth_date)` holds a number, never the string "18"',
        "write 18 without quotes")),
])
def test_a_literal_the_attribute_never_holds(text: str, expected: tuple[str, str, str]) -> None:
    assert problem(text) == expected


@pytest.mark.parametrize("text", [
    'code is "A-17"', "code is 17",                    # a union takes either
    "signup_at > 2025-01-01", "signup_at is before 2025-01-01T09:00:00Z",
    'zip is "02134"', 'zip > "10000"',                 # a string attribute: quotes are right
    'country is "2025-01-01"',
    "birth_date is 1990-05-17", "age is between 18 and 65", "age is 18.5",
    'interests contains "golf"', 'interests is "golf"', 'country contains "land"',
    "max(orders.placed_at) more than 90 days ago", "min(orders.total) < 10",
    "sum(orders.total where status is \"paid\") >= 500", "avg(orders.total) > 10",
    "years_since(birth_date) >= 18", "days_since(signup_at) < 30",
    'signup_at starts with "2025"', "birth_date within last 30 days",
    "orders is empty", "interests is not empty", "address is empty", "country is empty",
    "age exists", "orders does not exist", "email_opt_in is false",
    'session.device is "mobile"', "count(interests) > 2",
])
def test_what_the_attribute_can_hold_is_accepted(text: str) -> None:
    book = segrules.loads(condition(text), schema=SCHEMA)
    assert book.warnings == ()


def test_an_enum_value_that_is_not_allowed() -> None:
    assert rendering('tier is "platinium"') == """\
s.seg:1:35: error[SR309]: "platinium" is not a value of `tier`
  |
1 | segment s { include where tier is "platinium" }
  |                                   ^^^^^^^^^^^
help: did you mean "platinum"?"""


def test_an_enum_value_without_a_close_one_lists_the_values() -> None:
    assert problem('tier is not "diamond"') == (
        "SR309", '"diamond" is not a value of `tier`',
        'the values are "bronze", "silver", "gold", "platinum"',
    )


def test_an_enum_value_in_another_case() -> None:
    assert problem('tier is one of "gold", "Silver"') == (
        "SR309", '"Silver" is not a value of `tier`',
        'did you mean "silver"? (or add `ignoring case`)',
    )


@pytest.mark.parametrize("text", [
    'tier is "GOLD" ignoring case', 'tier is one of "Gold", "sIlVeR" ignoring case',
    'tier contains "plat"',                           # enums are checked by equality only
    'tier starts with "x"', 'tier > "a"',
    'badges is "vip"', 'count(orders where status is "paid") > 1',
])
def test_enum_checks_are_for_equality(text: str) -> None:
    assert segrules.loads(condition(text), schema=SCHEMA).warnings == ()


def test_enum_values_of_list_elements_and_of_where_clauses() -> None:
    text = condition('badges is "VIP" or count(orders where status is "payed") > 1 '
                     'or session.device is not "tablet"')
    assert [(d.code, d.hint) for d in errors_of(text)] == [
        ("SR309", 'did you mean "vip"? (or add `ignoring case`)'),
        ("SR309", 'did you mean "paid"?'),
        ("SR309", 'the values are "mobile", "desktop"'),
    ]


@pytest.mark.parametrize(("text", "expected"), [
    ("age contains 5", (
        "SR310", "`contains` cannot apply to `age`, which holds an integer",
        "`contains` looks inside text and lists; use `is` to compare a whole value")),
    ("email_opt_in > true", (
        "SR310", "`>` cannot apply to `email_opt_in`, which holds a boolean",
        "a boolean has no order: use `is true` or `is false`")),
    ("address > 3", (
        "SR310", "`>` cannot apply to `address`, which holds a record",
        "order compares numbers, text and dates")),
    ('age starts with "1"', (
        "SR310", "`starts with` cannot apply to `age`, which holds an integer",
        "it applies to text")),
    ("email_opt_in matches /^t/", (
        "SR310", "`matches` cannot apply to `email_opt_in`, which holds a boolean",
        "it applies to text")),
    ("age within last 3 days", (
        "SR310", "`within last` cannot apply to `age`, which holds an integer",
        "it applies to dates and datetimes")),
    ("age is not empty", (
        "SR310", "`is not empty` cannot apply to `age`, which holds an integer",
        "it applies to text, lists and records")),
    ("orders > 3", (
        "SR310", "`>` cannot apply to `orders`, which holds a list of records",
        "order compares numbers, text and dates")),
])
def test_an_operator_that_cannot_apply(text: str, expected: tuple[str, str, str]) -> None:
    assert problem(text) == expected


def test_an_operator_that_cannot_apply_rendering() -> None:
    assert rendering("age contains 5") == """\
s.seg:1:27: error[SR310]: `contains` cannot apply to `age`, which holds an integer
  |
1 | segment s { include where age contains 5 }
  |                           ^^^^^^^^^^^^^^
help: `contains` looks inside text and lists; use `is` to compare a whole value"""


@pytest.mark.parametrize(("text", "expected"), [
    ("count(age) > 1", (
        "SR311", "`count` needs a list, but `age` holds an integer",
        "aggregates count and add up the elements of a list, such as orders")),
    ("sum(orders.status) > 1", (
        "SR311", '`sum` takes numbers, but `orders.status` holds one of "paid", "refunded"',
        "count them instead: count(orders where …)")),
    ("avg(interests) > 1", (
        "SR311", "`avg` takes numbers, but `interests` holds a string",
        "count them instead: count(interests where …)")),
    ("max(orders.lines) > 1", (
        "SR311", "`max` takes numbers or dates, but `orders.lines` holds a list of records",
        "count them instead: count(orders where …)")),
    ("years_since(email_opt_in) > 1", (
        "SR311", "`years_since` counts from a date, but `email_opt_in` holds a boolean",
        "give it a date or datetime attribute, such as a birth date")),
])
def test_an_aggregate_or_function_over_what_it_cannot_take(
        text: str, expected: tuple[str, str, str]) -> None:
    assert problem(text) == expected


def test_an_aggregate_over_a_non_list_rendering() -> None:
    assert rendering('sum(orders.status) > 1') == """\
s.seg:1:31: error[SR311]: `sum` takes numbers, but `orders.status` holds one of "paid", \
"refunded"
  |
1 | segment s { include where sum(orders.status) > 1 }
  |                               ^^^^^^^^^^^^^
help: count them instead: count(orders where …)"""


def test_every_problem_of_every_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "a.seg").write_text(
        'segment a {\n    include where contry is "DE"\n    exclude where tier is "gld"\n}\n')
    (tmp_path / "b.seg").write_text(
        'segment b {\n    include where age >= "18" and email_opt_in > false\n}\n'
        'segment c { include where signup_at > "2025-01-01" and in segment nowhere }\n')
    with pytest.raises(segrules.SegrulesError) as raised:
        segrules.load(tmp_path, schema=SCHEMA)
    assert [(str(d.span), d.code) for d in raised.value.diagnostics] == [
        (f"{tmp_path / 'a.seg'}:2:19", "SR205"),
        (f"{tmp_path / 'a.seg'}:3:27", "SR309"),
        (f"{tmp_path / 'b.seg'}:2:26", "SR308"),
        (f"{tmp_path / 'b.seg'}:2:35", "SR310"),
        (f"{tmp_path / 'b.seg'}:4:39", "SR308"),
        (f"{tmp_path / 'b.seg'}:4:56", "SR202"),
    ]


def test_the_errors_class_is_the_first_errors() -> None:
    with pytest.raises(segrules.SegrulesReferenceError):
        segrules.loads(condition("contry exists"), schema=SCHEMA)
    with pytest.raises(segrules.SegrulesValueError):
        segrules.loads(condition('tier is "gld"'), schema=SCHEMA)


def test_a_schema_that_is_not_a_schema() -> None:
    with pytest.raises(segrules.SegrulesError) as raised:
        segrules.loads(condition("age > 1"), schema={"type": "object"})  # type: ignore[arg-type]
    assert raised.value.message.startswith("schema= takes a segrules.Schema, not dict")


def test_without_a_schema_nothing_is_an_error() -> None:
    book = segrules.loads(condition("contry exists and age contains 5 and count(age) > 1 "
                                    'and count(orders) is "Canada"'))
    assert book.warnings == ()


def test_the_reloader_checks_against_its_schema(tmp_path: Path) -> None:
    path = tmp_path / "s.seg"
    path.write_text(condition('country is "DE"'))
    reloader = segrules.Reloader(path, schema=SCHEMA)
    path.write_text(condition('contry is "DE"'))
    assert reloader.reload() is False
    assert [d.code for d in reloader.errors] == ["SR205"]
    with pytest.raises(segrules.SegrulesError):
        segrules.Reloader(path, schema=SCHEMA)
