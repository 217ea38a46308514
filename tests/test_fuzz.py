"""The front end's law: any text either loads or raises ``SegrulesError``, never another
exception, and every diagnostic points inside the text it came from.

Three sources of text: arbitrary strings and strings of the language's own words; valid files
mutated a token or a character at a time (the mistakes people actually make); and sentences of
the grammar itself (``hypothesis.extra.lark``), which are syntactically valid but may hold
impossible dates, bad patterns or unknown segment names.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark
from lark import Lark

from segrules.checker import check
from segrules.errors import Diagnostic, SegrulesError
from segrules.parser import parse
from segrules.source import without_bom

ROOT = Path(__file__).parent.parent
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def load(text: str) -> list[Diagnostic]:
    """Parse and check ``text`` the way a load does; every diagnostic, asserted well placed.

    Spans count from the first character after a leading byte order mark, which is skipped.
    """
    try:
        found = check(parse(text, "fuzz.seg"))
    except SegrulesError as error:
        assert error.diagnostics, "an error must carry at least one diagnostic"
        assert any(d.severity == "error" for d in error.diagnostics)
        found = list(error.diagnostics)
    text = without_bom(text)
    lines = text.count("\n") + 1
    for diagnostic in found:
        diagnostic.render()
        span = diagnostic.span
        assert span is not None, diagnostic.render()
        assert 0 <= span.start <= span.end <= len(text), diagnostic.render()
        assert 1 <= span.line <= span.end_line <= lines, diagnostic.render()
        assert span.column >= 1 and span.end_column >= 1, diagnostic.render()
        line_start = text.rfind("\n", 0, span.start) + 1
        assert span.column == span.start - line_start + 1, diagnostic.render()
    return found


# --- (a) arbitrary text ---------------------------------------------------------------------


@FUZZ
@given(st.text())
@example("")
@example("segment")
@example("segment s {")
@example('segment s { include where x is "')
@example("segment s { include where x matches /")
@example("}}}}")
@example("segment s { include where " + "(" * 2000 + "a is 1" + ")" * 2000 + " }")
@example("segment s { include where " + "not " * 3000 + "a is 1 }")
@example("segment s { include where x is 99999999999999999999999999.5 }")
@example("segment s { active from 9999-12-31T23:59:59-23:59 until 0001-01-01T00:00:00+23:59 }")
@example("\ufeffsegment s { }")
@example("\ufeffsegment s {\n  titel }")
@example("segment s {\n  include where x is 1\ufeff\u202e\u2028 }")
@example("segment a { }\nsegment a { titel }\nsegment b {\n  include\n  segment a")
def test_arbitrary_text(text: str) -> None:
    load(text)


def _grammar() -> str:
    return resources.files("segrules").joinpath("grammar/segrules.lark").read_text("utf-8")


def _keywords() -> list[str]:
    """Every literal word and punctuation mark of the grammar."""
    return sorted(set(re.findall(r'"([^"\s]+)"', _grammar())))


VOCABULARY = [
    *_keywords(),
    "segment", "include", "exclude", "where", "all", "any", "none", "{", "}", "(", ")", "[", "]",
    ",", ".", "x", "age", "orders", "session", "profile", "`all`", "`x y`", "High-Income",
    '"a"', '""', '"\\q"', '"\\u00e9"', '"unterminated', "/re/", "/(/", "/a\\/b/", "/open",
    "0", "-1", "1.5", "+2", "2026-01-31", "2026-02-30", "2026-13-01", "2026-01-31T09:00:00Z",
    "2026-01-31T25:00", "2026-01-31T09:00:00.5+05:30", "days", "day", "years", "ago",
    "ignoring", "case", "# comment", "\n", "\t", "`", '"', "/", "\\", "#", "doesn't",
    # What people write wrong, which the hints recognise (`mistakes`).
    "=>", "<>", "&&", "||", "!", "AND", "IS NOT", "“a”", "'a'", "‘", "1,000", "1,5", "$5", "5%",
    "2026/01/31", "01/31/2026", "2026-1-5", "09:00", "null", "count orders", "segmnt", "to",
    "\u00a0", "\u200b", "\u202e", "\u2028", "\ufeff", "１", "≥", "länder",
]


@FUZZ
@given(st.lists(st.sampled_from(VOCABULARY), max_size=40))
def test_text_of_the_languages_words(words: list[str]) -> None:
    load(" ".join(words))


@FUZZ
@given(st.lists(st.sampled_from(VOCABULARY), max_size=30))
def test_words_inside_a_segment(words: list[str]) -> None:
    load("segment s {\n  include where " + " ".join(words) + "\n}\n")


# --- (b) mutations of valid files ---------------------------------------------------------------

# The example files refer to each other, so they are valid only together, as a folder is.
EXAMPLES = "\n".join(path.read_text("utf-8") for path in sorted(ROOT.glob("examples/**/*.seg")))
VALID = [
    (ROOT / "tests" / "cases" / "seed.seg").read_text("utf-8"),
    *([EXAMPLES] if EXAMPLES else []),
    """segment a {
        title "A"  groups "g"  stores "s"  disabled
        active from 2026-01-01T00:00:00Z until 2026-06-01T00:00:00.5+05:30
        include all { (x is between 1 and 5 and y is 2)  not in segment b }
        include where (a is 1 or b in [1, 2]) and not (c is "x\\n" ignoring case)
        exclude any { none { d matches /^a\\/b$/ } e within last 3 weeks }
        exclude where max(orders.at where s is "p") more than 1 year ago
        include customers "c1"  exclude customers "c2"
    }
    segment b { include where years_since(birth) >= 18 and `all`.x does not exist }
    segment "c-d" { include segment a  exclude where count(o) > 2 }
    """,
]
TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|/(?:[^/\\\n]|\\.)+/|`[^`\n]*`|#[^\n]*|\w+|\s+|.')


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A valid file with one to three tokens or characters deleted, doubled, swapped or added."""
    text = draw(st.sampled_from(VALID))
    for _ in range(draw(st.integers(1, 3))):
        tokens = TOKEN.findall(text)
        if not tokens:
            break
        i = draw(st.integers(0, len(tokens) - 1))
        j = draw(st.integers(0, len(tokens) - 1))
        kind = draw(st.sampled_from(["delete", "double", "swap", "insert", "char"]))
        if kind == "delete":
            del tokens[i]
        elif kind == "double":
            tokens.insert(i, tokens[i])
        elif kind == "swap":
            tokens[i], tokens[j] = tokens[j], tokens[i]
        elif kind == "insert":
            tokens.insert(i, draw(st.sampled_from(VOCABULARY)) + " ")
        else:
            token = tokens[i]
            k = draw(st.integers(0, len(token)))
            replacement = draw(st.sampled_from(["", "x", '"', "/", "\\", "{", "}", "\n", "#", "1"]))
            tokens[i] = token[:k] + replacement + token[k + 1:]
        text = "".join(tokens)
    return text


@settings(FUZZ, max_examples=120)
@given(mutated())
def test_mutations_of_valid_files(text: str) -> None:
    load(text)


def test_the_valid_files_are_valid() -> None:
    for text in VALID:
        assert [d for d in load(text) if d.severity == "error"] == []


# --- (c) sentences of the grammar -----------------------------------------------------------


def _plain_lark() -> Lark:
    return Lark(_grammar(), parser="lalr", lexer="contextual")


@settings(FUZZ, max_examples=60,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(from_lark(_plain_lark()))
def test_sentences_of_the_grammar(text: str) -> None:
    load(text)
