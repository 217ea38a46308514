"""Errors on bad text: the full compiler-style rendering, recovery, classes and pickling.

Each case pins the whole message (``file:line:col: error[CODE]: message``, the source line, the
caret line and the ``help:`` line), because the rendering is what a marketer reads.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

import segrules
from segrules.checker import check
from segrules.errors import (
    Diagnostic,
    SegrulesError,
    SegrulesReferenceError,
    SegrulesSyntaxError,
    SegrulesValueError,
    error_for,
)
from segrules.loader import parse_all
from segrules.parser import parse
from segrules.source import Source


def diagnostics(text: str, name: str = "t.seg") -> list[Diagnostic]:
    """Everything a load of ``text`` reports: parser and checker diagnostics together."""
    return parse_all([Source(name, text)])[1]


def load_error(text: str, name: str = "t.seg") -> SegrulesError:
    """The exception a load of ``text`` raises."""
    found = [d for d in diagnostics(text, name) if d.severity == "error"]
    assert found, "expected the text to be rejected"
    return error_for(found)


# (case, source lines, rendered lines)
MISTAKES = [
    (
        'misspelled_operator',
        [
            'segment adults {',
            '    include where age is greather than 17',
            '}',
        ],
        [
            't.seg:2:26: error[SR101]: unexpected `greather`',
            '  |',
            '2 |     include where age is greather than 17',
            '  |                          ^^^^^^^^',
            'help: did you mean `is greater than`?',
        ],
    ),
    (
        'doesnt_exist',
        [
            'segment s {',
            '    exclude where email doesnt exist',
            '}',
        ],
        [
            't.seg:2:25: error[SR101]: unexpected `doesnt exist`',
            '  |',
            '2 |     exclude where email doesnt exist',
            '  |                         ^^^^^^^^^^^^',
            'help: did you mean `does not exist`?',
        ],
    ),
    (
        'not_exists',
        [
            'segment s {',
            '    exclude where email not exists',
            '}',
        ],
        [
            't.seg:2:25: error[SR101]: unexpected `not exists`',
            '  |',
            '2 |     exclude where email not exists',
            '  |                         ^^^^^^^^^^',
            'help: did you mean `does not exist`?',
        ],
    ),
    (
        'misspelled_title',
        [
            'segment s {',
            '    titel "Adults"',
            '}',
        ],
        [
            't.seg:2:5: error[SR101]: unexpected `titel`',
            '  |',
            '2 |     titel "Adults"',
            '  |     ^^^^^',
            'help: did you mean `title`?',
        ],
    ),
    (
        'misspelled_include',
        [
            'segment s {',
            '    title "Adults"',
            '    inclde everyone',
            '}',
        ],
        [
            't.seg:3:5: error[SR101]: unexpected `inclde`',
            '  |',
            '3 |     inclde everyone',
            '  |     ^^^^^^',
            'help: did you mean `include`?',
        ],
    ),
    (
        'misspelled_where',
        [
            'segment s {',
            '    include wher age > 17',
            '}',
        ],
        [
            't.seg:2:13: error[SR101]: unexpected `wher`',
            '  |',
            '2 |     include wher age > 17',
            '  |             ^^^^',
            'help: did you mean `where`?',
        ],
    ),
    (
        'misspelled_segment',
        [
            'segment s {',
            '    include segmnt adults',
            '}',
        ],
        [
            't.seg:2:13: error[SR101]: unexpected `segmnt`',
            '  |',
            '2 |     include segmnt adults',
            '  |             ^^^^^^',
            'help: did you mean `segment`?',
        ],
    ),
    (
        'empty_block',
        [
            'segment s {',
            '    include all {',
            '    }',
            '}',
        ],
        [
            't.seg:2:13: error[SR105]: empty `all` block',
            '  |',
            '2 |     include all {',
            '  |             ^^^^^',
            'help: an empty block would match every customer (or none); write `include '
            'everyone` to mean everyone, or add a condition',
        ],
    ),
    (
        'empty_nested_block',
        [
            'segment s {',
            '    include all {',
            '        age > 17',
            '        none { }',
            '    }',
            '}',
        ],
        [
            't.seg:4:9: error[SR105]: empty `none` block',
            '  |',
            '4 |         none { }',
            '  |         ^^^^^^^^',
            'help: an empty block would match every customer (or none); write `include '
            'everyone` to mean everyone, or add a condition',
        ],
    ),
    (
        'invalid_escape',
        [
            'segment s {',
            '    include where code is "\\d+"',
            '}',
        ],
        [
            't.seg:2:28: error[SR104]: invalid escape `\\d` in a string',
            '  |',
            '2 |     include where code is "\\d+"',
            '  |                            ^^',
            'help: strings know \\" \\\\ \\n \\t \\uXXXX; for a regular expression write a '
            'pattern literal such as /^\\d+$/, which is read raw',
        ],
    ),
    (
        'impossible_date',
        [
            'segment s {',
            '    active from 2026-02-30',
            '}',
        ],
        [
            't.seg:2:17: error[SR301]: impossible date 2026-02-30: day is out of range for month',
            '  |',
            '2 |     active from 2026-02-30',
            '  |                 ^^^^^^^^^^',
            'help: a date is YYYY-MM-DD and must exist in the calendar',
        ],
    ),
    (
        'impossible_datetime',
        [
            'segment s {',
            '    include where signup is after 2026-01-31T24:30:00Z',
            '}',
        ],
        [
            't.seg:2:35: error[SR301]: impossible datetime 2026-01-31T24:30:00Z: Hour may only '
            'be 24 at 24:00:00.000',
            '  |',
            '2 |     include where signup is after 2026-01-31T24:30:00Z',
            '  |                                   ^^^^^^^^^^^^^^^^^^^^',
            'help: a datetime is YYYY-MM-DDTHH:MM[:SS[.fff]] with an optional Z or ±HH:MM offset',
        ],
    ),
    (
        'unterminated_string',
        [
            'segment s {',
            '    include where city is "Paris',
            '}',
        ],
        [
            't.seg:2:27: error[SR103]: unterminated string',
            '  |',
            '2 |     include where city is "Paris',
            '  |                           ^',
            'help: close the string with `"` on the same line',
        ],
    ),
    (
        'unterminated_pattern',
        [
            'segment s {',
            '    include where email matches /@example\\.com',
            '}',
        ],
        [
            't.seg:2:33: error[SR103]: unterminated pattern',
            '  |',
            '2 |     include where email matches /@example\\.com',
            '  |                                 ^',
            'help: close the pattern with `/` on the same line; write `\\/` for a slash inside it',
        ],
    ),
    (
        'missing_brace_at_end',
        [
            'segment s {',
            '    include all {',
            '        age > 17',
            '    }',
        ],
        [
            't.seg:4:5: error[SR103]: unexpected end of file',
            '  |',
            '4 |     }',
            '  |     ^',
            'help: a `}` may be missing: the `{` at t.seg:1:11 is never closed',
        ],
    ),
    (
        'duplicate_header_clause',
        [
            'segment s {',
            '    title "Adults"',
            '    groups "a"',
            '    title "Grown-ups"',
            '}',
        ],
        [
            't.seg:4:5: error[SR106]: `title` is given twice in segment `s`',
            '  |',
            '4 |     title "Grown-ups"',
            '  |     ^^^^^^^^^^^^^^^^^',
            'help: each header clause may appear at most once; merge them into one',
        ],
    ),
    (
        'before_a_number',
        [
            'segment s {',
            '    include where signup is before 5',
            '}',
        ],
        [
            't.seg:2:36: error[SR305]: `is before` needs a date or datetime',
            '  |',
            '2 |     include where signup is before 5',
            '  |                                    ^',
            'help: write a date such as 2026-01-31 or a datetime such as 2026-01-31T09:00:00Z',
        ],
    ),
    (
        'fractional_duration',
        [
            'segment s {',
            '    include where last_seen within last 1.5 days',
            '}',
        ],
        [
            't.seg:2:41: error[SR305]: a duration needs a whole number of days, not 1.5',
            '  |',
            '2 |     include where last_seen within last 1.5 days',
            '  |                                         ^^^',
            'help: use a smaller unit: 36 hours instead of 1.5 days',
        ],
    ),
    (
        'contains_two_values',
        [
            'segment s {',
            '    include where tags contains "golf", "sailing"',
            '}',
        ],
        [
            't.seg:2:39: error[SR101]: unexpected `,`',
            '  |',
            '2 |     include where tags contains "golf", "sailing"',
            '  |                                       ^',
            'help: `contains` takes one value; write `contains any of` or `contains all of`',
        ],
    ),
    (
        'keyword_as_attribute',
        [
            'segment s {',
            '    include where count is 5',
            '}',
        ],
        [
            't.seg:2:19: error[SR101]: unexpected `count`',
            '  |',
            '2 |     include where count is 5',
            '  |                   ^^^^^',
            'help: `count` is a word of the language here; for an attribute of that name write '
            'it in backticks: `count`',
        ],
    ),
    (
        'and_inside_a_block',
        [
            'segment s {',
            '    include all { age > 17 and country is "FR" }',
            '}',
        ],
        [
            't.seg:2:28: error[SR101]: unexpected `and`',
            '  |',
            '2 |     include all { age > 17 and country is "FR" }',
            '  |                            ^^^',
            'help: conditions in a block are listed without `and`; to use `and`/`or` there, '
            'put the expression in parentheses: ( … )',
        ],
    ),
    (
        'invalid_regex',
        [
            'segment s {',
            '    include where email matches /(a|b/',
            '}',
        ],
        [
            't.seg:2:33: error[SR302]: invalid regular expression: missing ): (a|b',
            '  |',
            '2 |     include where email matches /(a|b/',
            '  |                                 ^^^^^^',
            'help: patterns use RE2 syntax (no backreferences or lookaround)',
        ],
    ),
    (
        'between_low_above_high',
        [
            'segment s {',
            '    include where age is between 65 and 18',
            '}',
        ],
        [
            't.seg:2:19: error[SR303]: `between` has its low bound above its high bound, so it '
            'never holds',
            '  |',
            '2 |     include where age is between 65 and 18',
            '  |                   ^^^^^^^^^^^^^^^^^^^^^^^^',
            'help: write the smaller value first: `is between LOW and HIGH`',
        ],
    ),
    (
        'unknown_segment',
        [
            'segment fraud_suspects { }',
            'segment s {',
            '    exclude segment fraud_suspect',
            '}',
        ],
        [
            't.seg:3:13: error[SR202]: unknown segment `fraud_suspect`',
            '  |',
            '3 |     exclude segment fraud_suspect',
            '  |             ^^^^^^^^^^^^^^^^^^^^^',
            'help: did you mean `fraud_suspects`?',
        ],
    ),
    (
        'reference_cycle',
        [
            'segment a { include segment b }',
            'segment b {',
            '    include where in segment c',
            '}',
            'segment c {',
            '    exclude where not in segment a',
            '}',
        ],
        [
            't.seg:6:23: error[SR203]: segment reference cycle: a -> b -> c -> a',
            '  |',
            '6 |     exclude where not in segment a',
            '  |                       ^^^^^^^^^^^^',
            'help: a segment cannot depend on itself; remove one of these references',
        ],
    ),
    (
        'duplicate_segment',
        [
            'segment vip { include everyone }',
            '',
            'segment vip { }',
        ],
        [
            't.seg:3:9: error[SR201]: segment `vip` is defined twice',
            '  |',
            '3 | segment vip { }',
            '  |         ^^^',
            'help: it was first defined at t.seg:1:9; rename one of them',
        ],
    ),
    (
        'never_active',
        [
            'segment spring {',
            '    active from 2026-06-01 until 2026-03-01',
            '}',
        ],
        [
            't.seg:2:5: error[SR304]: segment `spring` is never active: `active from '
            '2026-06-01 until 2026-03-01` is an empty window',
            '  |',
            '2 |     active from 2026-06-01 until 2026-03-01',
            '  |     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^',
            'help: the window is half-open [from, until), so `until` must be later than `from`',
        ],
    ),
    (
        'id_in_both_lists',
        [
            'segment s {',
            '    include customers "c-1", "c-2"',
            '    exclude customers "c-2"',
            '}',
        ],
        [
            't.seg:3:5: warning[SR401]: segment `s` both includes and excludes "c-2"',
            '  |',
            '3 |     exclude customers "c-2"',
            '  |     ^^^^^^^^^^^^^^^^^^^^^^^',
            'help: an explicit exclusion wins, so these customers are excluded',
        ],
    ),
    (
        'number_too_long',
        [
            'segment s {',
            '    include where card_number is ' + '4' * 101,
            '}',
        ],
        [
            't.seg:2:34: error[SR306]: a number may have at most 100 digits',
            '  |',
            '2 |     include where card_number is ' + '4' * 101,
            '  |                                  ' + '^' * 101,
            'help: a long code such as an id is a string: put it in double quotes',
        ],
    ),
    (
        'duration_too_long',
        [
            'segment s {',
            '    include where last_seen within last 1000000000 days',
            '}',
        ],
        [
            't.seg:2:41: error[SR307]: a duration may reach back at most 1000 years '
            '(366000 days), not 1000000000 days',
            '  |',
            '2 |     include where last_seen within last 1000000000 days',
            '  |                                         ^^^^^^^^^^^^^^^',
            'help: to mean "ever", test `exists` instead, or compare with `is before` a date',
        ],
    ),
    (
        'lone_surrogate_escape',
        [
            'segment s {',
            '    include where name starts with "\\uD83D"',
            '}',
        ],
        [
            't.seg:2:37: error[SR104]: `\\uD83D` is half of a surrogate pair, not a character',
            '  |',
            '2 |     include where name starts with "\\uD83D"',
            '  |                                     ^^^^^^',
            'help: write the character itself, or both halves of its pair: '
            '\\uD83D\\uDE00 is \U0001f600',
        ],
    ),
    (
        'lone_surrogate_in_text',
        [
            'segment s {',
            '    include where name is "caf\udce9"',
            '}',
        ],
        [
            't.seg:2:31: error[SR108]: the text holds U+DCE9, a lone surrogate, which is not '
            'a character',
            '  |',
            '2 |     include where name is "caf<U+DCE9>"',
            '  |                               ^^^^^^^^',
            'help: the text was probably decoded wrongly; read segment files as UTF-8',
        ],
    ),
]


@pytest.mark.parametrize(("source", "rendered"), [m[1:] for m in MISTAKES],
                         ids=[m[0] for m in MISTAKES])
def test_rendered_message(source: list[str], rendered: list[str]) -> None:
    (diagnostic,) = diagnostics("\n".join(source) + "\n")
    assert diagnostic.render() == "\n".join(rendered)
    assert str(diagnostic) == diagnostic.render()


def test_there_are_at_least_eighteen_kinds_of_mistake() -> None:
    codes = {rendered[0].split("[")[1].split("]")[0] for _, _, rendered in MISTAKES}
    assert len(MISTAKES) >= 18
    assert codes >= {"SR101", "SR103", "SR104", "SR105", "SR106", "SR201", "SR202", "SR203",
                     "SR301", "SR302", "SR303", "SR304", "SR305", "SR401"}


def test_the_exception_renders_every_diagnostic() -> None:
    error = load_error("segment s {\n    titel \"x\"\n}\n")
    assert str(error) == "\n".join([
        "t.seg:2:5: error[SR101]: unexpected `titel`",
        "  |",
        '2 |     titel "x"',
        "  |     ^^^^^",
        "help: did you mean `title`?",
    ])
    assert error.message == "unexpected `titel`"


@pytest.mark.parametrize(("condition", "word"), [
    *((f"{word} is 5", word) for word in ("in", "all", "any", "none", "count", "sum", "avg",
                                          "min", "max", "years_since", "days_since")),
    ("all { a is 1 ignoring is 2 }", "ignoring"),
])
def test_a_word_of_the_language_as_an_attribute_name(condition: str, word: str) -> None:
    (found,) = diagnostics(f"segment s {{\n  include where {condition}\n}}\n")
    assert found.message == f"unexpected `{word}`"
    assert found.span is not None and found.span.text == word
    assert found.hint == (
        f"`{word}` is a word of the language here; for an attribute of that name write it in "
        f"backticks: `{word}`"
    )


# --- what people write wrong, and the fix the hint gives ---------------------------------------

# (case, source lines, rendered lines): one pinned rendering per kind of hint.
HINTED_MISTAKES = [
    (
        'arrow_for_greater_or_equal',
        ['segment s {', '    include where age => 18', '}'],
        [
            't.seg:2:23: error[SR101]: unexpected `=>`',
            '  |',
            '2 |     include where age => 18',
            '  |                       ^^',
            'help: did you mean `>=`?',
        ],
    ),
    (
        'curly_quotes',
        ['segment s {', '    include where country is “Canada”', '}'],
        [
            't.seg:2:30: error[SR101]: unexpected character U+201C (left double quotation mark)',
            '  |',
            '2 |     include where country is “Canada”',
            '  |                              ^^^^^^^^',
            'help: use straight double quotes: "Canada"',
        ],
    ),
    (
        'single_quotes',
        ['segment s {', "    include where country is 'Canada'", '}'],
        [
            "t.seg:2:30: error[SR101]: unexpected `'Canada'`",
            '  |',
            "2 |     include where country is 'Canada'",
            '  |                              ^^^^^^^^',
            'help: use straight double quotes: "Canada"',
        ],
    ),
    (
        'comma_between_conditions_of_a_block',
        ['segment s {', '    include all { age >= 18, country is "US" }', '}'],
        [
            't.seg:2:28: error[SR101]: unexpected `,`',
            '  |',
            '2 |     include all { age >= 18, country is "US" }',
            '  |                            ^',
            'help: conditions in a block need no separator: remove the comma',
        ],
    ),
    (
        'uppercase_keyword',
        ['segment s {', '    include where age >= 18 AND country is "US"', '}'],
        [
            't.seg:2:29: error[SR101]: unexpected `AND`',
            '  |',
            '2 |     include where age >= 18 AND country is "US"',
            '  |                             ^^^',
            'help: keywords are lowercase: `and`',
        ],
    ),
    (
        'thousands_separator',
        ['segment s {', '    include where total > 1,000', '}'],
        [
            't.seg:2:27: error[SR101]: unexpected `1,000`',
            '  |',
            '2 |     include where total > 1,000',
            '  |                           ^^^^^',
            'help: write numbers without thousands separators: 1000',
        ],
    ),
    (
        'date_with_slashes',
        ['segment s {', '    include where signup is after 2026/01/01', '}'],
        [
            't.seg:2:35: error[SR101]: unexpected `2026/01/01`',
            '  |',
            '2 |     include where signup is after 2026/01/01',
            '  |                                   ^^^^^^^^^^',
            'help: dates are written 2026-01-01',
        ],
    ),
    (
        'misspelled_in_segment',
        ['segment s {', '    include where in segmnt vip', '}'],
        [
            't.seg:2:22: error[SR101]: unexpected `segmnt`',
            '  |',
            '2 |     include where in segmnt vip',
            '  |                      ^^^^^^',
            'help: did you mean `in segment`?',
        ],
    ),
    (
        'aggregate_without_parentheses',
        ['segment s {', '    include where count orders > 5', '}'],
        [
            't.seg:2:19: error[SR101]: unexpected `count orders`',
            '  |',
            '2 |     include where count orders > 5',
            '  |                   ^^^^^^^^^^^^',
            'help: aggregates take parentheses: `count(orders) > 5`',
        ],
    ),
    (
        'byte_order_mark_inside_the_text',
        ['segment s {', '    include where age\ufeff > 17', '}'],
        [
            't.seg:2:22: error[SR101]: unexpected character U+FEFF (byte order mark)',
            '  |',
            '2 |     include where age<U+FEFF> > 17',
            '  |                      ^^^^^^^^',
            'help: a byte order mark is skipped only at the very start of a file; delete this one',
        ],
    ),
    (
        'no_break_space',
        ['segment s {', '    include where age >\u00a017', '}'],
        [
            't.seg:2:24: error[SR101]: unexpected character U+00A0 (no-break space)',
            '  |',
            '2 |     include where age ><U+00A0>17',
            '  |                        ^^^^^^^^',
            'help: replace it with a plain space',
        ],
    ),
    (
        'fullwidth_digit',
        ['segment s {', '    include where x is １', '}'],
        [
            't.seg:2:24: error[SR101]: unexpected character U+FF11 (fullwidth digit one)',
            '  |',
            '2 |     include where x is １',
            '  |                        ^^',
            'help: write numbers with the digits 0-9: 1',
        ],
    ),
    (
        'stray_closing_brace',
        ['segment s {', '    include where x is 1 }', '}'],
        [
            't.seg:3:1: error[SR101]: unexpected `}`',
            '  |',
            '3 | }',
            '  | ^',
            'help: this `}` closes nothing; remove it',
        ],
    ),
]


@pytest.mark.parametrize(("source", "rendered"), [m[1:] for m in HINTED_MISTAKES],
                         ids=[m[0] for m in HINTED_MISTAKES])
def test_rendered_hint(source: list[str], rendered: list[str]) -> None:
    (diagnostic,) = diagnostics("\n".join(source) + "\n")
    assert diagnostic.render() == "\n".join(rendered)


def _where(condition: str) -> str:
    return condition if condition.startswith("segment") else (
        f"segment s {{\n    include where {condition}\n}}\n"
    )


# (text, or a condition of `include where`; the text under the caret; the hint)
HINTS = [
    ("age => 18", "=>", "did you mean `>=`?"),
    ("age =< 18", "=<", "did you mean `<=`?"),
    ("age <> 18", "<>", "did you mean `!=`?"),
    ("age === 18", "===", "did you mean `==`?"),
    ("age !== 18", "!==", "did you mean `!=`?"),
    ('age > 17 && country is "US"', "&&", "did you mean `and`?"),
    ('age > 17 & country is "US"', "&", "did you mean `and`?"),
    ('age > 17 || country is "US"', "||", "did you mean `or`?"),
    ("!(age > 17)", "!", "did you mean `not`?"),
    ("country is ‘Canada’", "‘Canada’", 'use straight double quotes: "Canada"'),
    ("country is „Kanada“", "„Kanada“", 'use straight double quotes: "Kanada"'),
    ("country is «Canada»", "«Canada»", 'use straight double quotes: "Canada"'),
    ("country is “Canada", "“", 'use straight double quotes: "…"'),
    ("all { age > 17, country is 'US' }", ",",
     "conditions in a block need no separator: remove the comma"),
    ('age > 17, country is "US"', ",", "join conditions with `and` or `or`, not a comma"),
    ('country is "US", "CA"', ",", '`is` takes one value; for several write `is one of`'),
    ('country is not "US", "CA"', ",",
     '`is not` takes one value; for several write `is not one of`'),
    ('country is "US" or "CA"', '"CA"',
     '`or` joins conditions, not values; write `is one of "US", "CA"`'),
    ("x IS 1", "IS", "keywords are lowercase: `is`"),
    ("x IS NOT 1", "IS NOT", "keywords are lowercase: `is not`"),
    ("NOT (x is 1)", "NOT", "keywords are lowercase: `not`"),
    ("x is True", "True", "keywords are lowercase: `true`"),
    ("segment s { Include everyone }", "Include", "keywords are lowercase: `include`"),
    ("x > 1,000,000", "1,000,000", "write numbers without thousands separators: 1000000"),
    ("x > 1,000.50", "1,000.50", "write numbers without thousands separators: 1000.50"),
    ("x > 1,5", "1,5", "write decimals with a point: 1.5"),
    ("x > 2026/1/5", "2026/1/5", "dates are written 2026-01-05"),
    ("x > 01/31/2026", "01/31/2026", "dates are written 2026-01-31"),
    ("x > 31/01/2026", "31/01/2026", "dates are written 2026-01-31"),
    ("x > 01/02/2026", "01/02/2026",
     "dates are written year-month-day: 2026-01-02 or 2026-02-01"),
    ("x > 2026-1-5", "2026-1-5", "dates are written 2026-01-05"),
    ("x > 2026-01-01 09:00", "2026-01-01 09:00",
     "a datetime is written without a space: 2026-01-01T09:00"),
    ("count orders > 5", "count orders", "aggregates take parentheses: `count(orders) > 5`"),
    ("sum orders.total >= 500", "sum orders.total",
     "aggregates take parentheses: `sum(orders.total) >= 500`"),
    ("years_since birth_date >= 18", "years_since birth_date",
     "time functions take parentheses: `years_since(birth_date) >= 18`"),
    ("in segmnt vip", "segmnt", "did you mean `in segment`?"),
    ("not in segmnt vip", "segmnt", "did you mean `in segment`?"),
    ('x is not equal "a"', "is not equal", "did you mean `is not equal to`?"),
    ('x is equal "a"', "is equal", "did you mean `is equal to`?"),
    ('x equals "a"', "equals", "did you mean `is`?"),
    ("x does not exists", "does not exists", "did you mean `does not exist`?"),
    ("x within the last 30 days", "within the last", "did you mean `within last`?"),
    ("x in the last 30 days", "in the last", "did you mean `within last`?"),
    ('x ends with "a" ignore case', "ignore case", "did you mean `ignoring case`?"),
    ("x is null", "is null", "a missing attribute is tested with `does not exist`"),
    ("x == NULL", "== NULL", "a missing attribute is tested with `does not exist`"),
    ("x is not null", "is not null", "a present attribute is tested with `exists`"),
    ('x is one of "a", "b",', ",", "remove the comma after the last value"),
    ('x in ["a", "b",]', ",", "remove the comma after the last value"),
    ('segment s {\n    groups "a", "b",\n    include everyone\n}\n', ",",
     "remove the comma after the last value"),
    ("age > 17 and < 65", "<", "each condition names its attribute: `age < 65`"),
    ("total > $500", "$", "write amounts without a currency sign: 500"),
    ("total > 500 €", "€", "write amounts without a currency sign: 500"),
    ("discount >= 20%", "%", "write the number without `%`: 20 (or the fraction, as the data "
     "holds it)"),
    ("segment VIP Customers { }", "VIP Customers",
     'a segment name with spaces is written in quotes: "VIP Customers"'),
    ("segment s { active from 2026-01-01 to 2026-02-01 }", "to", "did you mean `until`?"),
    ('segment s { include customer "c-1" }', "customer", "did you mean `customers`?"),
    # "Did you mean" is about the word under the caret, never a later one (`titel` here).
    ('segment s { include where x is 1 ) titel "a" }', ")",
     "expected `active`, `description`, `disabled`, `exclude`, `groups`, `include`, `stores`, "
     "`title`, `}`"),
    ("country is US", "US", 'strings are written in double quotes: "US"'),
    ("country is United States", "United States",
     'strings are written in double quotes: "United States"'),
    ("country is United States and age > 17", "United States",
     'strings are written in double quotes: "United States"'),
    ("country is one of US, CA", "US", 'strings are written in double quotes: "US"'),
    ("email ends with @gmail.com", "@gmail.com",
     'strings are written in double quotes: "@gmail.com"'),
    ("newsletter is yes", "yes",
     'for a boolean write `is true`; for the text, double quotes: "yes"'),
    ("x is greather than 1", "greather", "did you mean `is greater than`?"),
    ('x in ("a", "b")', '("a", "b")', 'lists are written in square brackets: ["a", "b"]'),
    ('x is one of ("a", "b")', '("a", "b")', 'lists are written in square brackets: ["a", "b"]'),
    ("x within last 30days", "30days", "put a space between the number and the unit: 30 days"),
    ("age is between 18-65", "18-65", "write `between 18 and 65`"),
    ("last_order > 30 days ago", "> 30 days ago", "did you mean `within last 30 days`?"),
    ("last_order < 30 days ago", "< 30 days ago", "did you mean `more than 30 days ago`?"),
    ('x is "a" and }', "and", "a condition is missing after `and`"),
    ("segment s { include where x is 1 and not }", "not", "a condition is missing after `not`"),
]


@pytest.mark.parametrize(("written", "underlined", "hint"), HINTS, ids=[h[0] for h in HINTS])
def test_a_hint_gives_the_fix(written: str, underlined: str, hint: str) -> None:
    found = [d for d in diagnostics(_where(written)) if d.code.startswith("SR1")]
    assert found, "expected a syntax error"
    assert (found[0].span.text if found[0].span else None, found[0].hint) == (underlined, hint)


# (character, its name in the message, the hint)
INVISIBLE = [
    ("\u00a0", "no-break space", "replace it with a plain space"),
    ("\u3000", "ideographic space", "replace it with a plain space"),
    ("\u200b", "zero width space", "delete it: it is invisible, often pasted in with the text"),
    ("\u2060", "word joiner", "delete it: it is invisible, often pasted in with the text"),
    ("\u200f", "right-to-left mark",
     "delete it: a text-direction mark makes the line display out of order"),
    ("\u202e", "right-to-left override",
     "delete it: a text-direction mark makes the line display out of order"),
    ("\u2028", "line separator", "replace it with a plain line break"),
    ("\x00", "control character", "delete it: it is invisible, often pasted in with the text"),
    ("\ufeff", "byte order mark",
     "a byte order mark is skipped only at the very start of a file; delete this one"),
]


@pytest.mark.parametrize(("char", "name", "hint"), INVISIBLE, ids=[c[1] for c in INVISIBLE])
def test_an_invisible_character_is_named_by_its_code_point(char: str, name: str, hint: str) -> None:
    text = f"segment s {{\n    include where age > 17{char} and x is 1\n}}\n"
    (found,) = diagnostics(text)
    assert found.message == f"unexpected character U+{ord(char):04X} ({name})"
    assert found.span is not None and found.span.text == char
    assert found.hint == hint
    # The shown line never holds the raw character: it could hide, move or reorder the text.
    assert char not in found.render() and f"<U+{ord(char):04X}>" in found.render()


@pytest.mark.parametrize(("condition", "underlined", "hint"), [
    ("x is ٣", "٣", "write numbers with the digits 0-9: 3"),
    ("x is 1５", "５", "write numbers with the digits 0-9: 5"),
    ("x > 1.５", "５", "write numbers with the digits 0-9: 5"),
    ("x within last ３ days", "３", "write numbers with the digits 0-9: 3"),
    ("x > ２０２６-01-01", "２", "write numbers with the digits 0-9: 2"),
    ("x > 2026–01–01", "–", "use a plain `-`"),
    ("länder is 1", "länder",
     "names are written with ASCII letters, digits and `_`; backtick others: `länder`"),
])
def test_unicode_digits_and_lookalikes_are_errors(
    condition: str, underlined: str, hint: str
) -> None:
    found = diagnostics(_where(condition))
    assert found and found[0].code == "SR101"
    assert (found[0].span.text if found[0].span else None, found[0].hint) == (underlined, hint)


def test_numbers_in_a_list_may_not_hold_thousands_separators() -> None:
    # `1,000` in a list would otherwise be the two values 1 and 0: silently wrong membership.
    found, second = diagnostics(_where("total is one of 1,000, 2,500"))
    assert second.span is not None and second.span.text == "2,500"
    assert found.render() == "\n".join([
        "t.seg:2:35: error[SR101]: unexpected `1,000`",
        "  |",
        "2 |     include where total is one of 1,000, 2,500",
        "  |                                   ^^^^^",
        "help: write numbers without thousands separators: 1000 (or put a space after the "
        "comma to list two numbers)",
    ])
    assert [d.span.text for d in diagnostics(_where("total in [1,500]")) if d.span] == ["1,500"]
    assert diagnostics(_where("total is one of 1, 000, 1,5, 1,50")) == []


def test_wide_characters_keep_the_caret_under_the_mistake() -> None:
    (found,) = diagnostics('segment s {\n    title "日本"  inclde everyone\n}\n')
    # Each of the two wide characters takes two columns of a terminal.
    assert found.render().splitlines()[3] == "  | " + " " * 18 + "^^^^^^"
    assert found.span is not None and found.span.column == 17


# --- several mistakes at once ------------------------------------------------------------------

THREE_MISTAKES = """\
# three segments, one mistake each
segment adults {
    include where age is greather than 17
}

segment newsletter {
    titel "Newsletter"
    include where email exists
}

segment winter {
    active from 2026-12-01 until 2027-02-30
    include where in segment adults
}
"""


def test_three_mistakes_in_three_segments_are_all_reported() -> None:
    error = load_error(THREE_MISTAKES, "segments/three.seg")
    assert str(error) == "\n".join([
        "segments/three.seg:3:26: error[SR101]: unexpected `greather`",
        "  |",
        "3 |     include where age is greather than 17",
        "  |                          ^^^^^^^^",
        "help: did you mean `is greater than`?",
        "",
        "segments/three.seg:7:5: error[SR101]: unexpected `titel`",
        "  |",
        '7 |     titel "Newsletter"',
        "  |     ^^^^^",
        "help: did you mean `title`?",
        "",
        "segments/three.seg:12:34: error[SR301]: impossible date 2027-02-30: "
        "day is out of range for month",
        "   |",
        "12 |     active from 2026-12-01 until 2027-02-30",
        "   |                                  ^^^^^^^^^^",
        "help: a date is YYYY-MM-DD and must exist in the calendar",
    ])
    assert isinstance(error, SegrulesSyntaxError)
    assert [d.code for d in error.diagnostics] == ["SR101", "SR101", "SR301"]


def test_parse_raises_with_every_syntax_error() -> None:
    text = "segment a {\n  inclde everyone\n}\nsegment b {\n  include wher x is 1\n}\n"
    with pytest.raises(SegrulesSyntaxError) as caught:
        parse(text, "two.seg")
    assert [(d.span.line, d.span.column) for d in caught.value.diagnostics if d.span] == [
        (2, 3), (5, 11),
    ]
    assert [d.hint for d in caught.value.diagnostics] == [
        "did you mean `include`?", "did you mean `where`?",
    ]


def test_a_broken_segment_is_not_reported_again_as_unknown() -> None:
    text = (
        "segment a {\n  include where x is greather than 1\n}\n"
        'segment "b c" {\n  titel "x"\n}\n'
        'segment d {\n  include segment a\n  exclude segment "b c"\n}\n'
    )
    assert [d.code for d in diagnostics(text)] == ["SR101", "SR101"]


def test_recovery_keeps_a_reference_written_across_two_lines() -> None:
    text = (
        "segment a {\n  include\n  segment b\n  exclude where in\n  segment b\n}\n"
        "segment b { include everyone }\n"
        'segment c { titel "x" }\n'
    )
    assert [d.message for d in diagnostics(text)] == ["unexpected `titel`"]


def test_a_missing_brace_in_the_middle_of_a_file() -> None:
    text = "segment a {\n  include all {\n    x is 1\n}\nsegment b { titel \"x\" }\n"
    assert "\n\n".join(d.render() for d in diagnostics(text)) == "\n".join([
        "t.seg:4:1: error[SR103]: unexpected end of segment",
        "  |",
        "4 | }",
        "  | ^",
        "help: a `}` may be missing: the `{` at t.seg:1:11 is never closed",
        "",
        "t.seg:5:13: error[SR101]: unexpected `titel`",
        "  |",
        '5 | segment b { titel "x" }',
        "  |             ^^^^^",
        "help: did you mean `title`?",
    ])


def test_an_impossible_date_is_not_reported_again_by_the_checker() -> None:
    text = (
        "segment s {\n  active from 2026-03-01 until 2026-02-30\n"
        "  include where x is between 2026-03-01 and 2026-02-31\n}\n"
    )
    assert [d.code for d in diagnostics(text)] == ["SR301", "SR301"]


def test_a_broken_segment_defined_twice_points_at_its_name() -> None:
    found = diagnostics("segment a { }\nsegment a { titel }\n")
    assert [(d.code, str(d.span)) for d in found] == [
        ("SR201", "t.seg:2:9"), ("SR101", "t.seg:2:13"),
    ]


def test_checker_errors_across_segments_are_all_reported() -> None:
    text = (
        "segment a { include where x matches /(/ }\n"
        "segment b { include where in segment nowhere }\n"
        "segment c { include where y is between 9 and 1 }\n"
    )
    assert [(d.code, d.span.line if d.span else None) for d in diagnostics(text)] == [
        ("SR302", 1), ("SR202", 2), ("SR303", 3),
    ]


# --- error classes --------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "kind"), [
    ("segment s { inclde everyone }", SegrulesSyntaxError),
    ('segment s { include where x is "\\q" }', SegrulesSyntaxError),
    ("segment s { include all { } }", SegrulesSyntaxError),
    ("segment s { include segment t }", SegrulesReferenceError),
    ("segment s { include segment s }", SegrulesReferenceError),
    ("segment s { }\nsegment s { }", SegrulesReferenceError),
    ("segment s { active from 2026-02-30 }", SegrulesValueError),
    ("segment s { include where x matches /(/ }", SegrulesValueError),
    ("segment s { include where x is between 2 and 1 }", SegrulesValueError),
    ("segment s { include where x is before 5 }", SegrulesValueError),
])
def test_error_classes(text: str, kind: type[SegrulesError]) -> None:
    error = load_error(text)
    assert type(error) is kind
    assert isinstance(error, SegrulesError)


def test_the_first_error_decides_the_class() -> None:
    error = load_error("segment s { include segment t }\nsegment u { include where x matches /(/ }")
    assert type(error) is SegrulesReferenceError
    assert len(error.diagnostics) == 2


def test_a_warning_alone_is_not_an_error() -> None:
    (warning,) = diagnostics('segment s { include customers "a" exclude customers "a" }')
    assert warning.severity == "warning"
    assert error_for([warning]).diagnostics == ()


def test_plain_message_errors() -> None:
    error = SegrulesError("no such file")
    assert str(error) == "error[SR000]: no such file"
    assert error.message == "no such file"


# --- pickling ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    THREE_MISTAKES,
    "segment a { include segment b }\nsegment b { include segment a }",
    "segment s { include where x matches /(/ }",
])
def test_errors_pickle_to_the_same_rendering(text: str) -> None:
    error = load_error(text, "p.seg")
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert copy.diagnostics == error.diagnostics
    assert [d.span.text for d in copy.diagnostics if d.span] == [
        d.span.text for d in error.diagnostics if d.span
    ]


def test_a_raised_error_pickles() -> None:
    with pytest.raises(SegrulesError) as caught:
        parse("segment s {\n  include where x doesnt exist\n}", "r.seg")
    copy = pickle.loads(pickle.dumps(caught.value))
    assert isinstance(copy, SegrulesSyntaxError)
    assert str(copy) == str(caught.value)


# --- positions ------------------------------------------------------------------------------


def test_columns_are_one_based() -> None:
    (first,) = diagnostics("inclde")
    assert first.span is not None
    assert (first.span.line, first.span.column) == (1, 1)
    assert str(first.span) == "t.seg:1:1"


def test_columns_on_later_lines_count_from_the_line_start() -> None:
    text = "segment a { include everyone }\n\nsegment b {\ninclde everyone\n}\n"
    (found,) = diagnostics(text)
    assert found.span is not None
    assert (found.span.line, found.span.column) == (4, 1)
    assert found.span.start == text.index("inclde")
    assert found.render().splitlines()[0] == "t.seg:4:1: error[SR101]: unexpected `inclde`"


def test_columns_count_characters_not_bytes() -> None:
    text = 'segment s {\n  title "café ☕"  inclde everyone\n}\n'
    (found,) = diagnostics(text)
    assert found.span is not None
    assert (found.span.line, found.span.column) == (2, 19)


def test_the_source_name_leads_the_message() -> None:
    with pytest.raises(SegrulesSyntaxError) as caught:
        parse("segment s { titel }", "segments/vip.seg")
    assert str(caught.value).startswith("segments/vip.seg:1:13: error[SR101]:")


def test_check_returns_diagnostics_without_raising() -> None:
    found = check(parse("segment s { include segment t }"))
    assert [d.code for d in found] == ["SR202"]


def test_the_shown_line_is_the_spans_line_after_a_form_feed() -> None:
    (found,) = diagnostics("segment s {\f\n  inclde everyone\n}\n")
    assert found.render().splitlines()[2] == "2 |   inclde everyone"


def test_the_caret_keeps_the_tabs_of_the_source_line() -> None:
    (found,) = diagnostics("segment s {\n\t\tinclde everyone\n}\n")
    assert found.render().splitlines()[3] == "  | \t\t^^^^^^"


# --- recovery inside one segment ----------------------------------------------------------


def test_every_broken_clause_of_one_segment_is_reported() -> None:
    text = "\n".join([
        "segment a {",
        '    titel "A"',
        '    groups "x"',
        "    include all {",
        "        age is greather than 5",
        '        country is "US"',
        "    }",
        "    exclude where email matches /abc",
        "}",
    ]) + "\n"
    found = [(d.code, d.span.line, d.span.column) for d in diagnostics(text) if d.span]
    assert found == [("SR101", 2, 5), ("SR101", 5, 16), ("SR103", 8, 33)]


def test_a_missing_closing_brace_is_one_error_not_one_per_clause() -> None:
    text = 'segment a {\n    groups "x"\n    include where x is 1\n'
    (found,) = diagnostics(text)
    assert found.code == "SR103"
    assert "never closed" in (found.hint or "")


def test_clause_words_inside_an_expression_do_not_split_it() -> None:
    # `title` starts a line but inside the parentheses of a `where`; only `iz` is wrong.
    text = ('segment a {\n    include where (x is 1 and\n        title is "t")\n'
            "    include where y iz 2\n}\n")
    found = [(d.span.line, d.span.column) for d in diagnostics(text) if d.span]
    assert found == [(4, 21)]


def test_a_line_continuing_an_expression_is_not_a_clause() -> None:
    text = ('segment a {\n    include where x is 1 and\n        title is "t"\n'
            "    include where y iz 2\n}\n")
    found = [(d.span.line, d.span.column) for d in diagnostics(text) if d.span]
    assert found == [(4, 21)]


def test_a_broken_segment_with_an_escaped_quoted_name_still_counts_as_defined() -> None:
    # The escaped name decodes like any string; references to it are not "unknown segment".
    text = ('segment "Tab\\tName" { include wher x is 1 }\n'
            'segment b { include segment "Tab\\tName" }\n')
    assert [d.code for d in diagnostics(text)] == ["SR101"]


def test_a_comment_that_swallows_the_closing_brace_is_reported_inside_the_file() -> None:
    text = "segment A{disabled#}"
    (found,) = diagnostics(text)
    assert found.code == "SR103" and found.span is not None and found.span.end <= len(text)


def test_a_clause_cut_off_by_the_end_of_the_file_is_reported_inside_the_file() -> None:
    text = 'segment a {\n    title "t"\n    include where x does'
    found = diagnostics(text)
    assert found and all(d.span is not None and d.span.end <= len(text) for d in found)


# --- a byte order mark at the start ---------------------------------------------------------


def test_a_leading_byte_order_mark_is_skipped(tmp_path: Path) -> None:
    text = '\ufeffsegment s { include where x is 1 }\n'
    path = tmp_path / "bom.seg"
    path.write_bytes(text.encode("utf-8"))
    for book in (segrules.loads(text), segrules.load(path)):
        assert book.names == ("s",)
        assert book.matches("s", {"x": 1})


def test_columns_after_a_leading_byte_order_mark_are_those_an_editor_shows(
    tmp_path: Path,
) -> None:
    text = '\ufeffsegment s { titel "x" }\n'
    path = tmp_path / "bom.seg"
    path.write_bytes(text.encode("utf-8"))
    for load in (lambda: segrules.loads(text, "bom.seg"), lambda: segrules.load(path)):
        with pytest.raises(SegrulesSyntaxError) as caught:
            load()
        (found,) = caught.value.diagnostics
        assert found.span is not None and (found.span.line, found.span.column) == (1, 13)
        assert found.render().splitlines()[2:4] == [
            '1 | segment s { titel "x" }', "  |             ^^^^^",
        ]


# --- recovery reports what the parseable clauses of a broken segment say -------------------


def test_a_reference_error_beside_a_syntax_error_in_one_segment_is_reported() -> None:
    text = "\n".join([
        'segment vip { include where tier is "gold" }',
        "segment adults {",
        "    include where age => 18",
        "    include segment vipp",
        "}",
    ]) + "\n"
    assert "\n\n".join(d.render() for d in diagnostics(text)) == "\n".join([
        "t.seg:3:23: error[SR101]: unexpected `=>`",
        "  |",
        "3 |     include where age => 18",
        "  |                       ^^",
        "help: did you mean `>=`?",
        "",
        "t.seg:4:13: error[SR202]: unknown segment `vipp`",
        "  |",
        "4 |     include segment vipp",
        "  |             ^^^^^^^^^^^^",
        "help: did you mean `vip`?",
    ])


def test_value_and_checker_errors_of_the_good_clauses_of_a_broken_segment() -> None:
    text = "\n".join([
        "segment s {",
        "    active from 2026-02-30",
        "    include where x is between 9 and 1",
        "    titel \"t\"",
        '    include where y matches /(/',
        "    exclude segment nowhere",
        "}",
    ]) + "\n"
    assert [(d.code, d.span.line) for d in diagnostics(text) if d.span] == [
        ("SR301", 2), ("SR303", 3), ("SR101", 4), ("SR302", 5), ("SR202", 6),
    ]


def test_a_header_clause_given_twice_in_a_broken_segment_is_reported() -> None:
    text = 'segment s {\n    groups "a"\n    groups "b"\n    include wher x is 1\n}\n'
    assert [(d.code, d.span.line) for d in diagnostics(text) if d.span] == [
        ("SR106", 3), ("SR101", 4),
    ]


def test_a_broken_segment_keeps_its_good_clauses_for_the_checker() -> None:
    # The cycle runs through the good clause of the broken segment `a`.
    text = ('segment a {\n    include segment b\n    titel "x"\n}\n'
            "segment b { include segment a }\n")
    assert [d.code for d in diagnostics(text)] == ["SR101", "SR203"]


def test_a_missing_closing_brace_still_checks_the_clauses() -> None:
    text = 'segment a {\n    include segment nowhere\n    groups "x"\n'
    assert [d.code for d in diagnostics(text)] == ["SR202", "SR103"]


def test_errors_are_reported_in_file_order_and_the_first_decides_the_class() -> None:
    text = (
        "segment a { include where x is between 9 and 1 }\n"
        "segment b { include wher x is 1 }\n"
        "segment c { include segment nowhere }\n"
    )
    error = load_error(text)
    assert [d.code for d in error.diagnostics] == ["SR303", "SR101", "SR202"]
    assert type(error) is SegrulesValueError


def test_errors_of_several_files_are_in_file_order_file_by_file() -> None:
    first = Source("a.seg", "segment a { include segment nowhere }\n")
    second = Source("b.seg", "segment b { inclde everyone }\n")
    found = parse_all([first, second])[1]
    assert [(d.code, d.span.source.name) for d in found if d.span] == [
        ("SR202", "a.seg"), ("SR101", "b.seg"),
    ]


# --- recovery is linear in the size of the file ---------------------------------------------


class _CountingParser:
    """The shared Lark parser, counting the characters handed to it."""

    def __init__(self, real: object) -> None:
        self.real = real
        self.characters = 0

    def parse(self, text: str) -> object:
        self.characters += len(text)
        return self.real.parse(text)  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)


def _characters_parsed(text: str, monkeypatch: pytest.MonkeyPatch) -> int:
    from segrules import lalr

    counting = _CountingParser(lalr.parser())
    monkeypatch.setattr(lalr, "parser", lambda: counting)
    diagnostics(text)
    return counting.characters


@pytest.mark.parametrize("broken_every", [1, 7, 300])
def test_recovery_parses_each_character_a_bounded_number_of_times(
    broken_every: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    segments = [
        f'segment s{i} {{\n    title "t"\n    include where x is {i}\n'
        "    include all {\n        y is 1\n"
        f"        z {'iz' if i % broken_every == broken_every - 1 else 'is'} 2\n    }}\n}}\n"
        for i in range(300)
    ]
    text = "".join(segments)
    # Once for the whole file, once per segment, and once more per clause of a broken segment.
    assert _characters_parsed(text, monkeypatch) <= 4 * len(text)
