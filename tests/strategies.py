"""Hypothesis strategies for valid segrules ASTs, shared by every test that states a law.

The trees are built from ``segrules.nodes`` directly, so a law can be checked on any pass
(printer, JSON form, evaluator, SQL) without going through the parser first. "Valid" means a
document the checker accepts: operators get the values their arity asks for (``operators``),
``between`` bounds are ordered, blocks are never empty, ``in segment`` only names an earlier
segment of the same document (so there are no cycles or unknown names), and ``everyone`` is only
a whole include or exclude block. Names and strings deliberately include the awkward cases:
words of the language, names that need backticks or quotes, and strings with quotes,
backslashes, control characters and non-ASCII text (including text that only compares equal
after normalisation or case folding).
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections.abc import Sequence

from hypothesis import strategies as st

from segrules import nodes as n
from segrules.operators import AGGREGATES, OPERATORS, TIME_FUNCTIONS
from segrules.text import folding

__all__ = [
    "attributes",
    "documents",
    "expressions",
    "operands",
    "regexes",
    "segment_names",
    "segments",
    "values",
]

_UTC = dt.UTC
_OFFSETS = [
    _UTC,
    dt.timezone(dt.timedelta(hours=5, minutes=30)),
    dt.timezone(dt.timedelta(hours=-8)),
    dt.timezone(dt.timedelta(hours=1)),
    dt.timezone(dt.timedelta(hours=-3, minutes=-30)),
]
_UNITS = ("minutes", "hours", "days", "weeks", "months", "years")

# Words of the language and other names that only work in backticks (or quotes, for segments).
_AWKWARD_NAMES = (
    "all", "any", "none", "not", "in", "session", "profile", "count", "sum", "avg", "min", "max",
    "years_since", "days_since", "is", "and", "or", "where", "segment", "true", "false", "days",
    "ignoring", "case", "contains", "exists", "first name", "2fa", "e-mail", "café", "größe",
    "$price", "naïve name", "_",
)
_AWKWARD_SEGMENT_NAMES = (
    "High-Income Earners", "all", "segment", "include", "everyone", 'say "hi"', "back\\slash",
    "tab\there", "2026 cohort", "émigrés", "-leading-dash", "a.b",
)
_AWKWARD_STRINGS = (
    "", 'say "hi"', "back\\slash", "line\nbreak", "tab\there", "café", "😀 emoji", "\x00nul",
    "\x1b[0m", "\u2028sep", "\\u0041 not an escape", "/slashes/", "#not a comment", "`tick`",
    # Text whose case or composition is awkward: full folding, final sigma, dotted and dotless
    # i, a ligature, a decomposed letter.
    "Straße", "STRASSE", "ΟΔΟΣ", "ı", "İ", "\ufb01", "Zu\u0308rich", "Zürich",
)

# --- names ------------------------------------------------------------------------------------

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"


def _words(rest: str, max_size: int) -> st.SearchStrategy[str]:
    """``[A-Za-z_][rest]{0,max_size}`` (cheaper to draw than ``st.from_regex``)."""
    return st.builds(operator.add, st.sampled_from(_LETTERS), st.text(rest, max_size=max_size))


_identifiers = _words(_LETTERS + "0123456789", 8)
_ODD_NAME_CHARS = "abcXYZ019_-$é中."


@functools.cache
def attributes() -> st.SearchStrategy[str]:
    """One attribute name: usually an identifier, sometimes one that needs backticks."""
    # No leading or trailing space: a backticked name is taken as written, but such names are
    # more likely a typo than data, and the parser may one day say so.
    odd = st.builds(
        operator.add, st.sampled_from(_ODD_NAME_CHARS), st.text(_ODD_NAME_CHARS + " ", max_size=7)
    ).map(str.rstrip)
    return st.one_of(_identifiers, _identifiers, st.sampled_from(_AWKWARD_NAMES), odd)


@functools.cache
def segment_names() -> st.SearchStrategy[str]:
    """A segment name: identifier-like (``[A-Za-z_][A-Za-z0-9_-]*``) or one that needs quotes."""
    return st.one_of(
        _words(_LETTERS + "0123456789-", 10),
        st.sampled_from(_AWKWARD_SEGMENT_NAMES),
        st.text(min_size=1, max_size=10),
    )


_paths = st.lists(attributes(), min_size=1, max_size=3).map(tuple)


@functools.cache
def _attrs(*, sessions: bool = True) -> st.SearchStrategy[n.Attr]:
    roots = st.sampled_from(("profile", "profile", "session")) if sessions else st.just("profile")
    return st.builds(n.Attr, _paths, roots)


# --- values -----------------------------------------------------------------------------------

_texts = st.one_of(st.text(max_size=12), st.sampled_from(_AWKWARD_STRINGS))
_strings = _texts.map(n.String)
_ints = st.integers(min_value=-(10**12), max_value=10**12).map(n.Number)
_decimals = (
    st.integers(min_value=1, max_value=4)
    .flatmap(
        lambda places: st.decimals(
            min_value=-(10**6), max_value=10**6, places=places,
            allow_nan=False, allow_infinity=False,
        )
    )
    .map(n.Number)
)
_numbers = st.one_of(_ints, _decimals)
_booleans = st.booleans().map(n.Boolean)
_plain_dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))
_plain_datetimes = st.one_of(
    st.datetimes(
        min_value=dt.datetime(1900, 1, 2), max_value=dt.datetime(2100, 12, 30),
        timezones=st.sampled_from(_OFFSETS),
    ).map(lambda d: d.replace(microsecond=0)),
    st.datetimes(
        min_value=dt.datetime(1900, 1, 2), max_value=dt.datetime(2100, 12, 30),
        timezones=st.just(_UTC),
    ),
)
_dates = _plain_dates.map(n.Date)
_datetimes = _plain_datetimes.map(n.DateTime)
_durations = st.builds(
    n.Duration, st.integers(min_value=1, max_value=1000), st.sampled_from(_UNITS)
)

# Each atom is a complete RE2 expression, so any concatenation of them is a valid pattern.
_regex_atoms = st.one_of(
    st.text(st.sampled_from("abcxyz019 @-_"), min_size=1, max_size=5),
    st.sampled_from(
        (r"\d+", r"\w*", r"[a-z]+", r"(ab|cd)", "x?", ".", r"\.", "a/b", "/", r"\/", "\n", "é")
    ),
)


@functools.cache
def regexes() -> st.SearchStrategy[n.Regex]:
    """A pattern RE2 accepts: literal text and a few safe metacharacters, slashes included."""
    return st.builds(
        lambda start, atoms, end: n.Regex(start + "".join(atoms) + end),
        st.sampled_from(("", "^")),
        st.lists(_regex_atoms, min_size=1, max_size=4),
        st.sampled_from(("", "$")),
    )


@functools.cache
def values() -> st.SearchStrategy[n.Value]:
    """Any single scalar literal (no regex or duration: those only follow their operators)."""
    return st.one_of(_strings, _numbers, _booleans, _dates, _datetimes)


@functools.cache
def _homogeneous(max_size: int = 4) -> st.SearchStrategy[tuple[n.Value, ...]]:
    kinds: st.SearchStrategy[st.SearchStrategy[n.Value]] = st.sampled_from(
        (_strings, _numbers, _dates, _datetimes, _booleans)
    )

    def lists(kind: st.SearchStrategy[n.Value]) -> st.SearchStrategy[tuple[n.Value, ...]]:
        return st.lists(kind, min_size=1, max_size=max_size).map(tuple)

    return kinds.flatmap(lists)


def _ordered(pair: Sequence[n.Value], ignore_case: bool = False) -> tuple[n.Value, ...]:
    """``pair`` low bound first, strings in the form the comparison orders them."""
    fold = folding(ignore_case)
    return tuple(sorted(pair, key=lambda v: fold(v.value) if isinstance(v, n.String)
                        else v.value))  # type: ignore[union-attr]


def _ordered_pair(kind: st.SearchStrategy[n.Value]) -> st.SearchStrategy[tuple[n.Value, ...]]:
    def order(pair: list[n.Value]) -> tuple[n.Value, ...]:
        return _ordered(pair)

    return st.lists(kind, min_size=2, max_size=2).map(order)


# --- operands and comparisons -------------------------------------------------------------------


@functools.cache
def _aggregates(where: st.SearchStrategy[n.Expr] | None) -> st.SearchStrategy[n.Aggregate]:
    # The parser reads `sum(a.b)` as items `a`, value path `b`, so a value path is one name and
    # a multi-name items path only appears with one (count never has one).
    wheres = st.none() if where is None else st.one_of(st.none(), where)
    items = st.builds(n.Attr, st.lists(attributes(), min_size=1, max_size=2).map(tuple))
    single = st.builds(n.Attr, attributes().map(lambda name: (name,)))
    counts = st.builds(n.Aggregate, st.just("count"), items, st.just(()), wheres)
    others = st.one_of(
        st.builds(n.Aggregate, st.sampled_from(AGGREGATES[1:]), items,
                  attributes().map(lambda name: (name,)), wheres),
        st.builds(n.Aggregate, st.sampled_from(AGGREGATES[1:]), single, st.just(()), wheres),
    )
    return st.one_of(counts, others)


@functools.cache
def _time_since() -> st.SearchStrategy[n.TimeSince]:
    return st.builds(n.TimeSince, st.sampled_from(sorted(TIME_FUNCTIONS.values())), _attrs())


def operands(where: st.SearchStrategy[n.Expr] | None = None) -> st.SearchStrategy[n.Operand]:
    """What a condition reads: an attribute path, an aggregate (with ``where``), a time function."""
    return st.one_of(_attrs(), _attrs(), _aggregates(where), _time_since())


_NUMERIC = ("eq", "in", "gt", "ge", "lt", "le", "between")


@st.composite
def _attr_compare(draw: st.DrawFn, left: st.SearchStrategy[n.Operand]) -> n.Compare:
    op = draw(st.sampled_from(sorted(OPERATORS)))
    operator = OPERATORS[op]
    negated = bool(operator.negative_spellings) and draw(st.booleans())
    vals: tuple[n.Value, ...]
    if op == "eq":
        vals = (draw(values()),)
    elif op in ("gt", "ge", "lt", "le"):
        vals = (draw(st.one_of(_strings, _numbers, _dates, _datetimes)),)
    elif op == "between":
        vals = draw(st.one_of(*(_ordered_pair(k) for k in (_strings, _numbers, _dates))))
    elif op == "in":
        vals = draw(_homogeneous())
    elif op in ("contains_any", "contains_all"):
        vals = draw(st.lists(st.one_of(_strings, _numbers), min_size=1, max_size=4).map(tuple))
    elif op in ("starts_with", "ends_with"):
        vals = (draw(_strings),)
    elif op == "matches":
        vals = (draw(regexes()),)
    elif operator.arity == "duration":
        vals = (draw(_durations),)
    else:
        vals = ()
    strings_only = bool(vals) and all(isinstance(v, n.String) for v in vals)
    ignore_case = (strings_only or op == "matches") and draw(st.booleans())
    if op == "between":
        vals = _ordered(vals, ignore_case)
    return n.Compare(draw(left), op, vals, negated, ignore_case)


@st.composite
def _number_compare(draw: st.DrawFn, left: st.SearchStrategy[n.Operand]) -> n.Compare:
    op = draw(st.sampled_from(_NUMERIC))
    negated = bool(OPERATORS[op].negative_spellings) and draw(st.booleans())
    if op == "between":
        vals = draw(_ordered_pair(_numbers))
    elif op == "in":
        vals = tuple(draw(st.lists(_numbers, min_size=1, max_size=3)))
    else:
        vals = (draw(_numbers),)
    return n.Compare(draw(left), op, vals, negated)


def _date_compare(left: st.SearchStrategy[n.Operand]) -> st.SearchStrategy[n.Compare]:
    return st.one_of(
        st.builds(n.Compare, left, st.sampled_from(("lt", "gt")),
                  st.one_of(_dates, _datetimes).map(lambda v: (v,))),
        st.builds(n.Compare, left, st.sampled_from(("within_last", "more_than_ago")),
                  _durations.map(lambda v: (v,))),
    )


@functools.cache
def _comparisons(where: st.SearchStrategy[n.Expr] | None) -> st.SearchStrategy[n.Compare]:
    aggregates = _aggregates(where)
    minmax = st.builds(
        n.Aggregate, st.sampled_from(("min", "max")), _attrs(sessions=False),
        attributes().map(lambda name: (name,)),
    )
    return st.one_of(
        _attr_compare(_attrs()),
        _attr_compare(_attrs()),
        _number_compare(st.one_of(aggregates, _time_since())),
        _date_compare(minmax),
    )


# --- expressions ------------------------------------------------------------------------------

# Trees are generated once per shape with placeholder segment references, then the placeholders
# are bound to the caller's names: building strategies per document would be far too slow.
_REF = "\x00ref"


def _bind(expr: n.Expr, refs: Sequence[str]) -> n.Expr:
    if isinstance(expr, n.InSegment) and expr.name.startswith(_REF):
        return n.InSegment(refs[int(expr.name[len(_REF):]) % len(refs)])
    if isinstance(expr, n.Not):
        return n.Not(_bind(expr.item, refs))
    if isinstance(expr, n.AllOf | n.AnyOf):
        return type(expr)(tuple(_bind(item, refs) for item in expr.items))
    return expr


_placeholders = st.integers(min_value=0, max_value=50).map(lambda k: n.InSegment(f"{_REF}{k}"))


@functools.cache
def _expressions(max_depth: int, with_refs: bool) -> st.SearchStrategy[n.Expr]:
    where = None if max_depth <= 1 else _expressions(max_depth - 2, False)
    comparisons = _comparisons(where)
    leaves: list[st.SearchStrategy[n.Expr]] = [comparisons, comparisons]
    if with_refs:
        leaves += [_placeholders, _placeholders.map(n.Not)]
    leaf = st.one_of(leaves)
    if max_depth <= 0:
        return leaf
    sub = _expressions(max_depth - 1, with_refs)
    items = st.lists(sub, min_size=1, max_size=3)
    return st.one_of(leaf, leaf, items.map(n.AllOf), items.map(n.AnyOf), sub.map(n.Not))


def expressions(max_depth: int = 3, refs: Sequence[str] = ()) -> st.SearchStrategy[n.Expr]:
    """A condition tree at most ``max_depth`` levels of all/any/not deep.

    ``refs`` are the segment names ``in segment`` may use. The depth is explicit rather than
    ``st.recursive``'s leaf budget so callers can bound the nesting the printer has to handle;
    aggregates' ``where`` gets a shallower tree with no segment references.
    """
    names = tuple(refs)
    return _expressions(max_depth, bool(names)).map(lambda expr: _bind(expr, names))


@functools.cache
def _blocks(include: bool, with_refs: bool, max_depth: int) -> st.SearchStrategy[n.Expr]:
    # `exclude everyone` is valid too (only explicit members remain), just rarer in practice.
    choices: list[st.SearchStrategy[n.Expr]] = [_expressions(max_depth, with_refs)]
    if include or with_refs:
        choices.append(st.just(n.Everyone()))
    if with_refs:
        choices.append(_placeholders)
    return st.one_of(choices)


@st.composite
def _windows(draw: st.DrawFn) -> tuple[dt.date | None, dt.date | None]:
    kind: st.SearchStrategy[dt.date] = draw(st.sampled_from((_plain_dates, _plain_datetimes)))
    start, end = draw(kind), draw(kind)
    if start == end:
        return start, None
    low, high = (start, end) if start < end else (end, start)
    return draw(st.sampled_from(((low, high), (low, None), (None, high))))


_ids = st.lists(st.one_of(st.integers(0, 99999).map("c-{}".format), _texts),
                max_size=3, unique=True).map(tuple)


@st.composite
def segments(
    draw: st.DrawFn, name: str | None = None, refs: Sequence[str] = (), max_depth: int = 2
) -> n.Segment:
    """One segment; ``in segment`` only to ``refs`` (which must not contain ``name``)."""
    window = draw(st.one_of(st.just((None, None)), _windows()))
    includes = _blocks(True, bool(refs), max_depth)
    excludes = _blocks(False, bool(refs), max_depth)
    optional_text = st.one_of(st.none(), _texts)
    return n.Segment(
        name=draw(segment_names()) if name is None else name,
        title=draw(optional_text),
        description=draw(optional_text),
        groups=draw(st.lists(_texts, max_size=3).map(tuple)),
        active_from=window[0],
        active_until=window[1],
        disabled=draw(st.booleans()),
        stores=draw(st.lists(_texts, max_size=2).map(tuple)),
        includes=[_bind(b, refs) for b in draw(st.lists(includes, max_size=2))],
        excludes=[_bind(b, refs) for b in draw(st.lists(excludes, max_size=2))],
        include_customers=draw(_ids),
        exclude_customers=draw(_ids),
    )


@st.composite
def documents(draw: st.DrawFn, max_segments: int = 3, max_depth: int = 2) -> n.Document:
    """A document of uniquely named segments that reference only earlier ones."""
    names = draw(st.lists(segment_names(), min_size=0, max_size=max_segments, unique=True))
    return n.Document(
        tuple(
            draw(segments(name=name, refs=names[:index], max_depth=max_depth))
            for index, name in enumerate(names)
        )
    )
