"""Errors on bad text: the full compiler-style rendering, recovery, classes and pickling.

Each case pins the whole message (``file:line:col: error[CODE]: message``, the source line, the
caret line and the ``help:`` line), because the rendering is what a marketer reads.
"""

from __future__ import annotations

import pickle

import pytest

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
        ("SR101", "t.seg:2:13"), ("SR201", "t.seg:2:9"),
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
