"""What people write that the language spells differently, and the fix to suggest.

Each detector looks at the text around a syntax error and, when it recognises a habit from
spreadsheets, SQL, other rule languages or word processors (`=>`, `&&`, `AND`, curly quotes,
`1,000`, `2026/01/01`, `count orders`, `is null`), returns the hint with the fix and the span the
caret goes under. The first detector that recognises the mistake wins; ``syntax_errors`` falls
back to its phrase table, "did you mean" and "expected …" when none does.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
import unicodedata
from collections.abc import Callable
from typing import NamedTuple

from . import characters, lalr
from .operators import AGGREGATES, TIME_FUNCTIONS
from .source import ROUGH_TOKEN


class Mistake(NamedTuple):
    """A recognised mistake: the hint, the offsets the caret covers, and the message when
    "unexpected `text`" would not say it (an invisible character)."""

    hint: str
    start: int
    end: int
    message: str | None = None


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
# A literal value as written (a string, a number, true/false, a date or datetime).
_VALUE = (r'(?:"(?:[^"\\\n]|\\.)*"|[+-]?[0-9]+(?:\.[0-9]+)?|true|false'
          r"|[0-9]{4}-[0-9]{2}-[0-9]{2}\S*)")
_VALUE_TERMINALS = frozenset(("STRING", "NUMBER", "DATE", "DATETIME", "TRUE", "FALSE"))


class _At(NamedTuple):
    """Where the parser stopped: the text, the offset, the terminals it would have taken."""

    text: str
    pos: int
    expected: frozenset[str]

    @property
    def line_start(self) -> int:
        return self.text.rfind("\n", 0, self.pos) + 1

    @property
    def line_end(self) -> int:
        end = self.text.find("\n", self.pos)
        return len(self.text) if end < 0 else end

    @property
    def before(self) -> str:
        """The line up to the error."""
        return self.text[self.line_start : self.pos]

    @property
    def after(self) -> str:
        """The line from the error on."""
        return self.text[self.pos : self.line_end]

    @property
    def word(self) -> re.Match[str] | None:
        """The word starting at the error."""
        return _WORD.match(self.text, self.pos)

    @property
    def previous(self) -> re.Match[str] | None:
        """The word just before the error, with nothing but spaces between."""
        found = re.search(r"([A-Za-z_][A-Za-z0-9_]*)[ \t]*$", self.before)
        return _WORD.match(self.text, self.line_start + found.start(1)) if found else None

    @property
    def expected_words(self) -> frozenset[str]:
        literals = lalr.literal_terminals()
        return frozenset(literals[t] for t in self.expected if t in literals)


def find(text: str, pos: int, expected: set[str]) -> Mistake | None:
    """The first mistake recognised at ``text[pos]``, where the parser stopped."""
    at = _At(text, pos, frozenset(expected))
    for detector in _DETECTORS:
        mistake = detector(at)
        if mistake is not None:
            return mistake
    return None


def find_unquoted(text: str, pos: int, expected: set[str]) -> Mistake | None:
    """A string value written without quotes (`country is US`). Asked last, after the phrase
    table and "did you mean": a misspelt word in a value's place is more likely a keyword."""
    return _unquoted_string(_At(text, pos, frozenset(expected)))


def thousands_hint(written: str) -> str:
    """The hint for a number written with thousands separators (`1,000`)."""
    return f"write numbers without thousands separators: {written.replace(',', '')}"


# --- characters ----------------------------------------------------------------------------------


def _quotes(at: _At) -> Mistake | None:
    """'Canada', “Canada”: a string in quotes other than the straight double quote."""
    opening = at.after[:1]
    if opening not in characters.QUOTES or opening == '"':
        return None
    message = _unexpected(opening) if characters.is_suspect(opening) else None
    close = next((i for i, c in enumerate(at.after[1:], 1) if c in characters.QUOTES), None)
    if close is None:
        return Mistake('use straight double quotes: "…"', at.pos, at.pos + 1, message)
    body = at.after[1:close]
    return Mistake(f'use straight double quotes: "{body}"', at.pos, at.pos + close + 1, message)


_MATH = {"≥": ">=", "≤": "<=", "≠": "!="}


def _character(at: _At) -> Mistake | None:
    """A character that is not what it looks like: a no-break space, a full-width digit."""
    pos = at.pos
    if at.after[:1] and not characters.is_suspect(at.after[0]):
        # After a number or a dot that did lex (`1.５`), the digit that did not.
        lexed = re.match(r"[0-9.+-]*", at.after)
        pos += lexed.end() if lexed else 0
        if pos >= at.line_end or unicodedata.category(at.text[pos]) != "Nd":
            return None
    char = at.text[pos : pos + 1]
    if not char or not characters.is_suspect(char):
        return None
    if char.isalpha():
        return _non_ascii_name(at, pos)
    if char in _MATH:
        return Mistake(f"did you mean `{_MATH[char]}`?", pos, pos + 1, _unexpected(char))
    hint = characters.advice(char)
    return Mistake(hint, pos, pos + 1, _unexpected(char)) if hint else None


def _unit_sign(at: _At) -> Mistake | None:
    """`$500`, `500 €`, `20%`: a currency sign or a percent sign on a number."""
    sign = at.after[:1]
    if not sign or (unicodedata.category(sign) != "Sc" and sign != "%"):
        return None
    number = re.match(r"\s*([+-]?[0-9]+(?:\.[0-9]+)?)", at.after[1:])
    if number is None:
        number = re.search(r"([+-]?[0-9]+(?:\.[0-9]+)?)\s*$", at.before)
    if number is None:
        return None
    message = _unexpected(sign) if characters.is_suspect(sign) else None
    if sign == "%":
        hint = (f"write the number without `%`: {number.group(1)} (or the fraction, "
                "as the data holds it)")
    else:
        hint = f"write amounts without a currency sign: {number.group(1)}"
    return Mistake(hint, at.pos, at.pos + 1, message)


def _non_ascii_name(at: _At, pos: int) -> Mistake:
    """`länder is 1`: a name with letters outside ASCII, lexed up to the first of them."""
    start, end = pos, pos
    while start > at.line_start and (at.text[start - 1].isalnum() or at.text[start - 1] == "_"):
        start -= 1
    while end < at.line_end and (at.text[end].isalnum() or at.text[end] in "_-"):
        end += 1
    name = at.text[start:end]
    if re.search(r"(?:^|\s)segment\s+$", at.text[at.line_start : start]):
        hint = f'a segment name with other characters is written in quotes: "{name}"'
    else:
        hint = f"names are written with ASCII letters, digits and `_`; backtick others: `{name}`"
    return Mistake(hint, start, end)


def _unexpected(char: str) -> str:
    return f"unexpected character {characters.describe(char)}"


# --- operators and punctuation -------------------------------------------------------------------

_OPERATORS = {"=>": ">=", "=<": "<=", "<>": "!=", "===": "==", "!==": "!=", "=!": "!=",
              "&&": "and", "&": "and", "||": "or", "|": "or", "!": "not"}


def _operator(at: _At) -> Mistake | None:
    """`=>`, `<>`, `&&`, `!`: operators of spreadsheets and programming languages."""
    start, end = at.pos, at.pos
    while start > at.line_start and at.text[start - 1] in "=<>!&|":
        start -= 1
    while end < at.line_end and at.text[end] in "=<>!&|":
        end += 1
    written = at.text[start:end]
    meant = _OPERATORS.get(written)
    if meant is None:
        return None
    if meant in ("and", "or") and _inside_block(at):
        hint = (f"conditions in a block are listed without `{written}`; to use `and`/`or` "
                "there, put the expression in parentheses: ( … )")
        return Mistake(hint, start, end)
    return Mistake(f"did you mean `{meant}`?", start, end)


def _number_with_commas(at: _At) -> Mistake | None:
    """`1,000` and `1,5`: thousands separators and decimal commas."""
    number = re.search(r"(?<![\w.])[+-]?[0-9]+$", at.before)
    rest = re.match(r",[0-9]+(?:,[0-9]+)*(?:\.[0-9]+)?(?![\w.])", at.after)
    if number is None or rest is None:
        return None
    written = number.group() + rest.group()
    start, end = at.line_start + number.start(), at.pos + rest.end()
    if re.fullmatch(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?", written):
        return Mistake(thousands_hint(written), start, end)
    if written.count(",") == 1:
        return Mistake(f"write decimals with a point: {written.replace(',', '.')}", start, end)
    return None


def _comma(at: _At) -> Mistake | None:
    """A comma where the language takes none: after `is V`, between conditions."""
    if not at.after.startswith(","):
        return None
    comma = (at.pos, at.pos + 1)
    if re.search(rf"(?:^|\s)contains\s+{_VALUE}\s*$", at.before):
        hint = "`contains` takes one value; write `contains any of` or `contains all of`"
        return Mistake(hint, *comma)
    single = re.search(rf"(?:^|\s)(is not|is|==|=|!=)\s+{_VALUE}\s*$", at.before)
    if single is not None:
        op = single.group(1)
        many = "is not one of" if op in ("is not", "!=") else "is one of"
        return Mistake(f"`{op}` takes one value; for several write `{many}`", *comma)
    if _inside_block(at):
        return Mistake("conditions in a block need no separator: remove the comma", *comma)
    if at.expected & {"AND", "OR"}:
        return Mistake("join conditions with `and` or `or`, not a comma", *comma)
    return None


def _trailing_comma(at: _At) -> Mistake | None:
    """`"a", "b",`: a comma after the last value of a list."""
    comma = len(at.text[: at.pos].rstrip()) - 1
    if not at.expected & _VALUE_TERMINALS or comma < 0 or at.text[comma] != ",":
        return None
    return Mistake("remove the comma after the last value", comma, comma + 1)


def _stray_brace(at: _At) -> Mistake | None:
    """A `}` after the segment is already closed."""
    if at.after.startswith("}") and at.expected <= {"SEGMENT", "$END"}:
        return Mistake("this `}` closes nothing; remove it", at.pos, at.pos + 1)
    return None


# --- dates ---------------------------------------------------------------------------------------

_SPACED_DATETIME = re.compile(
    r"(?<![\w.])([0-9]{4}-[0-9]{2}-[0-9]{2}) +([0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)"
)
_YEAR_FIRST = re.compile(r"(?<![\w.])([0-9]{4})[/.-]([0-9]{1,2})[/.-]([0-9]{1,2})(?![\w.])")
_YEAR_LAST = re.compile(r"(?<![\w.])([0-9]{1,2})[/.]([0-9]{1,2})[/.]([0-9]{4})(?![\w.])")


def _date(at: _At) -> Mistake | None:
    """`2026/01/01`, `01/31/2026`, `2026-1-5`, `2026-01-01 09:00`: dates in other notations."""
    line = at.text[at.line_start : at.line_end]
    offset = at.pos - at.line_start
    for pattern in (_SPACED_DATETIME, _YEAR_FIRST, _YEAR_LAST):
        for match in pattern.finditer(line):
            if match.start() <= offset < match.end():
                return Mistake(_date_hint(pattern, match), at.line_start + match.start(),
                               at.line_start + match.end())
    return None


def _date_hint(pattern: re.Pattern[str], match: re.Match[str]) -> str:
    if pattern is _SPACED_DATETIME:
        return f"a datetime is written without a space: {match[1]}T{match[2]}"
    if pattern is _YEAR_FIRST:
        meant = [_iso(int(match[1]), int(match[2]), int(match[3]))]
    else:  # month and day in either order: 01/31/2026 (US) or 31/01/2026
        year, first, second = int(match[3]), int(match[1]), int(match[2])
        meant = [_iso(year, first, second), _iso(year, second, first)]
    dates = list(dict.fromkeys(m for m in meant if m))
    if len(dates) == 1:
        return f"dates are written {dates[0]}"
    if dates:
        return f"dates are written year-month-day: {dates[0]} or {dates[1]}"
    return "dates are written year-month-day: 2026-01-31"


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


# --- words ---------------------------------------------------------------------------------------


def _uppercase_keyword(at: _At) -> Mistake | None:
    """`AND`, `IS NOT`, `Include`, `True`: keywords are lowercase."""
    word = at.word
    if word is not None and word.group() != word.group().lower() and (
        word.group().lower() in at.expected_words
    ):
        end = word.end()
        # The whole phrase in capitals: `IS NOT`, `IS ONE OF`.
        for following in _WORD.finditer(at.text, end, at.line_end):
            written = following.group()
            if at.text[end : following.start()].strip() or written.islower() or (
                written.lower() not in _keywords()
            ):
                break
            end = following.end()
        phrase = at.text[at.pos : end]
        return Mistake(f"keywords are lowercase: `{phrase.lower()}`", at.pos, end)
    # `NOT (x is 1)`: the capitalised keyword was read as an attribute name.
    previous = at.previous
    if previous is not None and len(previous.group()) > 1 and previous.group().isupper() and (
        previous.group().lower() in _keywords()
    ):
        hint = f"keywords are lowercase: `{previous.group().lower()}`"
        return Mistake(hint, *previous.span())
    return None


def _function_without_parentheses(at: _At) -> Mistake | None:
    """`count orders > 5`: an aggregate or time function with its argument not in parentheses."""
    function, path = at.previous, _PATH.match(at.text, at.pos, at.line_end)
    if function is None or path is None or path.group() in _keywords():
        return None  # `count is 5` is an attribute named `count`: the backtick advice says so.
    name = function.group()
    if name not in AGGREGATES and name not in TIME_FUNCTIONS:
        return None
    rest = at.text[path.end() : at.line_end].split("#")[0].split("}")[0].strip()
    if re.match(r"where\b", rest):
        call = f"{name}({path.group()} where …)"
    else:
        call = f"{name}({path.group()}) {rest}".rstrip()
    kind = "aggregates" if name in AGGREGATES else "time functions"
    return Mistake(f"{kind} take parentheses: `{call}`", function.start(), path.end())


_NULLS = frozenset(("null", "none", "nil", "undefined"))


def _null(at: _At) -> Mistake | None:
    """`is null`, `== NULL`, `is not null`: SQL's and JSON's null, which is `does not exist`."""
    word = at.word
    if word is None or word.group().lower() not in _NULLS or not at.expected & _VALUE_TERMINALS:
        return None
    op = re.search(r"(?:^|\s)(is not|is|==|=|!=)\s*$", at.before)
    if op is None:
        return None
    start = at.line_start + op.start(1)
    if op.group(1) in ("is not", "!="):
        return Mistake("a present attribute is tested with `exists`", start, word.end())
    return Mistake("a missing attribute is tested with `does not exist`", start, word.end())


def _or_between_values(at: _At) -> Mistake | None:
    """`country is "US" or "CA"`: `or` between values instead of `is one of`."""
    value = re.match(_VALUE, at.after)
    first = re.search(rf"(?:^|\s)(?:is|==|=)\s+({_VALUE})\s+or\s+$", at.before)
    if value is None or first is None:
        return None
    hint = (f"`or` joins conditions, not values; write "
            f"`is one of {first.group(1)}, {value.group()}`")
    return Mistake(hint, at.pos, at.pos + value.end())


_COMPARISON = re.compile(r"(>=|<=|!=|==|=|>|<)\s*(" + _VALUE + r"|[^\s})]+)")
_COMPARED = re.compile(r"([A-Za-z_][\w.]*|`[^`\n]+`)\s*(?:>=|<=|!=|==|=|>|<|is\b)")


def _missing_attribute(at: _At) -> Mistake | None:
    """`age > 17 and < 65`: a comparison after `and`/`or` without its attribute."""
    comparison = _COMPARISON.match(at.after)
    joined = re.search(r"(?:^|\s)(?:and|or)\s+$", at.before)
    if comparison is None or joined is None:
        return None
    attributes = _COMPARED.findall(at.before[: joined.start()])
    if not attributes:
        return None
    fix = f"{attributes[-1]} {comparison.group(1)} {comparison.group(2)}"
    return Mistake(f"each condition names its attribute: `{fix}`", at.pos,
                   at.pos + len(comparison.group(1)))


def _segment_name_with_spaces(at: _At) -> Mistake | None:
    """`segment VIP Customers {`: a name with spaces, which needs quotes."""
    header = re.search(r"(?:^|\s)segment\s+([A-Za-z_][\w-]*)\s+$", at.before)
    words = at.after.split("{")[0].split("#")[0].rstrip()
    if at.expected != {"LBRACE"} or header is None or not words:
        return None
    start, end = at.line_start + header.start(1), at.pos + len(words)
    name = at.text[start:end]
    return Mistake(f'a segment name with spaces is written in quotes: "{name}"', start, end)


def _in_segment_misspelt(at: _At) -> Mistake | None:
    """`in segmnt vip`: a misspelt `segment` after `in`, not an attribute named `in`."""
    word, previous = at.word, at.previous
    if "SEGMENT" not in at.expected or word is None or previous is None:
        return None
    if previous.group() != "in" or difflib.SequenceMatcher(
        None, word.group(), "segment"
    ).ratio() < 0.75:
        return None
    return Mistake("did you mean `in segment`?", *word.span())


def _unquoted_string(at: _At) -> Mistake | None:
    """`country is US`, `ends with @gmail.com`: a string value without its quotes."""
    if "STRING" not in at.expected:
        return None
    run = re.match(r"""[^\s,\]})(#"'`\[{]+""", at.after)
    if run is None or not re.match(r"[A-Za-z_@.]", run.group()):
        return None
    written = run.group()
    if written.lower() in _keywords() or difflib.get_close_matches(
        written, at.expected_words, n=1, cutoff=0.75
    ):
        return None  # a misspelt keyword: "did you mean" says which
    end = at.pos + run.end()
    # Several words (`United States`) when they run up to where a value ends.
    words = re.match(r"[A-Za-z_@.][^\s,\]})(#\"'`\[{]*(?:[ \t]+(?!(?:and|or|ignoring)\b)"
                     r"[A-Za-z][\w.'-]*)+(?=[ \t]*(?:$|[,\]})#]|(?:and|or|ignoring)\b))",
                     at.after)
    if words is not None:
        written, end = words.group(), at.pos + words.end()
    if written in ("yes", "no"):
        hint = f'for a boolean write `is {"true" if written == "yes" else "false"}`; '
        return Mistake(hint + f'for the text, double quotes: "{written}"', at.pos, end)
    return Mistake(f'strings are written in double quotes: "{written}"', at.pos, end)


def _parenthesised_list(at: _At) -> Mistake | None:
    """`x in ("a", "b")`: SQL's parentheses around a list."""
    listed = re.match(r"\(([^()\n]*)\)", at.after)
    if "LSQB" not in at.expected or listed is None:
        return None
    hint = f"lists are written in square brackets: [{listed.group(1).strip()}]"
    return Mistake(hint, at.pos, at.pos + listed.end())


def _glued_unit(at: _At) -> Mistake | None:
    """`within last 30days`: a duration with no space before its unit."""
    glued = re.match(r"([0-9]+)((?:minute|hour|day|week|month|year)s?)(?![A-Za-z0-9_])",
                     at.after)
    if glued is None:
        return None
    hint = f"put a space between the number and the unit: {glued.group(1)} {glued.group(2)}"
    return Mistake(hint, at.pos, at.pos + glued.end())


_NUMBER = r"[+-]?[0-9]+(?:\.[0-9]+)?"


def _dash_range(at: _At) -> Mistake | None:
    """`is between 18-65`: a range written with a dash."""
    low = re.search(rf"(?:^|\s)between\s+({_NUMBER})\s*$", at.before)
    high = re.match(r"-\s*([0-9]+(?:\.[0-9]+)?)", at.after)
    if low is None or high is None:
        return None
    hint = f"write `between {low.group(1)} and {high.group(1)}`"
    return Mistake(hint, at.line_start + low.start(1), at.pos + high.end())


_DURATION_WORDS = re.compile(r"((?:minute|hour|day|week|month|year)s?)\s+ago\b")


def _compared_with_ago(at: _At) -> Mistake | None:
    """`last_order > 30 days ago`: a duration compared with an operator."""
    unit = _DURATION_WORDS.match(at.after)
    compared = re.search(r"(>=|<=|>|<|is after|is before)\s*([0-9]+)\s*$", at.before)
    if unit is None or compared is None:
        return None
    amount = f"{compared.group(2)} {unit.group(1)}"
    meant = (f"within last {amount}" if compared.group(1) in (">", ">=", "is after")
             else f"more than {amount} ago")
    return Mistake(f"did you mean `{meant}`?", at.line_start + compared.start(1),
                   at.pos + unit.end())


def _dangling_connective(at: _At) -> Mistake | None:
    """`x is 1 and }`: `and`, `or` or `not` with no condition after it."""
    previous = at.previous
    if previous is None or previous.group() not in ("and", "or", "not") or (
        at.after[:1] not in ("}", ")")
    ):
        return None
    return Mistake(f"a condition is missing after `{previous.group()}`", *previous.span())


_SYNONYMS = {"to": "until", "till": "until", "through": "until", "thru": "until"}


def _synonym(at: _At) -> Mistake | None:
    """`active from D to D`: a word of the same meaning as the one the language takes here."""
    word = at.word
    meant = _SYNONYMS.get(word.group()) if word else None
    if word is None or meant is None or meant not in at.expected_words:
        return None
    return Mistake(f"did you mean `{meant}`?", *word.span())


# --- helpers -------------------------------------------------------------------------------------


@functools.cache
def _keywords() -> frozenset[str]:
    return frozenset(w for w in lalr.literal_terminals().values() if w[:1].isalpha())


def _inside_block(at: _At) -> bool:
    """Whether the error is directly inside the braces of an `all`, `any` or `none` block.

    The scan starts at the line that starts the segment, so an error costs one segment's text.
    """
    start = at.text.rfind("\nsegment", 0, at.pos) + 1
    opened: list[int] = []
    for match in ROUGH_TOKEN.finditer(at.text, start, at.pos):
        if match.group() == "{":
            opened.append(match.start())
        elif match.group() == "}" and opened:
            opened.pop()
    if not opened:
        return False
    words = _WORD.findall(at.text, start, opened[-1])
    return bool(words) and words[-1] in ("all", "any", "none")


_DETECTORS: tuple[Callable[[_At], Mistake | None], ...] = (
    _date,
    _number_with_commas,
    _quotes,
    _unit_sign,
    _character,
    _operator,
    _comma,
    _trailing_comma,
    _stray_brace,
    _uppercase_keyword,
    _function_without_parentheses,
    _null,
    _or_between_values,
    _missing_attribute,
    _segment_name_with_spaces,
    _in_segment_misspelt,
    _synonym,
    _parenthesised_list,
    _glued_unit,
    _dash_range,
    _compared_with_ago,
    _dangling_connective,
)
