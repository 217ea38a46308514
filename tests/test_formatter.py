"""`segrules fmt`'s engine: canonical layout with every comment kept where it belongs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segrules import comments
from segrules.errors import SegrulesError, SegrulesSyntaxError
from segrules.formatter import format_text
from segrules.parser import parse
from segrules.printer import dumps
from strategies import documents

MESSY = """\
# Book header comment

# a second paragraph
segment   north_america_adults{# on the opener
  # tags for targeting
  groups "adults","na"   # groups trailing
  title "North American adults"
  include all { country is "United States"  # US
     # states
     state in ["Alaska", "Florida"]
  }
  exclude any {
    age < 18
    # dangling before a closing brace
  }
  # the explicit list
  include customers "c-1001"
}
segment fraud_suspects { }  # filled by a membership store
# the end
"""

EXPECTED = """\
# Book header comment

# a second paragraph
segment north_america_adults {  # on the opener
    title "North American adults"
    # tags for targeting
    groups "adults", "na"  # groups trailing

    include all {
        country is "United States"  # US
        # states
        state is one of "Alaska", "Florida"
    }
    exclude any {
        age < 18
    }
    # dangling before a closing brace
    # the explicit list
    include customers "c-1001"
}

segment fraud_suspects { }  # filled by a membership store

# the end
"""


def test_messy_file_is_laid_out_with_its_comments_in_place() -> None:
    assert format_text(MESSY) == EXPECTED


def test_formatting_is_idempotent() -> None:
    assert format_text(EXPECTED) == EXPECTED


def test_hash_inside_strings_and_patterns_is_not_a_comment() -> None:
    text = 'segment a {\n    include where tag is "#1" and email matches /#x/  # real\n}\n'
    assert [c.text for c in comments.scan(text)] == ["# real"]
    assert format_text(text) == (
        'segment a {\n    include all {\n        tag is "#1"\n'
        '        email matches /#x/  # real\n    }\n}\n'
    )


def test_text_without_comments_formats_like_dumps() -> None:
    text = 'segment a { include where x is 1 }'
    assert format_text(text) == dumps(parse(text))


def test_text_with_errors_is_refused_with_the_parsers_error() -> None:
    with pytest.raises(SegrulesSyntaxError, match="SR101"):
        format_text("segment a { include wher x is 1 }  # note", "a.seg")


def test_only_comments_are_kept() -> None:
    assert format_text("# nothing yet\n") == "# nothing yet\n"


def test_the_guard_refuses_rather_than_lose_a_comment(monkeypatch: pytest.MonkeyPatch) -> None:
    # Simulate a placement bug that drops every comment: the guard must catch it.
    monkeypatch.setattr(comments.Placement, "place", lambda self, offset, lines: lines)
    monkeypatch.setattr(comments.Placement, "__init__", _drop_everything)
    with pytest.raises(SegrulesError, match="would lose a comment"):
        format_text("# keep me\nsegment a { include everyone }\n")


def _drop_everything(self: comments.Placement, *args: object) -> None:
    self.leading, self.trailing, self.rest = {}, {}, []


@st.composite
def commented(draw: st.DrawFn) -> tuple[str, list[str]]:
    """Canonical text of a random document with comments on random lines, own and trailing."""
    lines = dumps(draw(documents())).splitlines()
    words = st.text(st.characters(codec="utf-8", exclude_characters="\n\r\x0b\x0c\x1c\x1d\x1e"
                                  "\x85\u2028\u2029"), max_size=12)
    out, added = [], []
    for line in lines:
        if draw(st.booleans()):
            note = "# " + draw(words).strip()
            out.append(note)
            added.append(note.rstrip())
        if line.strip() and draw(st.booleans()):
            note = "# " + draw(words).strip()
            line = f"{line}  {note}"
            added.append(note.rstrip())
        out.append(line)
    return "\n".join(out) + "\n", added


@settings(max_examples=300, deadline=None)
@given(commented())
def test_law_every_comment_is_kept_and_the_tree_is_unchanged(case: tuple[str, list[str]]) -> None:
    text, added = case
    result = format_text(text)
    assert sorted(c.text for c in comments.scan(result)) == sorted(added)
    assert parse(result) == parse(text)
    assert format_text(result) == result


def test_a_leading_byte_order_mark_is_dropped_and_comments_stay_in_place() -> None:
    text = "\ufeff# vip customers\nsegment vip {  # the best\n include where tier is \"gold\" }\n"
    assert format_text(text) == format_text(text.removeprefix("\ufeff"))
    assert not format_text(text).startswith("\ufeff")
