"""The canonical text of a document, segment or book, in one fixed layout like a code formatter.

Printing is the inverse of parsing up to spelling: ``parse(dumps(d)) == d`` for every valid tree,
and printing is idempotent, so a UI builder or a migration can write segments back to ``.seg``
files and a diff shows only what changed in meaning. Every choice below serves that law first
and readability second: operators take their first spelling from the operator table, nested
``and``/``or`` keep their parentheses so the tree shape survives, and names are backticked or
quoted whenever they could be read as a word of the language.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import re
import unicodedata
from decimal import Decimal

from . import comments as c
from . import nodes as n
from .errors import Diagnostic, SegrulesValueError
from .operators import AGGREGATES, OPERATORS, SPELLINGS, TIME_FUNCTIONS, UNITS, spelling
from .source import Span

__all__ = ["comparison", "dumps"]

_INDENT = "    "
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SEGMENT_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")

# Every word the grammar knows. The contextual lexer only needs a few of them backticked, and
# only in some positions, but backticking (or quoting) a name is always safe, so the printer does
# it for all of them rather than track which positions are which.
_WORDS = frozenset(
    {word for phrase in SPELLINGS for word in phrase.split() if word.isidentifier()}
    | set(AGGREGATES) | set(TIME_FUNCTIONS) | set(UNITS)
    | {
        "segment", "title", "description", "groups", "stores", "active", "from", "until",
        "disabled", "include", "exclude", "all", "any", "none", "where", "everyone",
        "customers", "not", "in", "and", "or", "true", "false", "ignoring", "case", "more",
        "than", "ago", "within", "last", "session", "profile",
    }
)

# Precedence levels of infix expressions: `not` binds tighter than `and`, `and` than `or`.
_OR, _AND, _ITEM = 1, 2, 3


def dumps(obj: object, *, comments: c.Recorder | c.Placement | None = None) -> str:
    """The canonical text of a ``Document``, a ``Segment``, or anything with a ``document``.

    Raises ``SegrulesValueError`` for a tree no text can express (an empty block, ``everyone``
    inside a condition, a name containing a backtick). ``comments`` is the formatter's hook
    for keeping the comments of the text the tree was parsed from.
    """
    token = _COMMENTS.set(comments)
    try:
        return _dumps(obj)
    finally:
        _COMMENTS.reset(token)


def _dumps(obj: object) -> str:
    if isinstance(obj, n.Segment):
        segments: tuple[n.Segment, ...] = (obj,)
    elif isinstance(obj, n.Document):
        segments = obj.segments
    elif isinstance(getattr(obj, "document", None), n.Document):
        segments = obj.document.segments  # type: ignore[attr-defined]
    else:
        raise _unprintable(f"cannot print {type(obj).__name__}: not a document or segment")
    return "\n".join(_segment(segment) for segment in segments)


def _unprintable(message: str) -> SegrulesValueError:
    return SegrulesValueError([Diagnostic("SR392", message)])


# --- comments ---------------------------------------------------------------------------------

# Set only while the formatter prints: the pass that records or places comments.
_COMMENTS: contextvars.ContextVar[c.Recorder | c.Placement | None] = (
    contextvars.ContextVar("segrules_comments", default=None)
)


def _anchored(span: Span | None, lines: list[str]) -> list[str]:
    """``lines`` printed for the node at ``span``, with the comments that belong to it."""
    hook = _COMMENTS.get()
    if hook is None or span is None:
        return lines
    return hook.place(span.start, lines)


# --- segments -----------------------------------------------------------------------------------


def _segment(segment: n.Segment) -> str:
    clauses = dict(segment.header_spans)
    header = _header(segment, clauses)
    body = [
        line for expr in segment.includes for line in _anchored(expr.span, _block("include", expr))
    ]
    body += [
        line for expr in segment.excludes for line in _anchored(expr.span, _block("exclude", expr))
    ]
    explicit = (("include", segment.include_customers), ("exclude", segment.exclude_customers))
    for kind, ids in explicit:
        if ids:
            clause = f"{kind} customers"
            body += _anchored(clauses.get(clause), [f"{clause} {_strings(ids)}"])
    opening = f"segment {segment_name(segment.name)} {{"
    if not header and not body:
        return "\n".join(_anchored(segment.span, [opening + " }"])) + "\n"
    lines = header + ([""] if header and body else []) + body
    text = [opening, *(_INDENT + line if line else "" for line in lines), "}"]
    return "\n".join(_anchored(segment.span, text)) + "\n"


def _header(segment: n.Segment, spans: dict[str, Span]) -> list[str]:
    clauses = []
    if segment.title is not None:
        clauses.append(("title", f"title {string(segment.title)}"))
    if segment.description is not None:
        clauses.append(("description", f"description {string(segment.description)}"))
    if segment.groups:
        clauses.append(("groups", f"groups {_strings(segment.groups)}"))
    window = []
    if segment.active_from is not None:
        window.append(f"from {_moment(segment.active_from)}")
    if segment.active_until is not None:
        window.append(f"until {_moment(segment.active_until)}")
    if window:
        clauses.append(("active", "active " + " ".join(window)))
    if segment.disabled:
        clauses.append(("disabled", "disabled"))
    if segment.stores:
        clauses.append(("stores", f"stores {_strings(segment.stores)}"))
    return [line for clause, text in clauses for line in _anchored(spans.get(clause), [text])]


def _block(keyword: str, expr: n.Expr) -> list[str]:
    """An include or exclude block: the block form that re-parses to exactly ``expr``."""
    if isinstance(expr, n.Everyone):
        return [f"{keyword} everyone"]
    if isinstance(expr, n.InSegment):
        return [f"{keyword} segment {segment_name(expr.name)}"]
    if isinstance(expr, n.AllOf | n.AnyOf):
        return _braces(f"{keyword} {_kind(expr)}", expr.items)
    return [f"{keyword} where {_infix(expr, _OR)}"]


def _braces(opening: str, items: tuple[n.Expr, ...]) -> list[str]:
    if not items:
        raise _unprintable(f"`{opening}` has no conditions; an empty block is an error")
    inner = [line for item in items for line in _anchored(item.span, _item(item))]
    return [f"{opening} {{", *(_INDENT + line if line else "" for line in inner), "}"]


def _item(expr: n.Expr) -> list[str]:
    """One condition of a block, one per line; nested blocks open their own braces."""
    if isinstance(expr, n.AllOf | n.AnyOf):
        return _braces(_kind(expr), expr.items)
    if isinstance(expr, n.Not) and isinstance(expr.item, n.AnyOf):
        return _braces("none", expr.item.items)
    if isinstance(expr, n.Not) and not isinstance(expr.item, n.InSegment):
        return [f"not ({_infix(expr.item, _OR)})"]
    return [_infix(expr, _ITEM)]


def _kind(expr: n.AllOf | n.AnyOf) -> str:
    return "all" if isinstance(expr, n.AllOf) else "any"


# --- infix expressions ----------------------------------------------------------------------


def _infix(expr: n.Expr, context: int) -> str:
    """``expr`` as infix text, parenthesised when its precedence is below ``context``.

    An ``and`` directly inside an ``and`` (or ``or`` inside ``or``) is parenthesised too: the
    parser reads ``a and b and c`` as one three-item ``all``, so the parentheses are what keep a
    nested tree nested. A one-item ``all``/``any`` has no infix form and prints as a block.
    """
    if isinstance(expr, n.Compare):
        return _compare(expr)
    if isinstance(expr, n.InSegment):
        return f"in segment {segment_name(expr.name)}"
    if isinstance(expr, n.Not):
        if isinstance(expr.item, n.InSegment):
            return "not " + _infix(expr.item, _ITEM)
        return f"not ({_infix(expr.item, _OR)})"
    if isinstance(expr, n.AllOf | n.AnyOf):
        if len(expr.items) < 2:
            inner = " ".join(_infix(item, _ITEM) for item in expr.items)
            if not inner:
                raise _unprintable(f"empty `{_kind(expr)}`; an empty block is an error")
            return f"{_kind(expr)} {{ {inner} }}"
        if isinstance(expr, n.AllOf):
            text, level = " and ".join(_infix(item, _ITEM) for item in expr.items), _AND
        else:
            text, level = " or ".join(_infix(item, _AND) for item in expr.items), _OR
        return f"({text})" if level < context else text
    raise _unprintable(f"{type(expr).__name__} cannot appear inside a condition")


def comparison(compare: n.Compare) -> str:
    """One comparison in canonical text, as it stands on its line in a block."""
    return _compare(compare)


def _compare(compare: n.Compare) -> str:
    operator = OPERATORS.get(compare.op)
    if operator is None:
        raise _unprintable(f"unknown operator {compare.op!r}")
    values = compare.values
    words = spelling(compare.op, compare.negated)
    if compare.op == "contains_any":
        # `contains` takes exactly one value in the grammar; a list needs `contains any of`.
        words = "contains" if len(values) == 1 else "contains any of"
        words = "does not " + words.replace("contains", "contain") if compare.negated else words
    elif compare.op in ("lt", "gt") and values and isinstance(values[0], n.Date | n.DateTime):
        words = operator.date_spellings[0]
    if operator.arity == "two":
        if len(values) != 2:
            raise _unprintable(f"`{words}` takes two values, not {len(values)}")
        rest = f"{value(values[0])} and {value(values[1])}"
    elif operator.arity == "none":
        rest = ""
    else:
        if not values or (operator.arity != "many" and len(values) != 1):
            raise _unprintable(f"`{words}` cannot take {len(values)} values")
        rest = ", ".join(value(v) for v in values)
    if compare.op == "more_than_ago":
        text = f"{operand(compare.left)} more than {rest} ago"
    else:
        text = f"{operand(compare.left)} {words} {rest}".rstrip()
    return text + " ignoring case" if compare.ignore_case else text


# --- operands and names -----------------------------------------------------------------------


def operand(node: n.Operand) -> str:
    """An attribute path, aggregate or time function as written in a condition."""
    if isinstance(node, n.Attr):
        if not node.names:
            raise _unprintable("an attribute path needs at least one name")
        names = ".".join(attribute_name(name) for name in node.names)
        return f"session.{names}" if node.root == "session" else names
    if isinstance(node, n.Aggregate):
        # The text has one path; the parser takes its last name as the field read from each
        # record (except for count). A tree that splits the path elsewhere has no text form.
        fields = len(node.value_path)
        if node.func not in AGGREGATES or fields > 1 or (
            fields == 0 and node.func != "count" and len(node.items.names) > 1
        ) or (fields == 1 and node.func == "count"):
            raise _unprintable(
                f"{node.func}() over {node.items.names} reading {node.value_path} has no text "
                "form: the text names one path whose last name is the field of each record"
            )
        path = ".".join([operand(node.items), *map(attribute_name, node.value_path)])
        where = f" where {_infix(node.where, _OR)}" if node.where is not None else ""
        return f"{node.func}({path}{where})"
    if isinstance(node, n.TimeSince):
        if node.unit not in TIME_FUNCTIONS.values():
            raise _unprintable(f"no time function counts {node.unit!r}")
        return f"{node.unit}_since({operand(node.operand)})"
    raise _unprintable(f"{type(node).__name__} is not an operand")


def attribute_name(name: str) -> str:
    """A name bare when it is an identifier and no word of the language, else in backticks."""
    if _IDENTIFIER.fullmatch(name) and name not in _WORDS:
        return name
    if not name or "`" in name or "\n" in name:
        raise _unprintable(f"attribute name {name!r} cannot be written, even in backticks")
    return f"`{name}`"


def segment_name(name: str) -> str:
    """A segment name bare when it is identifier-like and no word of the language, else quoted."""
    if _SEGMENT_IDENTIFIER.fullmatch(name) and name not in _WORDS:
        return name
    return string(name)


# --- values -------------------------------------------------------------------------------------

_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t"}


def _invisible(char: str) -> bool:
    # Control characters and line separators would be invisible or break lines; \uXXXX only
    # reaches the BMP, so anything above it prints as itself.
    return ord(char) <= 0xFFFF and unicodedata.category(char) in ("Cc", "Zl", "Zp")


def _escape(char: str) -> str:
    if char in _ESCAPES:
        return _ESCAPES[char]
    return f"\\u{ord(char):04x}" if _invisible(char) else char


def string(text: str) -> str:
    """A double-quoted string literal with the language's escapes."""
    return '"' + "".join(map(_escape, text)) + '"'


def _strings(texts: tuple[str, ...]) -> str:
    return ", ".join(map(string, texts))


def _moment(moment: dt.date) -> str:
    if isinstance(moment, dt.datetime):
        offset = moment.utcoffset()
        # Naive means UTC (docs/language.md, "Values"); an offset with seconds has no text
        # form, so use UTC.
        if offset is None or offset % dt.timedelta(minutes=1):
            moment = moment.replace(tzinfo=dt.UTC) - (offset or dt.timedelta(0))
            offset = dt.timedelta(0)
        text = moment.isoformat()
        return text[: -len("+00:00")] + "Z" if not offset else text
    return moment.isoformat()


def _pattern(pattern: str) -> str:
    # `/…/` is read raw except `\/`, so a pattern that already holds `\/` (or a line break or
    # another control character, which a literal cannot show) is written as a string instead.
    if pattern and "\\/" not in pattern and not pattern.endswith("\\") and not any(
        map(_invisible, pattern)
    ):
        return "/" + pattern.replace("/", "\\/") + "/"
    return string(pattern)


def number(value: int | Decimal | float) -> str:
    """A number without exponent; a float (not made by the parser) prints its shortest digits."""
    if isinstance(value, bool):
        raise _unprintable(f"{value} is a boolean, not a number")
    if isinstance(value, int):
        return str(value)
    decimal = Decimal(repr(value)) if isinstance(value, float) else value
    if not decimal.is_finite():
        raise _unprintable(f"{value} is not a number the language can write")
    return format(decimal, "f")


def value(node: n.Value) -> str:
    """One literal as the parser reads it back."""
    if isinstance(node, n.String):
        return string(node.value)
    if isinstance(node, n.Boolean):
        return "true" if node.value else "false"
    if isinstance(node, n.Number):
        return number(node.value)
    if isinstance(node, n.Date | n.DateTime):
        return _moment(node.value)
    if isinstance(node, n.Regex):
        return _pattern(node.pattern)
    if isinstance(node, n.Duration):
        unit = node.unit[:-1] if node.amount == 1 else node.unit
        return f"{node.amount} {unit}"
    raise _unprintable(f"{type(node).__name__} is not a value")
