"""The Lark LALR(1) parser for ``grammar/segrules.lark``, built once and shared, and a way to
build values as it reduces (``build``) instead of building a parse tree first.

Building the parser costs tens of milliseconds, so it is built lazily on the first parse and
never again; a Lark LALR parser keeps no per-parse state, so threads can share it.
"""

from __future__ import annotations

import functools
import operator
import sys
import threading
from importlib import resources
from typing import Any

from lark import Lark
from lark.grammar import Rule, Terminal
from lark.lexer import LexerThread
from lark.parsers.lalr_analysis import Shift
from lark.parsers.lalr_parser import _Parser

__all__ = ["Reduced", "build", "literal_terminals", "parser"]


@functools.cache
def parser() -> Lark:
    grammar = resources.files("segrules").joinpath("grammar/segrules.lark").read_text("utf-8")
    return Lark(
        grammar,
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=True,
    )


@functools.cache
def literal_terminals() -> dict[str, str]:
    """Terminal name -> its literal text (keywords and punctuation), for error hints."""
    return {t.name: t.pattern.value for t in parser().terminals if t.pattern.type == "str"}


class Reduced:
    """What one reduction leaves on the parser's stack: the value built for it, the stretch of
    text it covers and its height in parse-tree levels.

    It is also the ``meta`` a rule's method receives. The stretch is what lark's
    ``propagate_positions`` gives the tree node: from the start of the first symbol to the end
    of the last, keywords and brackets included, so ``(a or b)`` covers its parentheses when it
    starts or ends a larger condition even though its own node does not.
    """

    __slots__ = ("column", "end_column", "end_line", "end_pos", "height", "line", "start_pos",
                 "value")
    empty = False

    def __init__(self, first: Any, last: Any, height: int) -> None:
        self.start_pos = first.start_pos
        self.line = first.line
        self.column = first.column
        self.end_pos = last.end_pos
        self.end_line = last.end_line
        self.end_column = last.end_column
        self.height = height
        self.value: Any = None


class _Nothing:
    """The meta of a rule that matched no text (an empty file): no position."""

    empty = True
    height = 1
    value: Any = None


def _empty(handler: Any, method: Any, children: list[Any]) -> _Nothing:
    result = _Nothing()
    result.value = method(handler, result, children)
    return result


def build(text: str, handler: Any) -> tuple[Any, int]:
    """Parse ``text`` and build its value with ``handler``: the value and the parse tree's height.

    At each reduction the rule's method, ``handler.<alias or rule>(meta, children)``, is called
    with the children and meta lark's tree would hold (tokens filtered out, ``None`` for a
    missing ``[optional]``, ``?rule``s with one child inlined, ``_rule``s spliced), in the same
    bottom-up, left-to-right order as a walk of that tree. Building no tree takes about 40%
    off the parse of a large file. Raises lark's ``UnexpectedInput`` on a syntax error;
    methods may already have been called by then.
    """
    table, reductions, lark_lexer = _table()
    # Making the callbacks costs more than parsing a small file: they are made once and kept,
    # each set with the cell that tells them the handler. A parse takes a set no other parse
    # is using, so threads (and a method that parses) never share one.
    spares = _SPARE_CALLBACKS.setdefault(type(handler), [])
    try:
        callbacks, cell = spares.pop()
    except IndexError:
        cell = [None]
        callbacks = {ours: _reducer(rule, type(handler), cell)
                     for rule, ours in reductions.items()}
    cell[0] = handler
    try:
        # Lark's own LALR driver and contextual lexer, with our callbacks instead of its tree
        # builder's; lark has no public way to give callbacks the positions we need.
        lexer = LexerThread.from_text(lark_lexer, text)
        root = _Parser(table, callbacks).parse(lexer, "start")  # type: ignore[arg-type]
    finally:
        cell[0] = None
        spares.append((callbacks, cell))
    return root.value, root.height


# Handler class -> sets of callbacks not in use, each with its handler cell.
_SPARE_CALLBACKS: dict[type, list[tuple[dict[Any, Any], list[Any]]]] = {}


class _Reduction:
    """A rule as lark's LALR driver uses it (``len(rule.expansion)``, ``rule.origin.name``),
    compared and hashed by identity, with a plain ``str`` name."""

    __slots__ = ("expansion", "name", "origin")

    def __init__(self, rule: Rule) -> None:
        self.expansion = rule.expansion
        self.name = sys.intern(str(rule.origin.name))
        self.origin = self


class _Table:
    __slots__ = ("end_states", "start_states", "states")

    def __init__(self, states: dict[Any, Any], start_states: Any, end_states: Any) -> None:
        self.states, self.start_states, self.end_states = states, start_states, end_states


def _table() -> tuple[_Table, dict[Rule, _Reduction], Any]:
    """Lark's parse table with plain ``str`` symbols and rules compared by identity, and the
    contextual lexer that goes with it.

    Lark's rule names are ``Token``s and its rules compare in Python, so each step of its
    driver called two ``__eq__`` methods written in Python: a tenth of a parse.
    """
    # Made once: callbacks are keyed by the rules of one table, so two threads' first parses
    # must not make two.
    with _TABLE_LOCK:
        return _make_table()


_TABLE_LOCK = threading.Lock()


@functools.cache
def _make_table() -> tuple[_Table, dict[Rule, _Reduction], Any]:
    frontend = parser().parser
    table = frontend.parser.parser.parse_table
    reductions: dict[Rule, _Reduction] = {}
    states = {}
    for state, actions in table.states.items():
        row = {}
        for symbol, (action, arg) in actions.items():
            if action is not Shift:
                arg = reductions.setdefault(arg, _Reduction(arg))
            row[sys.intern(str(symbol))] = (action, arg)
        states[state] = row
    return _Table(states, table.start_states, table.end_states), reductions, frontend.lexer


@functools.cache
def _bare_tokens() -> frozenset[str]:
    """Rules that always stand for one token (``?name: NAME | QUOTED_NAME``): lark's tree holds
    the token itself, so their reductions leave it on the stack as it is."""
    rules: dict[str, list[Rule]] = {}
    for rule in parser().rules:
        rules.setdefault(rule.origin.name, []).append(rule)
    return frozenset(
        name for name, alternatives in rules.items()
        if all(r.options.expand1 and not r.alias and len(r.expansion) == 1
               and isinstance(r.expansion[0], Terminal) and not r.expansion[0].filter_out
               for r in alternatives)
    )


# How each symbol of a rule's expansion reaches its method's children.
_TOKEN, _VALUE, _SPLICE = 0, 1, 2
_first = operator.itemgetter(0)


@functools.cache
def _plan(rule: Rule) -> tuple[tuple[tuple[int, int, int], ...], int, tuple[int, ...]]:
    """What a reduction of ``rule`` passes on, as lark's ``parse_tree_builder`` would: the
    symbols kept, each with its index, how it is passed and how many ``None`` placeholders go
    before it; the placeholders at the end; the indices of the symbols that have a height."""
    keep_all = rule.options.keep_all_tokens
    empty = rule.options.empty_indices
    # Placeholders before each symbol and after the last, from lark's empty_indices.
    nones = ([len(run) for run in "".join(str(int(b)) for b in empty).split("0")] if empty
             else [0] * (len(rule.expansion) + 1))
    bare = _bare_tokens()
    steps: list[tuple[int, int, int]] = []
    heights: list[int] = []
    pending = 0
    for index, symbol in enumerate(rule.expansion):
        pending += nones[index]
        if isinstance(symbol, Terminal) and symbol.filter_out and not keep_all:
            continue  # a keyword or bracket
        if symbol.is_term or symbol.name in bare:
            steps.append((index, _TOKEN, pending))
            pending = 0
        else:
            steps.append((index, _SPLICE if symbol.name.startswith("_") else _VALUE, pending))
            heights.append(index)
            pending = 0
    return tuple(steps), pending + nones[len(rule.expansion)], tuple(heights)


def _reducer(rule: Rule, handler_class: type, cell: list[Any]) -> Any:
    """The callback for ``rule``: lark calls it with the symbols it reduces (tokens, and what
    earlier callbacks returned) and pushes what it returns. The handler is ``cell[0]``."""
    steps, trailing, heights = _plan(rule)
    name = rule.origin.name
    if name in _bare_tokens() or (
        rule.options.expand1 and not rule.alias and len(steps) == 1 == len(rule.expansion)
        and steps[0][1] == _VALUE
    ):
        return _first  # a token, or a `?rule` with one child: lark's tree holds it as it is
    if name.startswith("_"):
        return _splicer(steps)
    picks = tuple((index, how == _TOKEN) for index, how, _ in steps)
    # Most rules keep one or two symbols, which are picked without a loop; -1: splices or
    # placeholders in between, done by _children.
    simple = all(how != _SPLICE and not nones for _, how, nones in steps)
    arity = len(picks) if simple else -1
    (i0, t0), (i1, t1) = (*picks, (0, True), (0, True))[:2]
    tail = [None] * trailing
    single = heights[0] if len(heights) == 1 else None
    method: Any = getattr(handler_class, rule.alias or name, None)
    inline_single = rule.options.expand1 and not rule.alias

    def reduce(raw: list[Any]) -> Any:
        if arity == 1:
            children = [raw[i0] if t0 else raw[i0].value]
        elif arity == 2:
            children = [raw[i0] if t0 else raw[i0].value, raw[i1] if t1 else raw[i1].value]
        elif arity >= 0:
            children = [raw[i] if token else raw[i].value for i, token in picks]
        else:
            children = _children(raw, steps)
        if tail:
            children += tail
        if not raw:
            return _empty(cell[0], method, children)
        if single is not None:
            height = raw[single].height
        else:
            height = max([raw[i].height for i in heights]) if heights else 0
        if inline_single and len(children) == 1:  # `"(" expr ")"`: the node is the expr's
            result = Reduced(raw[0], raw[-1], height)
            result.value = children[0]
            return result
        result = Reduced(raw[0], raw[-1], height + 1)
        result.value = method(cell[0], result, children)
        return result

    return reduce


def _children(raw: list[Any], steps: tuple[tuple[int, int, int], ...]) -> list[Any]:
    children: list[Any] = []
    for index, how, nones in steps:
        if nones:
            children += [None] * nones
        if how == _VALUE:
            children.append(raw[index].value)
        elif how == _TOKEN:
            children.append(raw[index])
        else:
            children += raw[index].value
    return children


def _splicer(steps: tuple[tuple[int, int, int], ...]) -> Any:
    """The callback of a ``_rule`` lark made for a repetition (``item*``): the list of its
    children, spliced into the rule that holds it. The list grows in place as the repetition
    goes on, as lark's own tree builder does, so a long repetition stays linear."""
    grows = steps[0][1] == _SPLICE and steps[0][0] == 0
    assert len(steps) == 1 + grows and not any(nones for _, _, nones in steps)
    index, how, _ = steps[-1]
    token = how == _TOKEN

    def splice(raw: list[Any]) -> Reduced:
        child = raw[index]
        last = raw[-1]
        if grows:
            result: Reduced = raw[0]
            result.end_pos, result.end_line, result.end_column = (
                last.end_pos, last.end_line, last.end_column)
            if not token and child.height > result.height:
                result.height = child.height
            result.value.append(child if token else child.value)
            return result
        result = Reduced(raw[0], last, 0 if token else child.height)
        result.value = [child if token else child.value]
        return result

    return splice
