"""The laws the fuzz campaign checks, one function per front door of segrules.

``text_law``: any text loads or raises ``SegrulesError`` whose diagnostics point inside the
text; what loads prints canonically and loads back to the same document. ``format_law``: ``fmt``
refuses text with a ``SegrulesError`` or formats it to a fixed point. ``evaluation_law``: for
any call, however hostile its profile, id, store, moment or store of members, every evaluation
answers a bool without raising and every answer agrees with the others (``matches``,
``predicate``, ``segments_for``, ``membership``, ``groups_for``, ``explain`` and targets), and
an explanation renders as text and as strict JSON. ``json_law``: the JSON form read back from
hostile data raises ``SegrulesError`` or gives a tree that works. ``reload_law``: a
``Reloader`` swaps in whole books only. ``cli_law``: any command line exits 0, 1 or 2 and never
shows a traceback.

Both ``tests/test_fuzz*.py`` (Hypothesis) and ``benchmarks/fuzz_campaign.py`` (seeded
mutations) call these, so a law is stated once.
"""

from __future__ import annotations

import contextlib
import json
import pickle
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

import hostile
import segrules
from segrules import nodes as n
from segrules.book import Book
from segrules.checker import check
from segrules.cli import cli
from segrules.errors import SegrulesError
from segrules.formatter import format_text
from segrules.jsonform import from_json, to_json
from segrules.reloader import Reloader
from segrules.source import without_bom
from segrules.targets import Target

#: Source names of every kind ``loads(text, source=…)`` may be given.
SOURCE_NAMES = ("fuzz.seg", "", "a\x00b", "\ud800.seg", "dir/ü n.seg", "x" * 300, "<string>")

#: The exit codes the CLI documents: success, a finding, bad input.
EXIT_CODES = (0, 1, 2)

# Hostile cases are slow to draw and large; a failure prints the blob that replays it.
# Shrinking stops at the first bug found: shrinking several at once takes minutes.
settings.register_profile(
    "fuzz", deadline=None, print_blob=True, report_multiple_bugs=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much])


#: Seeds for ``random.Random``: the hostile generators draw too much for ``st.randoms()`` (its
#: draws overrun Hypothesis's buffer), and a failing example then prints a seed that replays it.
SEEDS = st.integers(0, 2**32 - 1)


def fuzz(examples: int) -> settings:
    """Hypothesis settings for a fuzz test: its CI budget of ``examples``, times
    ``SEGRULES_FUZZ_SCALE`` for a long campaign."""
    return settings(settings.get_profile("fuzz"), max_examples=examples * hostile.scale())


def spans_inside(error: SegrulesError, text: str, *, past_the_end: int = 0) -> None:
    """Every diagnostic of ``error`` renders and points inside ``text`` (or up to
    ``past_the_end`` characters after it, where "found the end" is shown after the text)."""
    assert error.diagnostics, "an error must carry at least one diagnostic"
    assert any(d.severity == "error" for d in error.diagnostics)
    error.render()
    str(error)
    pickle.loads(pickle.dumps(error))
    text = without_bom(text)  # a leading byte order mark is not part of the text spans count
    lines = text.count("\n") + 1
    for diagnostic in error.diagnostics:
        span = diagnostic.span
        assert span is not None, diagnostic.render()
        assert span.source.text == text, diagnostic.render()
        assert 0 <= span.start <= span.end <= len(text) + past_the_end, diagnostic.render()
        assert 1 <= span.line <= span.end_line <= lines, diagnostic.render()
        line_start = text.rfind("\n", 0, span.start) + 1
        assert span.column == span.start - line_start + 1, diagnostic.render()


def text_law(text: str, source: str = "fuzz.seg") -> Book | None:
    """Load ``text``: a book, or None after checking the error is a well-placed SegrulesError."""
    try:
        book = segrules.loads(text, source)
    except SegrulesError as error:
        spans_inside(error, text)
        return None
    for warning in book.warnings:
        warning.render()
    printed = segrules.dumps(book)
    again = segrules.loads(printed)
    assert again.document == book.document, printed
    assert segrules.dumps(again) == printed
    return book


def format_law(text: str) -> None:
    """``fmt`` on any text: a ``SegrulesError``, or a layout that formats to itself."""
    try:
        formatted = format_text(text, "fuzz.seg")
    except SegrulesError as error:
        error.render()
        return
    assert format_text(formatted, "fuzz.seg") == formatted


def json_law(data: object, call: dict[str, Any]) -> None:
    """The JSON form read back from hostile data: a ``SegrulesError``, or a node that converts
    back to the same data; a document that checks clean builds a book that evaluates lawfully."""
    try:
        node = from_json(data)
    except SegrulesError as error:
        assert error.diagnostics
        str(error)
        return
    assert from_json(to_json(node)) == node
    if not isinstance(node, n.Document):
        return
    with contextlib.suppress(SegrulesError):  # some trees have no text (the printer says so)
        segrules.dumps(node)
    if any(d.severity == "error" for d in check(node)):
        return
    evaluation_law(Book(node), call)


def reload_law(folder: Path, edit: Callable[[], object]) -> None:
    """A ``Reloader`` on ``folder`` after ``edit`` changes its files: the new book when the
    files load, else the old book and the diagnostics; never anything half-loaded, never an
    exception."""
    reloader = Reloader(folder)
    old = reloader.book
    before = {path: path.read_bytes() for path in folder.rglob("*.seg")}
    edit()
    changed = {path: path.read_bytes() for path in folder.rglob("*.seg")} != before
    try:
        expected: Book | None = segrules.load(folder)
    except SegrulesError:
        expected = None
    replaced = reloader.reload()
    if expected is None:
        assert not replaced and reloader.book is old and reloader.errors
    else:
        assert replaced == changed and not reloader.errors
        assert reloader.book.document == expected.document
    assert reloader.reload() is False  # nothing changed since


def evaluation_law(book: Book, call: dict[str, Any], assigned: Sequence[str] = ("a",),
                   last: int | None = None) -> None:
    """Every way of asking ``book`` about one customer answers, and the answers agree.

    ``last`` asks ``matches`` and ``explain`` about the last so many segments only: asked about
    each of a long chain of references, they would walk the chain below each one again."""
    profile = call["profile"]
    kwargs = {key: call[key] for key in ("session", "customer_id", "store", "now", "members")}
    names = book.names if last is None else book.names[-last:]
    answers = {}
    for name in names:
        matched = book.matches(name, profile, **kwargs)
        assert type(matched) is bool, (name, matched)
        answers[name] = matched
        bound = book.predicate(name, store=kwargs["store"], members=kwargs["members"])
        assert bound(profile, session=kwargs["session"], customer_id=kwargs["customer_id"],
                     now=kwargs["now"]) is matched, name
        explanation = book.explain(name, profile, **kwargs)
        assert explanation.matched == matched, name
        str(explanation)
        json.dumps(explanation.to_dict(), allow_nan=False, ensure_ascii=False)
    within = book.segments_for(profile, **kwargs)
    assert within & set(names) == {name for name, matched in answers.items() if matched}
    member = book.membership(profile, **kwargs)
    assert {name for name in reversed(names) if member(name)} == within & set(names)
    groups = book.groups_for(profile, assigned=assigned, **kwargs)
    given = {group for name in within for group in book[name].groups}
    assert set(groups) == given | set(assigned)
    if names:
        for mode, combine in (("any", any), ("all", all)):
            target = Target(mode, names)
            assert target.matches(book, profile, **kwargs) == combine(answers.values())
        none = Target("none", names).matches(book, profile, **kwargs)
        assert none == (not any(answers.values()))


def cli_law(args: Sequence[str], cwd: Path | None = None) -> Result:
    """Run ``segrules ARGS`` in-process: exit code 0, 1 or 2, and no traceback anywhere."""
    runner = CliRunner()
    result = runner.invoke(cli, list(args), catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        assert result.exc_info is not None
        shown = "".join(traceback.format_exception(*result.exc_info))
        raise AssertionError(f"segrules {list(args)} raised:\n{shown}") from result.exception
    assert result.exit_code in EXIT_CODES, (args, result.exit_code, result.output)
    assert "Traceback (most recent call last)" not in result.output, result.output
    return result
