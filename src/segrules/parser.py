"""Text to AST: runs the shared Lark parser (``lalr``) and builds ``nodes`` as it goes.

Each call gets its own ``_Builder`` holding the source and the diagnostics it finds: escapes,
impossible dates, empty blocks, duplicate header clauses, values of the wrong kind. Its methods
are called as the parser reduces (``lalr.build``), with no parse tree in between. A file with a
syntax error, or nesting too deep, is parsed again into lark's tree, which the same methods
build from. A syntax error becomes a diagnostic (``syntax_errors``); each top-level
segment is parsed again on its own, and each clause of a broken segment, so that every broken
clause is reported and the clauses that parse are still built and checked. Each piece is parsed
once more at most, so recovery costs about one extra parse of the file.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from dateutil.parser import isoparse
from lark import Token, Tree
from lark.exceptions import UnexpectedInput

from . import lalr, limits
from . import nodes as n
from .errors import Diagnostic, error_for, in_file_order
from .mistakes import thousands_hint
from .operators import OPERATORS, SPELLINGS, UNITS
from .source import ROUGH_TOKEN, Chunk, Lines, Source, Span
from .syntax_errors import diagnose


def parse(text: str, source_name: str = "<string>") -> n.Document:
    """Parse segment text into a ``Document``; raise ``SegrulesSyntaxError`` listing every error."""
    document, diagnostics = parse_source(Source(source_name, text))
    if any(d.severity == "error" for d in diagnostics):
        raise error_for(diagnostics)
    return document


def parse_source(source: Source) -> tuple[n.Document, list[Diagnostic]]:
    """Parse a whole source, collecting diagnostics instead of stopping at the first."""
    builder = _new_builder(source)
    try:
        document, height = lalr.build(source.text, builder)
    except UnexpectedInput:
        # What the methods found before the error is found again: recovery starts afresh.
        builder = _new_builder(source)
        document = _parse_each_segment(source, builder)
    else:
        if height > _MAX_DEPTH + 1:
            return _parse_tree(source)  # whose walk says where the nesting is too deep
    return document, in_file_order(builder.diagnostics)


def _parse_tree(source: Source) -> tuple[n.Document, list[Diagnostic]]:
    """Parse through lark's parse tree: slower, but a tree can be walked to find where the
    nesting is too deep, and a file that fails to parse is cut into segments and clauses
    to recover (``parse_source`` goes straight to that)."""
    builder = _new_builder(source)
    try:
        tree = lalr.parser().parse(source.text)
    except UnexpectedInput:
        document = _parse_each_segment(source, builder)
    else:
        try:
            document = builder.build(tree)
        except _TooDeep as error:
            builder.diagnostics.append(error.diagnostic)
            document = n.Document(())
    return document, in_file_order(builder.diagnostics)


def _new_builder(source: Source) -> _Builder:
    builder = _Builder(source)
    surrogate = limits.lone_surrogate(source.text)
    if surrogate is not None:
        builder.diagnostics.append(_not_text(source, surrogate))
    return builder


def _not_text(source: Source, surrogate: re.Match[str]) -> Diagnostic:
    # Only a Python string can hold one (files are read as UTF-8): text decoded wrongly.
    code = f"U+{ord(surrogate.group()):04X}"
    return Diagnostic(
        "SR108", f"the text holds {code}, a lone surrogate, which is not a character",
        Span.of(source, surrogate.start(), surrogate.end()),
        "the text was probably decoded wrongly; read segment files as UTF-8",
    )


def _line_starts(text: str, start: int, end: int) -> Iterator[tuple[re.Match[str], int | None]]:
    """The rough tokens of ``text[start:end]`` (comments skipped), each with the offset of its
    line's start when it is the first token on its line, else None.

    Tokens never hold a newline, so a token starts a line when the gap before it holds one;
    tracking that as we go keeps the scan linear (no search back per token).
    """
    first_line_start = text.rfind("\n", 0, start) + 1
    last_end = start
    for match in ROUGH_TOKEN.finditer(text, start, end):
        newline = text.rfind("\n", last_end, match.start())
        if newline >= 0:
            line_start: int | None = newline + 1
        elif last_end == start and not text[first_line_start:start].strip():
            line_start = first_line_start
        else:
            line_start = None
        last_end = match.end()
        if not match.group().startswith("#"):
            yield match, line_start


def _segment_starts(text: str) -> list[int]:
    """Offsets of the lines that start a top-level segment.

    A line starting with ``segment`` starts one unless the word before it is ``include``,
    ``exclude`` or ``in``: then it is ``include segment X`` written across two lines.
    """
    starts: list[int] = []
    previous = ""
    for match, line_start in _line_starts(text, 0, len(text)):
        token = match.group()
        if token == "segment" and previous not in ("include", "exclude", "in") and (
            line_start is not None
        ):
            starts.append(line_start)
        previous = token
    return starts


def _parse_each_segment(source: Source, builder: _Builder) -> n.Document:
    """Recover from a syntax error by parsing each top-level segment separately, and each
    clause of a broken segment separately, so that every broken clause is reported.

    Chunks start at lines that begin with ``segment`` and are parsed on their own; the
    builder maps what it finds back to the lines and columns of the real file.
    """
    lines = Lines(source)
    starts = _segment_starts(source.text) or [0]
    if starts[0] != 0 and source.text[: starts[0]].strip():
        starts.insert(0, 0)
    segments: list[n.Segment] = []
    for start, end in zip(starts, [*starts[1:], len(source.text)], strict=True):
        chunk = Chunk.cut(lines, (start, end))
        try:
            tree = lalr.parser().parse(chunk.text)
        except UnexpectedInput as error:
            segments.extend(_recover_segment(builder, lines, start, end, error, chunk))
            continue
        try:
            segments.extend(builder.build(tree, chunk=chunk).segments)
        except _TooDeep as error:
            builder.diagnostics.append(error.diagnostic)
            segments.extend(_placeholder(lines, start, end))
    return n.Document(segments)


# `segment NAME` at the start of a line; with `{` after it, a whole segment header.
_SEGMENT_NAME = re.compile(
    r'^[ \t]*segment\s+([A-Za-z_][A-Za-z0-9_-]*|"(?:[^"\\\n]|\\.)*")', re.MULTILINE
)
_SEGMENT_HEADER = re.compile(_SEGMENT_NAME.pattern + r"\s*\{", re.MULTILINE)
_CLAUSE_WORDS = frozenset(
    ("title", "description", "groups", "stores", "active", "disabled", "include", "exclude")
)
# After these, the next line continues the expression: `and` / `title is "t"` is no clause.
_CONTINUED = frozenset(("and", "or", "not", ",", "where", "is", "in", "of"))


def _recover_segment(
    builder: _Builder, lines: Lines, start: int, end: int, error: UnexpectedInput, chunk: Chunk
) -> list[n.Segment]:
    """The broken segment ``text[start:end]``: each clause's syntax error, and a segment made
    of the clauses that parse, so the checker still reports what they say (an unknown
    segment, a cycle, an empty range).

    Each clause is parsed alone inside the segment's own header and a closing brace. A clause
    starts at a clause keyword (or a misspelling of one) that begins a line outside any nested
    braces and does not continue the line before. When no clause fails alone (a missing
    closing brace, say), the error of the whole segment is reported.
    """
    source = lines.source
    text = source.text
    header = _SEGMENT_HEADER.match(text, start, end)
    if header is None:
        builder.diagnostics.append(diagnose(source, error, chunk))
        return _placeholder(lines, start, end)
    # The first chunk starts at the brace, so a misspelt first clause is not skipped.
    clauses, depth, body_end, previous = [header.end()], 0, end, ""
    for match, line_start in _line_starts(text, header.end(), end):
        token = match.group()
        if token in ("{", "("):
            depth += 1
        elif token in ("}", ")"):
            depth -= 1
            if depth < 0:
                body_end = match.start()
                break
        elif (depth == 0 and previous not in _CONTINUED and line_start is not None
              and _starts_clause(token)):
            clauses.append(match.start())
        previous = token
    found: list[Diagnostic] = []
    built: list[Any] = []
    for clause_start, clause_end in zip(clauses, [*clauses[1:], body_end], strict=True):
        # A later clause is cut from the start of its line, so its columns are the file's.
        own_line = text.rfind("\n", 0, clause_start) + 1
        pieces = ([(start, clause_end)] if clause_start == header.end()
                  else [(start, header.end()), (own_line, clause_end)])
        # The closing brace goes on a line of its own, where no trailing comment hides it.
        clause = Chunk.cut(lines, *pieces, tail="\n}")
        try:
            tree = lalr.parser().parse(clause.text)
        except UnexpectedInput as clause_error:
            # An error past the clause's own text is about the brace we added, not the clause.
            at = clause_error.pos_in_stream
            if at is not None and at < len(clause.text) - 2:
                found.append(diagnose(source, clause_error, clause))
            continue
        segment: Tree[Token] = tree.children[0]  # type: ignore[assignment]
        try:
            built.extend(builder.build(c, chunk=clause) for c in segment.children[1:])  # type: ignore[arg-type]
        except _TooDeep as too_deep:
            builder.diagnostics.append(too_deep.diagnostic)
    builder.diagnostics.extend(found or [diagnose(source, error, chunk)])
    name, name_span = _segment_name_at(lines, header)
    keyword = text.index("segment", header.start())
    segment_end = body_end + 1 if body_end < end else len(text[start:end].rstrip()) + start
    return [builder.segment_of([(name, name_span), *built], lines.span(keyword, segment_end))]


def _starts_clause(word: str) -> bool:
    """A clause keyword, or a misspelling of one (`titel`): splitting there keeps the clause
    before it whole, so it is still built and checked."""
    return word in _CLAUSE_WORDS or bool(
        word.isalpha() and difflib.get_close_matches(word, _CLAUSE_WORDS, n=1, cutoff=0.75)
    )


def _segment_name_at(lines: Lines, match: re.Match[str]) -> tuple[str, Span]:
    """The segment name a ``_SEGMENT_NAME`` match found, escapes decoded, and its span."""
    name = match.group(1)
    if name.startswith('"'):
        name = decode_string(name[1:-1])[0]
    return name, lines.span(match.start(1), match.end(1))


def _placeholder(lines: Lines, start: int, end: int) -> list[n.Segment]:
    """An empty segment named like the broken one, so the checker does not add an "unknown
    segment" error for every reference to a segment that exists but failed to parse."""
    match = _SEGMENT_NAME.search(lines.source.text, start, end)
    if match is None:
        return []
    name, name_span = _segment_name_at(lines, match)
    return [n.Segment(name, name_span=name_span)]


# --- tree to nodes --------------------------------------------------------------------------

# A high and a low surrogate escape together are one character, as in JSON: \uD83D\uDE00.
_ESCAPE = re.compile(
    r'\\(u[dD][89abAB][0-9A-Fa-f]{2}\\u[dD][c-fC-F][0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|["\\nt]|.)'
)
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}


def decode_string(body: str) -> tuple[str, list[tuple[int, str]]]:
    """The text of a string literal's ``body`` (between its quotes), and its invalid escapes
    as ``(offset in body, escape)``. An unknown escape stands for itself in the text; a lone
    surrogate (``\\uD800``) is not a character and stands as U+FFFD, so that no message or
    output ever holds text that cannot be encoded."""
    if "\\" not in body:
        return body, []
    invalid: list[tuple[int, str]] = []

    def replace(match: re.Match[str]) -> str:
        escape = match.group(1)
        if escape in _ESCAPES:
            return _ESCAPES[escape]
        if len(escape) == 11:  # a surrogate pair
            high, low = int(escape[1:5], 16), int(escape[7:], 16)
            return chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
        if len(escape) == 5:  # uXXXX
            code = int(escape[1:], 16)
            if 0xD800 <= code <= 0xDFFF:
                invalid.append((match.start(), escape))
                return "\ufffd"
            return chr(code)
        invalid.append((match.start(), escape))
        return escape

    return _ESCAPE.sub(replace, body), invalid

# Diagnostics whose value is replaced by a stand-in the checker must not judge again.
_STAND_INS = frozenset(("SR301", "SR306"))

_HEADER_CLAUSES = {
    "title": "title",
    "description": "description",
    "groups": "groups",
    "stores": "stores",
    "active_from": "active",
    "active_until": "active",
    "active_window": "active",
    "disabled": "disabled",
}

Children = list[Any]


# Parse-tree levels (a condition nested in parentheses takes about four). Every pass over the
# AST recurses, so the limit keeps them all far from Python's recursion limit.
_MAX_DEPTH = 200


class _TooDeep(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        self.diagnostic = diagnostic


class _Builder:
    """Builds nodes, collecting value errors as diagnostics.

    A method per grammar rule, called as ``method(meta, children)`` bottom-up: by the parser
    as it reduces (``lalr.build``), or by ``build`` walking lark's tree, with the same meta and
    children either way. Not through ``lark.Transformer``: its ``v_args(meta=True)`` wraps
    every call, which was a third of the load time of a large book, and it hides exceptions in
    ``VisitError``.
    """

    def __init__(self, source: Source) -> None:
        self.source = source
        self.diagnostics: list[Diagnostic] = []
        self.chunk: Chunk | None = None

    def build(self, tree: Tree[Token], chunk: Chunk | None = None) -> Any:
        """Nodes for ``tree``; ``chunk`` says where its text came from during recovery."""
        self.chunk = chunk
        try:
            return self._build(tree, 0)
        finally:
            self.chunk = None

    def _build(self, tree: Tree[Token], depth: int) -> Any:
        if depth > _MAX_DEPTH:
            raise _TooDeep(Diagnostic(
                "SR107", "conditions are nested too deeply", self._meta_span(tree.meta),
                "flatten the nesting: `all`/`any` blocks take any number of conditions",
            ))
        children = [self._build(c, depth + 1) if isinstance(c, Tree) else c for c in tree.children]
        return getattr(self, tree.data)(tree.meta, children)

    # spans
    def _meta_span(self, meta: Any) -> Span | None:
        if meta.empty:
            return None
        if self.chunk is None:  # the common case, spelt out: a large book makes many spans
            return Span(self.source, meta.start_pos, meta.end_pos, meta.line, meta.column,
                        meta.end_line, meta.end_column)
        return self._span(meta.start_pos, meta.end_pos, meta.line, meta.column,
                          meta.end_line, meta.end_column)

    def _token_span(self, token: Token) -> Span:
        if self.chunk is None:
            return Span(self.source, token.start_pos or 0, token.end_pos or 0, token.line or 1,
                        token.column or 1, token.end_line or 1, token.end_column or 1)
        return self._span(token.start_pos or 0, token.end_pos or 0, token.line or 1,
                          token.column or 1, token.end_line or 1, token.end_column or 1)

    def _span(self, start: int, end: int, line: int, column: int, end_line: int,
              end_column: int) -> Span:
        chunk = self.chunk
        if chunk is None:
            return Span(self.source, start, end, line, column, end_line, end_column)
        # Columns need no mapping: every piece of a chunk starts at a line start.
        return Span(
            self.source, chunk.offset(start), chunk.end_offset(end), chunk.line(start, line),
            column, chunk.line(max(start, end - 1), end_line), end_column,
        )

    def _error(self, code: str, message: str, span: Span | None, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(code, message, span, hint))

    def _impossible(self, value: n.Value) -> bool:
        """Whether ``value`` is the stand-in for an impossible date (SR301) or a number too
        long to hold (SR306), already reported."""
        return any(d.code in _STAND_INS and d.span is value.span for d in self.diagnostics)

    # document and segments
    def start(self, meta: Any, children: Children) -> n.Document:
        return n.Document(children, span=self._meta_span(meta))

    def segment(self, meta: Any, children: Children) -> n.Segment:
        return self.segment_of(children, self._meta_span(meta))

    def segment_of(self, children: Children, where: Span | None) -> n.Segment:
        """A segment from its name and its built clauses (recovery passes only the good ones)."""
        (name, name_span), *clauses = _segment_name(children[0]), *children[1:]
        fields: dict[str, Any] = {}
        seen: dict[str, Span | None] = {}
        includes: list[n.Expr] = []
        excludes: list[n.Expr] = []
        include_ids: list[str] = []
        exclude_ids: list[str] = []
        for kind, value, span in clauses:
            if kind in ("include", "exclude"):
                if isinstance(value, tuple):  # `include customers "id", …`
                    (include_ids if kind == "include" else exclude_ids).extend(value)
                    if span is not None:
                        seen.setdefault(f"{kind} customers", span)
                else:
                    (includes if kind == "include" else excludes).append(value)
                continue
            clause = _HEADER_CLAUSES[kind]
            if clause in seen:
                self._error(
                    "SR106", f"`{clause}` is given twice in segment `{name}`", span,
                    "each header clause may appear at most once; merge them into one",
                )
                continue
            seen[clause] = span
            fields.update(value)
        return n.Segment(
            name, includes=includes, excludes=excludes, include_customers=include_ids,
            exclude_customers=exclude_ids, span=where, name_span=name_span,
            header_spans=[(clause, span) for clause, span in seen.items() if span is not None],
            **fields,
        )

    def ident(self, meta: Any, children: Children) -> tuple[str, Span]:
        token = children[0]
        return str(token), self._token_span(token)

    def string(self, meta: Any, children: Children) -> n.String:
        token = children[0]
        return n.String(self._unescape(token), span=self._token_span(token))

    def _unescape(self, token: Token) -> str:
        text, invalid = decode_string(str(token)[1:-1])
        string = self._token_span(token)  # on one line: strings do not span lines
        for offset, escape in invalid:
            start, column = string.start + 1 + offset, string.column + 1 + offset
            width = 1 + len(escape)
            where = Span(self.source, start, start + width, string.line, column, string.line,
                         column + width)
            if escape.startswith("u"):
                self._error(
                    "SR104", f"`\\{escape}` is half of a surrogate pair, not a character",
                    where, "write the character itself, or both halves of its pair: "
                    "\\uD83D\\uDE00 is \U0001f600",
                )
                continue
            self._error(
                "SR104", f"invalid escape `\\{escape}` in a string", where,
                'strings know \\" \\\\ \\n \\t \\uXXXX; for a regular expression write a '
                "pattern literal such as /^\\d+$/, which is read raw",
            )
        return text

    # header clauses: each returns (kind, {field: value}, span)
    def _clause(self, kind: str, meta: Any, value: Any) -> tuple[str, Any, Span | None]:
        return kind, value, self._meta_span(meta)

    def title(self, meta: Any, children: Children) -> tuple[str, Any, Span | None]:
        return self._clause("title", meta, {"title": self._unescape(children[0])})

    def description(self, meta: Any, children: Children) -> tuple[str, Any, Span | None]:
        return self._clause("description", meta, {"description": self._unescape(children[0])})

    def groups(self, meta: Any, children: Children) -> tuple[str, Any, Span | None]:
        return self._clause("groups", meta, {"groups": children[0]})

    def stores(self, meta: Any, children: Children) -> tuple[str, Any, Span | None]:
        return self._clause("stores", meta, {"stores": children[0]})

    def strings(self, meta: Any, children: Children) -> tuple[str, ...]:
        return tuple(self._unescape(token) for token in children)

    def active_from(self, meta: Any, children: Children) -> tuple[str, Any, Span | None]:
        return self._clause("active_from", meta, {"active_from": children[0].value})

    def active_until(self, meta: Any, children: Children) -> tuple[str, Any, Span | None]:
        return self._clause("active_until", meta, {"active_until": children[0].value})

    def active_window(self, meta: Any, children: Children) -> tuple[str, Any, Span | None]:
        start, end = children
        if self._impossible(start) or self._impossible(end):
            # Already reported; a window around the stand-in date would be reported as empty.
            return self._clause("active_window", meta, {})
        return self._clause(
            "active_window", meta, {"active_from": start.value, "active_until": end.value}
        )

    def disabled(self, meta: Any, children: Children) -> tuple[str, Any, Span | None]:
        return self._clause("disabled", meta, {"disabled": True})

    def include(self, meta: Any, children: Children) -> tuple[str, Any, Span | None]:
        return self._clause("include", meta, children[0])

    def exclude(self, meta: Any, children: Children) -> tuple[str, Any, Span | None]:
        return self._clause("exclude", meta, children[0])

    # blocks: an expression, or the tuple of ids of `include customers`
    def where(self, meta: Any, children: Children) -> n.Expr:
        return children[0]  # type: ignore[no-any-return]

    def everyone(self, meta: Any, children: Children) -> n.Everyone:
        return n.Everyone(span=self._meta_span(meta))

    def customers(self, meta: Any, children: Children) -> tuple[str, ...]:
        return children[0]  # type: ignore[no-any-return]

    # conditions; block rules appear both at the top of a clause and inside conditions
    def _block(self, word: str, meta: Any, items: Children) -> Span | None:
        span = self._meta_span(meta)
        if not items:
            self._error(
                "SR105", f"empty `{word}` block", span,
                "an empty block would match every customer (or none); write `include everyone` "
                "to mean everyone, or add a condition",
            )
        return span

    def all_of(self, meta: Any, children: Children) -> n.AllOf:
        return n.AllOf(children, span=self._block("all", meta, children))

    def any_of(self, meta: Any, children: Children) -> n.AnyOf:
        return n.AnyOf(children, span=self._block("any", meta, children))

    def none_of(self, meta: Any, children: Children) -> n.Not:
        span = self._block("none", meta, children)
        return n.Not(n.AnyOf(children, span=span), span=span)

    def in_segment(self, meta: Any, children: Children) -> n.InSegment:
        return n.InSegment(_segment_name(children[0])[0], span=self._meta_span(meta))

    def not_(self, meta: Any, children: Children) -> n.Not:
        return n.Not(children[0], span=self._meta_span(meta))

    def and_(self, meta: Any, children: Children) -> n.Expr:
        if len(children) == 1:
            return children[0]  # type: ignore[no-any-return]
        return n.AllOf(children, span=self._meta_span(meta))

    def or_(self, meta: Any, children: Children) -> n.Expr:
        if len(children) == 1:
            return children[0]  # type: ignore[no-any-return]
        return n.AnyOf(children, span=self._meta_span(meta))

    # comparisons
    def comparison(self, meta: Any, children: Children) -> n.Compare:
        left, (spelling, values, op_meta), ignoring, _case = children
        op, negated = SPELLINGS[spelling]
        span = self._meta_span(meta)
        values = self._check_values(spelling, op, values, op_meta)
        return n.Compare(left, op, values, negated, ignoring is not None, span=span)

    def _check_values(
        self, spelling: str, op: str, values: tuple[n.Value, ...], op_meta: Any
    ) -> tuple[n.Value, ...]:
        operator = OPERATORS[op]
        if spelling in operator.date_spellings and not all(
            isinstance(v, n.Date | n.DateTime) for v in values
        ):
            self._error(
                "SR305", f"`{spelling}` needs a date or datetime",
                values[0].span or self._meta_span(op_meta),
                "write a date such as 2026-01-31 or a datetime such as 2026-01-31T09:00:00Z",
            )
        if op in ("starts_with", "ends_with") and not isinstance(values[0], n.String):
            self._error(
                "SR305", f"`{spelling}` needs a string",
                values[0].span or self._meta_span(op_meta),
                'put the value in double quotes: "…"',
            )
        return values

    def test_one(self, meta: Any, children: Children) -> tuple[str, tuple[n.Value, ...], Any]:
        spelling, op_meta = children[0]
        return spelling, (children[1],), op_meta

    def test_many(self, meta: Any, children: Children) -> tuple[str, tuple[n.Value, ...], Any]:
        spelling, op_meta = children[0]
        return spelling, tuple(children[1]), op_meta

    def test_two(self, meta: Any, children: Children) -> tuple[str, tuple[n.Value, ...], Any]:
        spelling, op_meta = children[0]
        low, high = children[1], children[2]
        # An impossible bound is already reported; standing in the other bound for it keeps the
        # checker from reporting the range as empty too.
        if self._impossible(low):
            low = high
        elif self._impossible(high):
            high = low
        return spelling, (low, high), op_meta

    def test_none(self, meta: Any, children: Children) -> tuple[str, tuple[n.Value, ...], Any]:
        spelling, op_meta = children[0]
        return spelling, (), op_meta

    def test_regex(self, meta: Any, children: Children) -> tuple[str, tuple[n.Value, ...], Any]:
        spelling, op_meta = children[0]
        pattern = children[1]
        if isinstance(pattern, n.String):
            pattern = n.Regex(pattern.value, span=pattern.span)
        return spelling, (pattern,), op_meta

    def test_duration(self, meta: Any, children: Children) -> tuple[str, tuple[n.Value, ...], Any]:
        spelling, op_meta = children[0]
        return spelling, (children[1],), op_meta

    def test_more_than_ago(
        self, meta: Any, children: Children
    ) -> tuple[str, tuple[n.Value, ...], Any]:
        return "more than ago", (children[0],), meta

    def _spelling(self, meta: Any, children: Children) -> tuple[str, Any]:
        # The operator's meta, not its span: the span is only wanted for a message.
        return " ".join(children), meta

    op_one = op_many = op_contains = op_between = op_none = op_regex = op_duration = _spelling

    # operands
    def path(self, meta: Any, children: Children) -> n.Attr:
        names = [_name(token) for token in children]
        root = "profile"
        first = children[0]
        if len(names) > 1 and first.type == "NAME" and names[0] in ("session", "profile"):
            root = names.pop(0)
        return n.Attr(names, root, span=self._meta_span(meta))

    def aggregate(self, meta: Any, children: Children) -> n.Aggregate:
        (func, _), path, where = children
        items, value_path = path, ()
        if func != "count" and len(path.names) > 1:
            items = n.Attr(path.names[:-1], path.root, span=path.span)
            value_path = path.names[-1:]
        return n.Aggregate(func, items, value_path, where, span=self._meta_span(meta))

    def time_since(self, meta: Any, children: Children) -> n.TimeSince:
        (func, _), operand = children
        unit = "years" if func == "years_since" else "days"
        return n.TimeSince(unit, operand, span=self._meta_span(meta))

    aggregate_function = time_function = _spelling

    # values
    def values(self, meta: Any, children: Children) -> tuple[n.Value, ...]:
        self._thousands_separators(children)
        return tuple(children)

    def _thousands_separators(self, values: Children) -> None:
        """`is one of 1,000, 2,500` would be the values 1, 0, 2 and 500: a silently wrong list.
        A number of up to three digits, a comma with no space, then exactly three digits, is
        read as a thousands separator and reported."""
        spans = [v.span for v in values if isinstance(v, n.Number) and v.span is not None]
        first = 0
        while first < len(spans):
            last = first
            while last + 1 < len(spans) and _groups_digits(spans[last], spans[last + 1]):
                last += 1
            if last > first and re.fullmatch(r"[+-]?[0-9]{1,3}", spans[first].text):
                span = Span.of(self.source, spans[first].start, spans[last].end)
                self._error(
                    "SR101", f"unexpected `{span.text}`", span,
                    f"{thousands_hint(span.text)} (or put a space after the comma to list two "
                    "numbers)",
                )
            first = last + 1

    def number(self, meta: Any, children: Children) -> n.Number:
        token = children[0]
        text = str(token)
        span = self._token_span(token)
        if sum(c.isdigit() for c in text) > limits.MAX_DIGITS:
            self._error(
                "SR306", f"a number may have at most {limits.MAX_DIGITS} digits", span,
                "a long code such as an id is a string: put it in double quotes",
            )
            return n.Number(0, span=span)
        value: int | Decimal = Decimal(text) if "." in text else int(text)
        return n.Number(value, span=span)

    def true(self, meta: Any, children: Children) -> n.Boolean:
        return n.Boolean(True, span=self._meta_span(meta))

    def false(self, meta: Any, children: Children) -> n.Boolean:
        return n.Boolean(False, span=self._meta_span(meta))

    def date(self, meta: Any, children: Children) -> n.Date:
        token = children[0]
        span = self._token_span(token)
        try:
            value = dt.date.fromisoformat(str(token))
        except ValueError as error:
            self._error(
                "SR301", f"impossible date {token}: {error}", span,
                "a date is YYYY-MM-DD and must exist in the calendar",
            )
            value = dt.date(1970, 1, 1)
        return n.Date(value, span=span)

    def datetime(self, meta: Any, children: Children) -> n.DateTime:
        token = children[0]
        span = self._token_span(token)
        try:
            value = isoparse(str(token))
        except (ValueError, OverflowError) as error:  # 9999-12-31T24:00 is a day too far
            self._error(
                "SR301", f"impossible datetime {token}: {error}", span,
                "a datetime is YYYY-MM-DDTHH:MM[:SS[.fff]] with an optional Z or ±HH:MM offset",
            )
            value = dt.datetime(1970, 1, 1)
        # Naive means UTC (docs/language.md, "Values"); fixed offsets become plain
        # datetime.timezone objects.
        value = value.replace(tzinfo=dt.timezone(value.utcoffset() or dt.timedelta(0)))
        return n.DateTime(value, span=span)

    def regex(self, meta: Any, children: Children) -> n.Regex:
        token = children[0]
        return n.Regex(_unescape_pattern(str(token)[1:-1]), span=self._token_span(token))

    def duration(self, meta: Any, children: Children) -> n.Duration:
        amount, unit = children
        span = self._meta_span(meta)
        units = UNITS[str(unit)]
        if not re.fullmatch(r"\+?[0-9]+", str(amount)):
            self._error(
                "SR305", f"a duration needs a whole number of {units}, not {amount}",
                self._token_span(amount), "use a smaller unit: 36 hours instead of 1.5 days",
            )
            return n.Duration(0, units, span=span)
        text = str(amount).lstrip("+")
        # int() refuses numbers of more than 4,300 digits; one that long is too long anyway.
        count = int(text) if len(text) <= limits.MAX_DIGITS else None
        problem = limits.duration_problem(count, units)
        if problem is not None or count is None:
            written = f", not {amount} {unit}" if count is not None else ""
            self._error(
                "SR307", f"{problem}{written}", span,
                'to mean "ever", test `exists` instead, or compare with `is before` a date',
            )
            return n.Duration(0, units, span=span)
        return n.Duration(count, units, span=span)


def _groups_digits(number: Span, following: Span) -> bool:
    """Whether ``following`` continues ``number`` as a group of thousands: `1,000`."""
    return (
        number.source.text[number.end : following.start] == ","
        and "." not in number.text
        and re.fullmatch(r"[0-9]{3}(?:\.[0-9]+)?", following.text) is not None
    )


def _segment_name(name: tuple[str, Span] | n.String) -> tuple[str, Span | None]:
    """A segment name as written: an identifier, or a quoted string (escapes decoded)."""
    return (name.value, name.span) if isinstance(name, n.String) else name


def _name(token: Token) -> str:
    text = str(token)
    return text[1:-1] if token.type == "QUOTED_NAME" else text


def _unescape_pattern(body: str) -> str:
    """``\\/`` in a pattern literal is a slash; every other backslash is RE2's, kept raw."""
    return re.sub(r"\\(.)", lambda m: m.group(1) if m.group(1) == "/" else m.group(0), body)
