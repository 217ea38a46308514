"""``--schema`` on the command line: ``check`` reports what does not fit the schema like any
other error, ``preview``/``members``/``explain`` refuse to run segments that do not fit it, and a
schema file that cannot be used is one clear line with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from segrules.cli import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "segments"
SCHEMA = ROOT / "examples" / "customers.schema.json"
TYPO = 'segment us { include where contry is "United States" }\n'


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def typo(tmp_path: Path) -> Path:
    path = tmp_path / "us.seg"
    path.write_text(TYPO, encoding="utf-8")
    return path


@pytest.fixture
def customers(tmp_path: Path) -> Path:
    path = tmp_path / "customers.jsonl"
    rows = [{"id": "c-1", "country": "United States", "age": 30},
            {"id": "c-2", "country": "Canada", "age": 17}]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_the_typo_fails_check_with_did_you_mean(typo: Path) -> None:
    result = run("check", str(typo), "--schema", str(SCHEMA))
    assert result.exit_code == 1
    assert result.stdout == f"""\
{typo}:1:28: error[SR205]: unknown attribute `contry`
  |
1 | segment us {{ include where contry is "United States" }}
  |                            ^^^^^^
help: did you mean country?

1 file, 1 segment: 1 error, 0 warnings
"""


def test_without_the_schema_the_typo_passes(typo: Path) -> None:
    result = run("check", str(typo))
    assert (result.exit_code, result.stdout) == (0, "1 file, 1 segment: no problems found\n")


def test_the_examples_fit_the_example_schema() -> None:
    result = run("check", str(EXAMPLES), "--schema", str(SCHEMA))
    assert result.exit_code == 0, result.stdout
    assert result.stdout.endswith("47 segments: no problems found\n")


@pytest.mark.parametrize(("content", "message"), [
    (None, "no such file"),
    ('{"type": ', "not valid JSON"),
    ("[1, 2]", "a JSON Schema document must be an object"),
    ('{"type": "object", "properties": {"a": {"anyOf": []}}}', "unsupported JSON Schema keyword"),
])
def test_a_schema_file_that_cannot_be_used(tmp_path: Path, typo: Path, content: str | None,
                                           message: str) -> None:
    path = tmp_path / "schema.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = run("check", str(typo), "--schema", str(path))
    assert result.exit_code == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: --schema {path}: ") and message in line, line


@pytest.mark.parametrize("command", [
    ["preview", "us"], ["members"], ["explain", "us", "--customer", "c-1"],
])
def test_run_commands_check_the_segments_against_the_schema(
        command: list[str], typo: Path, customers: Path) -> None:
    args = [*command, "--segments", str(typo), "--customers", str(customers), "--now",
            "2026-11-01"]
    assert run(*args).exit_code == 0  # without a schema, the typo runs (and matches nobody)
    result = run(*args, "--schema", str(SCHEMA))
    assert result.exit_code == 2
    assert "error[SR205]: unknown attribute `contry`" in result.stderr
    assert "help: did you mean country?" in result.stderr


@pytest.mark.parametrize("command", [
    ["preview", "us"], ["members"], ["explain", "us", "--customer", "c-1"],
])
def test_run_commands_give_the_same_answers_with_a_schema(
        command: list[str], tmp_path: Path, customers: Path) -> None:
    segments = tmp_path / "ok.seg"
    segments.write_text('segment us { include where country is "United States" }\n',
                        encoding="utf-8")
    args = [*command, "--segments", str(segments), "--customers", str(customers), "--now",
            "2026-11-01"]
    without, with_schema = run(*args), run(*args, "--schema", str(SCHEMA))
    assert without.exit_code == with_schema.exit_code == 0
    assert with_schema.stdout == without.stdout
