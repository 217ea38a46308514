"""The SQL each dialect gets for representative conditions, as sqlglot's own dialect tests
state it (``validate_all``): a table of expected text per engine. Every expression here was
run on the engine it is written for (the operator and example tests run DuckDB in the suite;
the engines' tests run PostgreSQL and Spark)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlglot import exp

import segrules
from segrules.sql import dialect_named
from segrules.sql.compiler import Conditions

NOW = dt.datetime(2026, 3, 31, 12, tzinfo=dt.UTC)


def compiled(condition: str, dialect: str) -> str:
    """The SQL of one condition, reading plain columns (no table alias)."""
    book = segrules.loads(f"segment s {{ include where {condition} }}")
    engine = dialect_named(dialect)
    conditions = Conditions(engine, None, NOW, lambda name: exp.column(name, quoted=True),
                            lambda name: exp.column(name, quoted=True), frozenset())
    return conditions.condition(book["s"].includes[0]).sql(dialect=engine.sqlglot)


EXPECTED: dict[str, dict[str, str]] = {
    'country is "Österreich"': {
        "duckdb":
            'COALESCE(NFC_NORMALIZE("country") = \'Österreich\', FALSE)',
        "postgres":
            'COALESCE(NORMALIZE("country", NFC) = \'Österreich\', FALSE)',
        "spark":
            "COALESCE(`country` = 'Österreich', FALSE)",
    },
    'address.city is not "Paris"': {
        "duckdb":
            '(NOT "address"."city" IS NULL AND NOT (COALESCE("address"."city" = \'Paris\', FALS'
            'E)))',
        "postgres":
            '(("address")."city" IS DISTINCT FROM NULL AND NOT (COALESCE(("address")."city" ='
            " 'Paris', FALSE)))",
        "spark":
            "(NOT `address`.`city` IS NULL AND NOT (COALESCE(`address`.`city` = 'Paris', FALS"
            'E)))',
    },
    'address exists': {
        "duckdb":
            'NOT "address" IS NULL',
        "postgres":
            '"address" IS DISTINCT FROM NULL',
        "spark":
            'NOT `address` IS NULL',
    },
    'count(orders where status is "paid") >= 2': {
        "duckdb":
            'COALESCE(COALESCE(LENGTH(LIST_FILTER("orders", LAMBDA "_e1" : "_e1"."status" = '
            "'paid')), 0) >= 2, FALSE)",
        "postgres":
            'COALESCE((SELECT COUNT(*) FROM UNNEST("orders") AS "_e1" WHERE COALESCE(("_e1").'
            '"status" = \'paid\', FALSE)) >= 2, FALSE)',
        "spark":
            "COALESCE(COALESCE(SIZE(FILTER(`orders`, `_e1` -> COALESCE(`_e1`.`status` = 'paid"
            "', FALSE))), 0) >= 2, FALSE)",
    },
    'max(orders.placed_at) more than 6 months ago': {
        "duckdb":
            'COALESCE(LIST_MAX(LIST_TRANSFORM("orders", LAMBDA "_e1" : "_e1"."placed_at")) < '
            "CAST('2025-09-30 12:00:00' AS TIMESTAMP), FALSE)",
        "postgres":
            'COALESCE((SELECT MAX(("_e1")."placed_at") FROM UNNEST("orders") AS "_e1") < CAST'
            "('2025-09-30 12:00:00' AS TIMESTAMP), FALSE)",
        "spark":
            "COALESCE(ARRAY_MAX(TRANSFORM(`orders`, `_e1` -> `_e1`.`placed_at`)) < CAST('2025"
            "-09-30 12:00:00' AS TIMESTAMP_NTZ), FALSE)",
    },
    'email ends with "@x.com" ignoring case': {
        "duckdb":
            'COALESCE(SUFFIX(CASE WHEN STRLEN("email") = LENGTH("email") THEN LOWER("email") '
            'ELSE TRANSLATE(NFC_NORMALIZE("email"), \'ABCDEFGHIJKLMNOPQRSTUVWXYZ\', \'abcdefghij'
            "klmnopqrstuvwxyz') END, '@x.com'), FALSE)",
        "postgres":
            'COALESCE(RIGHT(CASE WHEN OCTET_LENGTH("email") = CHAR_LENGTH("email") THEN LOWER'
            '("email" COLLATE "C") ELSE TRANSLATE(NORMALIZE("email", NFC), \'ABCDEFGHIJKLMNOPQ'
            "RSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') END, 6) = '@x.com', FALSE)",
        "spark":
            'COALESCE(RIGHT(CASE WHEN OCTET_LENGTH(`email`) = CHAR_LENGTH(`email`) THEN LOWER'
            "(`email`) ELSE TRANSLATE(`email`, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmno"
            "pqrstuvwxyz') END, 6) = '@x.com', FALSE)",
    },
    'postcode matches /^\\d{5}(-\\d{4})?$/': {
        "duckdb":
            'COALESCE(REGEXP_MATCHES(NFC_NORMALIZE("postcode"), \'^\\d{5}(-\\d{4})?$\'), FALSE)',
        "postgres":
            'COALESCE(NORMALIZE("postcode", NFC) ~ \'^[0-9]{5}(\\-[0-9]{4})?$\', FALSE)',
        "spark":
            "COALESCE(`postcode` RLIKE '^[0-9]{5}(\\\\-[0-9]{4})?\\\\z', FALSE)",
    },
    'signup_at within last 1 month': {
        "duckdb":
            'COALESCE("signup_at" >= CAST(\'2026-02-28 12:00:00\' AS TIMESTAMP) AND "signup_at"'
            " <= CAST('2026-03-31 12:00:00' AS TIMESTAMP), FALSE)",
        "postgres":
            'COALESCE("signup_at" >= CAST(\'2026-02-28 12:00:00\' AS TIMESTAMP) AND "signup_at"'
            " <= CAST('2026-03-31 12:00:00' AS TIMESTAMP), FALSE)",
        "spark":
            "COALESCE(`signup_at` >= CAST('2026-02-28 12:00:00' AS TIMESTAMP_NTZ) AND `signup"
            "_at` <= CAST('2026-03-31 12:00:00' AS TIMESTAMP_NTZ), FALSE)",
    },
    'name > "m"': {
        "duckdb":
            'COALESCE(NFC_NORMALIZE("name") > \'m\', FALSE)',
        "postgres":
            'COALESCE(NORMALIZE("name", NFC) COLLATE "C" > \'m\' COLLATE "C", FALSE)',
        "spark":
            "COALESCE(`name` > 'm', FALSE)",
    },
}


@pytest.mark.parametrize("condition", EXPECTED)
@pytest.mark.parametrize("dialect", ["duckdb", "postgres", "spark"])
def test_each_dialect_gets_its_own_idiom(condition: str, dialect: str) -> None:
    assert compiled(condition, dialect) == EXPECTED[condition][dialect]


def test_hostile_strings_go_through_each_dialects_quoting() -> None:
    text = 'name is "it\'s \\\\ -- ;"'
    assert compiled(text, "duckdb").endswith("= 'it''s \\ -- ;', FALSE)")
    assert compiled(text, "postgres").endswith("= 'it''s \\ -- ;', FALSE)")
    assert compiled(text, "spark").endswith("= 'it\\'s \\\\ -- ;', FALSE)")
