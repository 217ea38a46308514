"""The Lark LALR(1) parser for ``grammar/segrules.lark``, built once and shared.

Building it costs tens of milliseconds, so it is built lazily on the first parse and never
again; a Lark LALR parser keeps no per-parse state, so threads can share it.
"""

from __future__ import annotations

import functools
from importlib import resources

from lark import Lark


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
