"""Keeping a user's comments through ``fmt``: find them, and attach each to a printed line.

The AST has no comments, so the formatter finds them in the text and ties each to a node that
the printer puts on a line of its own (a segment, a header clause, a block, a condition):
a comment on its own line goes above the first such node that follows it in the source, and a
comment after code goes at the end of the line of the node that starts on that line. A comment
with no node after it stays at the end of the file. Nothing is dropped: the formatter checks
that the output holds every comment of the input.
"""

from __future__ import annotations

import bisect
from collections import defaultdict

from attrs import frozen

from .source import ROUGH_TOKEN


@frozen
class Comment:
    """One ``#`` comment: where it starts, whether code precedes it on its line, and whether a
    blank line precedes it (kept between two comments, where it separates paragraphs)."""

    offset: int
    line: int
    text: str
    trailing: bool
    blank_before: bool = False


def scan(text: str) -> list[Comment]:
    """Every comment of ``text``, in order."""
    comments = []
    line, counted = 1, 0
    for match in ROUGH_TOKEN.finditer(text):
        token = match.group()
        if token.startswith("#"):
            start = match.start()
            line += text.count("\n", counted, start)
            counted = start
            line_start = text.rfind("\n", 0, start) + 1
            previous_start = text.rfind("\n", 0, max(0, line_start - 1)) + 1
            blank_before = line_start > 0 and not text[previous_start : line_start - 1].strip()
            comments.append(Comment(
                start, line, token.rstrip(), bool(text[line_start:start].strip()), blank_before
            ))
    return comments


class Recorder:
    """First printing pass: notes the source offset of every node printed on its own line."""

    def __init__(self) -> None:
        self.anchors: list[int] = []

    def place(self, offset: int, lines: list[str]) -> list[str]:
        self.anchors.append(offset)
        return lines


class Placement:
    """Second printing pass: puts each comment above, or at the end of, its anchor's line."""

    def __init__(self, text: str, comments: list[Comment], anchors: list[int]) -> None:
        self.leading: dict[int, list[str]] = defaultdict(list)
        self.trailing: dict[int, list[str]] = defaultdict(list)
        self.rest: list[str] = []
        ordered = sorted(set(anchors))
        for comment in comments:
            index = bisect.bisect_left(ordered, comment.offset)
            if comment.trailing and index > 0:
                anchor = ordered[index - 1]
                if "\n" not in text[anchor : comment.offset]:  # starts on the comment's line
                    self.trailing[anchor].append(comment.text)
                    continue
            group = self.leading[ordered[index]] if index < len(ordered) else self.rest
            if group and comment.blank_before:
                group.append("")
            group.append(comment.text)

    def place(self, offset: int, lines: list[str]) -> list[str]:
        leading = self.leading.pop(offset, [])
        trailing = self.trailing.pop(offset, [])
        if trailing:
            # One line of source holds one comment, so an anchor has at most one trailing one.
            lines = [f"{lines[0]}  {trailing[0]}", *lines[1:]]
        return [*leading, *lines]
