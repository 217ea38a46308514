"""Every code block of the documentation runs, so the docs cannot drift from the code.

Each page (``docs/**/*.md`` and ``README.md``) runs in its own temporary folder laid out like a
fresh clone after ``make demo``: ``examples/`` copied from the repository, plus
``examples/data/customers.jsonl`` generated with the generator's defaults (10,000 customers,
seed 42), so the numbers a page shows are the numbers a reader gets. Per fence language:

- ```` ```segrules ````: loaded with ``segrules.loads``. ``<!-- error: SR105 -->`` on the line
  before means loading must raise a ``SegrulesError`` with that code; ``<!-- warning: SR401 -->``
  means it loads with that warning. A block with neither must load without warnings.
- ```` ```python ````: the page's blocks run in order in one namespace.
- ```` ```console ````: each ``$ segrules …`` line runs through click's ``CliRunner`` against
  the ``segrules`` command (``segrules.cli.cli``), and the lines after it, up to the next
  ``$``, must equal its output (stdout and stderr as a terminal shows them); a line ``...``
  stands for any number of lines. It must exit 0 unless ``<!-- exit: N -->``
  precedes the block (then the block's last command must exit N). ``$ python …`` runs the
  interpreter in the page's folder the same way; other ``$`` lines (``make …``) are not run.
- ```` ```text ```` and any other language: not run.

``<!-- file: PATH -->`` before any block writes the block's text to PATH in the page's folder
first, so a tutorial can create the files its later commands read.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import segrules

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted([*DOCS.rglob("*.md"), ROOT / "README.md"])

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<lang>[\w-]*)[^\n]*$")
_MARKER = re.compile(r"^\s*<!--\s*(?P<kind>error|warning|exit|file):\s*(?P<value>\S+)\s*-->\s*$")


class Block:
    """One fenced code block: its language, text, 1-based first line, and the markers before it."""

    def __init__(self, page: Path, lang: str, text: str, line: int, markers: dict[str, str]):
        self.page, self.lang, self.text, self.line, self.markers = page, lang, text, line, markers

    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks(page: Path) -> list[Block]:
    """The fenced blocks of a Markdown page, each with the ``<!-- kind: value -->`` markers that
    sit on the lines directly above its opening fence."""
    lines = page.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        indent, fence = opening["indent"], opening["fence"]
        markers: dict[str, str] = {}
        above = index - 1
        while above >= 0 and (marker := _MARKER.match(lines[above])):
            markers[marker["kind"]] = marker["value"]
            above -= 1
        body: list[str] = []
        index += 1
        while index < len(lines) and lines[index].strip() != fence:
            line = lines[index]
            body.append(line[len(indent):] if line.startswith(indent) else line.lstrip())
            index += 1
        found.append(Block(page, opening["lang"], "\n".join(body) + "\n", index - len(body) + 1,
                           markers))
        index += 1
    return found


# --- the folder a page runs in ----------------------------------------------------------------


@pytest.fixture(scope="session")
def customers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example customers a reader generates, made once per test session."""
    out = tmp_path_factory.mktemp("data") / "customers.jsonl"
    subprocess.run(
        [sys.executable, str(ROOT / "examples" / "generate_customers.py"), "--out", str(out)],
        check=True, capture_output=True,
    )
    return out


@pytest.fixture
def workdir(tmp_path: Path, customers: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    shutil.copytree(ROOT / "examples", tmp_path / "examples",
                    ignore=shutil.ignore_patterns("data", "__pycache__"))
    (tmp_path / "examples" / "data").mkdir()
    shutil.copy(customers, tmp_path / "examples" / "data" / "customers.jsonl")
    monkeypatch.chdir(tmp_path)
    yield tmp_path


# --- running blocks -------------------------------------------------------------------------


def run_segrules(block: Block) -> None:
    expected_error = block.markers.get("error")
    if expected_error is None:
        book = segrules.loads(block.text, block.where())
        codes = [d.code for d in book.warnings]
        assert codes == ([block.markers["warning"]] if "warning" in block.markers else []), (
            f"{block.where()}: unexpected warnings {codes}"
        )
        return
    with pytest.raises(segrules.SegrulesError) as raised:
        segrules.loads(block.text, block.where())
    codes = [d.code for d in raised.value.diagnostics]
    assert expected_error in codes, f"{block.where()}: expected {expected_error}, got {codes}"


def run_python(block: Block, namespace: dict[str, object]) -> None:
    # The documentation's own examples, run as the reader would run them; padded with blank
    # lines so a traceback points at the line of the page.
    code = compile("\n" * (block.line - 1) + block.text, str(block.page), "exec")
    exec(code, namespace)


def commands(block: Block) -> Iterator[tuple[str, list[str]]]:
    """``(command, expected output lines)`` for each ``$`` line of a console block."""
    command: str | None = None
    output: list[str] = []
    for line in block.text.splitlines():
        if line.startswith("$ "):
            if command is not None:
                yield command, output
            command, output = line[2:], []
        elif command is not None:
            output.append(line)
    if command is not None:
        yield command, output


def same_output(expected: list[str], actual: list[str]) -> bool:
    """Line-by-line equality, trailing spaces ignored, ``...`` matching any run of lines."""
    expected = [line.rstrip() for line in expected]
    actual = [line.rstrip() for line in actual]
    while expected and not expected[-1]:
        expected.pop()
    while actual and not actual[-1]:
        actual.pop()
    if not expected:
        return not actual
    if expected[0] == "...":
        return any(same_output(expected[1:], actual[skip:]) for skip in range(len(actual) + 1))
    return bool(actual) and expected[0] == actual[0] and same_output(expected[1:], actual[1:])


def run_console(block: Block) -> None:
    # `segrules.cli.main` is the console script (a plain function); `cli` is its click group.
    from segrules.cli import cli

    steps = list(commands(block))
    for number, (command, expected) in enumerate(steps):
        words = shlex.split(command)
        exit_code = int(block.markers["exit"]) if (
            "exit" in block.markers and number == len(steps) - 1) else 0
        if words[0] == "segrules":
            result = CliRunner().invoke(cli, words[1:], prog_name="segrules",
                                        catch_exceptions=False)
            output, code = result.output, result.exit_code
        elif words[0] == "python":
            done = subprocess.run([sys.executable, *words[1:]], capture_output=True, text=True,
                                  env={**os.environ, "COLUMNS": "100"})
            output, code = done.stdout + done.stderr, done.returncode
        else:
            continue
        assert code == exit_code, f"{block.where()}: `{command}` exited {code}:\n{output}"
        assert same_output(expected, output.splitlines()), (
            f"{block.where()}: output of `{command}` differs.\n--- documented\n"
            + "\n".join(expected) + "\n--- actual\n" + output
        )


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_code_blocks_run(page: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A real module, so that a dataclass defined on a page can find its module.
    module = types.ModuleType("__docs__")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    namespace = module.__dict__
    for block in blocks(page):
        if "file" in block.markers:
            target = workdir / block.markers["file"]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.text, encoding="utf-8")
        if block.lang == "segrules":
            run_segrules(block)
        elif block.lang == "python":
            run_python(block, namespace)
        elif block.lang == "console":
            run_console(block)


# --- the site's structure -------------------------------------------------------------------


def nav_pages(entries: object) -> Iterator[str]:
    if isinstance(entries, str):
        yield entries
    elif isinstance(entries, list):
        for entry in entries:
            yield from nav_pages(entry)
    elif isinstance(entries, dict):
        for value in entries.values():
            yield from nav_pages(value)


def test_nav_lists_every_page() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    listed = sorted(nav_pages(config["nav"]))
    pages = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md"))
    assert listed == pages


def test_every_error_code_is_documented() -> None:
    raised = set()
    for source in (ROOT / "src" / "segrules").rglob("*.py"):
        raised |= set(re.findall(r'"(SR\d{3})"', source.read_text(encoding="utf-8")))
    documented = set(re.findall(r"^## (SR\d{3})", (DOCS / "errors.md").read_text("utf-8"), re.M))
    assert raised <= documented, f"undocumented: {sorted(raised - documented)}"
    assert documented <= raised, f"documented but never raised: {sorted(documented - raised)}"


def test_readme_links_resolve() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    local = [t for t in targets if "://" not in t]
    assert local, "the README links to the docs pages"
    missing = [t for t in local if not (ROOT / t).exists()]
    assert not missing


def test_marked_blocks_are_checked() -> None:
    # The harness itself: an error marker must be honoured, and a wrong one must fail.
    page = DOCS / "errors.md"
    marked = [b for b in blocks(page) if "error" in b.markers]
    assert marked, "errors.md shows erroneous segments"
    wrong = Block(page, "segrules", marked[0].text, marked[0].line, {"error": "SR999"})
    with pytest.raises(AssertionError):
        run_segrules(wrong)
    assert same_output(["a", "...", "d"], ["a", "b", "c", "d"])
    assert not same_output(["a", "...", "d"], ["a", "b", "c"])
