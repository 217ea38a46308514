"""Targets: who a promotion or content slot is for, written as a set of segments.

A promotion is rarely aimed at one segment. It is shown to ``any of "Female customers", "Male
customers"`` (WebSphere Commerce's example), to shoppers in ``all of`` a region and a tier, or
to ``none of`` the fraud suspects. A target is one line of text a marketer types into a
promotion form, so it is parsed with the same care as segment text (errors with a caret and a
hint) and printed back canonically, and its names are checked against a book before it goes
live, with "did you mean" for a misspelled segment.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, NoReturn

from attrs import Attribute, field, frozen

from . import printer
from .errors import Diagnostic, SegrulesSyntaxError, SegrulesValueError, UnknownSegmentError
from .parser import decode_string
from .source import Source, Span

if TYPE_CHECKING:
    from .book import Book

__all__ = ["Target"]

MODES = ("any", "all", "none")

_TOKEN = re.compile(
    r'(?P<space>\s+)|(?P<string>"(?:[^"\\\n]|\\.)*")|(?P<name>[A-Za-z_][A-Za-z0-9_-]*)'
    r"|(?P<comma>,)"
)
_EXPECTED_MODE = "expected `any of`, `all of` or `none of`"

# Words marketers write for a mode, from other tools and from plain English.
_SYNONYMS = {"some": "any", "either": "any", "one": "any", "every": "all", "each": "all",
             "both": "all", "no": "none", "not": "none", "neither": "none"}

_Token = tuple[str, str, int, int]  # kind, text, start, end


def _tuple(items: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(items)


def _misuse(message: str, hint: str | None = None) -> SegrulesValueError:
    return SegrulesValueError([Diagnostic("SR371", message, hint=hint)])


def _names(names: Iterable[str]) -> tuple[str, ...]:
    # A lone string is iterable too, and would target one segment per character.
    if isinstance(names, str | bytes):
        raise _misuse(f"a target's segments are a list of names, not the single value {names!r}",
                      f"write [{names!r}]")
    try:
        items = tuple(names)
    except TypeError:
        raise _misuse(f"a target's segments are a list of names, not {names!r}",
                      'write Target("any", ["vip", "big_spenders"])') from None
    if not items:
        raise _misuse("a target needs at least one segment",
                      'write Target("any", ["vip"]), or no target at all for everyone')
    for item in items:
        if not isinstance(item, str):
            raise _misuse(f"a segment name is a string, not {item!r}")
    return items


def _check_mode(_target: object, _attribute: Attribute[str], mode: object) -> None:
    if mode not in MODES:
        close = _suggested_mode(mode) if isinstance(mode, str) else None
        hint = f"did you mean {close!r}?" if close else "a target's mode is 'any', 'all' or 'none'"
        raise _misuse(f"a target's mode is 'any', 'all' or 'none', not {mode!r}", hint)


@frozen
class Target:
    """A customer is targeted when in ``any``, ``all`` or ``none`` of the named segments.

    ``Target.parse(text)`` reads ``MODE of NAME, …`` (a name quoted, or bare when it is
    identifier-like); ``str(target)`` is the canonical text. ``spans`` point into the parsed
    text so ``check`` can underline an unknown name; equality ignores them.
    """

    mode: str = field(validator=_check_mode)
    names: tuple[str, ...] = field(converter=_names)
    spans: tuple[Span, ...] = field(converter=_tuple, default=(), eq=False, repr=False,
                                    kw_only=True)

    @classmethod
    def parse(cls, text: str, source_name: str = "<target>", *, book: Book | None = None
              ) -> Target:
        """Read a target; raises ``SegrulesSyntaxError`` pointing at the first mistake.

        Given a ``book``, the names are checked too (``check``), so a form can validate a
        marketer's line in one call.
        """
        if not isinstance(text, str):
            raise _misuse(f"a target's text is a string, not {type(text).__name__}",
                          'write Target.parse("any of vip, big_spenders")')
        target = _Reader(Source(source_name, text)).target()
        if book is not None:
            target.check(book)
        return target

    def __str__(self) -> str:
        return f"{self.mode} of " + ", ".join(map(printer.segment_name, self.names))

    def check(self, book: Book) -> None:
        """Raise ``UnknownSegmentError`` naming every segment ``book`` lacks (did you mean…)."""
        spans: tuple[Span | None, ...] = self.spans
        if len(spans) != len(self.names):  # built in code rather than parsed: no positions
            spans = (None,) * len(self.names)
        problems = []
        for name, span in zip(self.names, spans, strict=True):
            if name not in book:
                close = difflib.get_close_matches(name, book.names, n=1)
                hint = f"did you mean `{close[0]}`?" if close else None
                problems.append(Diagnostic("SR204", f"no segment named {name!r}", span, hint))
        if problems:
            raise UnknownSegmentError(problems)

    def matches(self, book: Book, profile: object, *, session: object = None,
                customer_id: object = None, store: str | None = None,
                now: dt.date | None = None, members: Any = None) -> bool:
        """Whether the customer is targeted; the arguments are ``Book.matches``'s.

        Segments are evaluated lazily, in the order written, and each at most once: the
        segments share one memo with the segments they reference, as in ``segments_for``.
        """
        self.check(book)
        # One moment for every segment, so a target never straddles a window boundary.
        member = book.membership(profile, session=session, customer_id=customer_id,
                                 store=store, now=now, members=members)
        if self.mode == "any":
            return any(map(member, self.names))
        if self.mode == "all":
            return all(map(member, self.names))
        return not any(map(member, self.names))


class _Reader:
    """A hand-written reader for the one-line target grammar: ``MODE of NAME (, NAME)*``."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.tokens = list(self._scan())
        self.index = 0

    def _scan(self) -> Iterator[_Token]:
        text, pos = self.source.text, 0
        while pos < len(text):
            match = _TOKEN.match(text, pos)
            if match is None:
                if text[pos] == '"':
                    self._fail("SR103", "unterminated string", pos, pos + 1,
                               "close the segment name with a double quote")
                self._fail("SR101", f"unexpected character {text[pos]!r}", pos, pos + 1,
                           'quote a segment name that has other characters: "Name (EU)"')
            kind = match.lastgroup or ""
            if kind != "space":
                yield kind, match.group(), match.start(), match.end()
            pos = match.end()

    def target(self) -> Target:
        mode = self._next()
        if mode is None or mode[0] != "name" or mode[1] not in MODES:
            self._expected(mode, _EXPECTED_MODE, _mode_hint(mode))
        of = self._next()
        if of is None or of[:2] != ("name", "of"):
            self._expected(of, f"expected `of` after `{mode[1]}`", f"write `{mode[1]} of`")
        names: list[str] = []
        spans: list[Span] = []
        while True:
            token = self._next()
            if token is None or token[0] not in ("name", "string"):
                self._expected(token, "expected a segment name",
                               'write a name, quoted when it has spaces: "Female customers"')
            kind, text, start, end = token
            names.append(self._unquote(text, start) if kind == "string" else text)
            spans.append(_span(self.source, start, end))
            separator = self._next()
            if separator is None:
                return Target(mode[1], names, spans=spans)
            if separator[0] != "comma":
                hint = "separate segment names with commas"
                if kind == separator[0] == "name":
                    words = self.source.text[start : separator[3]]
                    hint = f"a name with spaces is quoted: {printer.string(words)}"
                self._expected(separator, "expected `,` or the end of the target", hint)

    def _next(self) -> _Token | None:
        if self.index >= len(self.tokens):
            return None
        self.index += 1
        return self.tokens[self.index - 1]

    def _unquote(self, token: str, start: int) -> str:
        text, invalid = decode_string(token[1:-1])
        for offset, escape in invalid:
            at = start + 1 + offset
            self._fail("SR104", f"invalid escape `\\{escape}` in a string", at, at + 2,
                       'strings know \\" \\\\ \\n \\t \\uXXXX')
        return text

    def _expected(self, token: _Token | None, message: str, hint: str | None) -> NoReturn:
        if token is None:
            end = len(self.source.text)
            self._fail("SR103", f"{message}, found the end of the target", end, end, hint)
        else:
            self._fail("SR101", f"{message}, found `{token[1]}`", token[2], token[3], hint)

    def _fail(self, code: str, message: str, start: int, end: int, hint: str | None
              ) -> NoReturn:
        span = _span(self.source, start, max(end, start + 1))
        raise SegrulesSyntaxError([Diagnostic(code, message, span, hint)])


def _mode_hint(token: _Token | None) -> str:
    mode = _suggested_mode(token[1]) if token is not None else None
    if mode is not None:
        return f"did you mean `{mode} of`?"
    return 'a target starts with its mode: any of "Female customers", "Male customers"'


def _suggested_mode(word: str) -> str | None:
    """The mode a marketer probably meant by ``word``: a synonym or a near spelling."""
    word = word.lower()
    close = difflib.get_close_matches(word, MODES, n=1, cutoff=0.6)
    return _SYNONYMS.get(word) or (close[0] if close else None)


def _span(source: Source, start: int, end: int) -> Span:
    text = source.text
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    end_line = text.count("\n", 0, end) + 1
    end_column = end - (text.rfind("\n", 0, end) + 1) + 1
    return Span(source, start, end, line, column, end_line, end_column)
