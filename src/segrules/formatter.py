"""``segrules fmt``: segment text in canonical layout, with the user's comments kept.

Two printing passes over the parsed tree: the first records which nodes the printer puts on
lines of their own, the second places each comment with the node it belongs to
(see ``comments``). The result is checked before it is returned: same tree, same comments.
"""

from __future__ import annotations

from collections import Counter

from . import comments
from .errors import SegrulesError
from .parser import parse
from .printer import dumps
from .source import without_bom


def format_text(text: str, source_name: str = "<string>") -> str:
    """``text`` in canonical layout with every comment kept.

    Raises ``SegrulesError`` for text with errors and, as a last guard, rather than return a
    result that lost a comment or means something else.
    """
    text = without_bom(text)  # as the parser reads it, so comment offsets match its spans
    document = parse(text, source_name)
    found = comments.scan(text)
    recorder = comments.Recorder()
    dumps(document, comments=recorder)
    placement = comments.Placement(text, found, recorder.anchors)
    result = dumps(document, comments=placement)
    if placement.rest:
        result += ("\n" if result else "") + "\n".join(placement.rest) + "\n"
    kept = Counter(comment.text for comment in comments.scan(result))
    if kept != Counter(comment.text for comment in found) or parse(result, source_name) != document:
        raise SegrulesError(f"{source_name}: formatting would lose a comment; file left as is")
    return result
