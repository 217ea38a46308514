"""Segment test files: reading (every mistake a clear error before anything runs), cases with
their explanations, relations checked by generation, coverage, the `segrules test` command and
the pytest plugin."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from segrules.cli import cli
from segrules.errors import SegrulesError
from segrules.testing.coverage import Coverage
from segrules.testing.runner import check_relation, run_case
from segrules.testing.segtest import find, read

pytest_plugins = ["pytester"]


def _plugin() -> list[str]:
    """Loading the plugin in pytester's run: an installed segrules registers it through its
    entry point already (a second `-p` would register it twice); a source checkout on
    PYTHONPATH does not."""
    groups = importlib.metadata.entry_points(group="pytest11")
    installed = any(e.value == "segrules.testing.plugin" for e in groups)
    return [] if installed else ["-p", "segrules.testing.plugin"]

ROOT = Path(__file__).resolve().parent.parent
SEGMENTS = """\
segment adults { include where age >= 18 }
segment vip {
    include where spent >= 500
    include where tier is "gold"
    exclude where tags contains "employee"
    include customers "c-7"
    exclude customers "c-9"
}
segment big { include where spent >= 1000 }
segment minors { include where age < 18 }
segment nobody { }
"""


def write(folder: Path, test: str, name: str = "t.segtest.toml") -> Path:
    (folder / "segs.seg").write_text(SEGMENTS)
    path = folder / name
    path.write_text('segments = "segs.seg"\nnow = 2026-11-01T00:00:00Z\n' + textwrap.dedent(test))
    return path


PASSING = """
[[case]]
name = "spender"
profile = { id = "c-1", spent = 500, age = 30 }
in = ["vip", "adults"]
not_in = ["big", "minors"]
"""


# --- reading ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "message"), [
    ("[[case]\n", "malformed TOML"),
    ('[[case]]\nprofile = {}\nnot-in = ["vip"]\n', "unknown key `not-in`; did you mean `not_in`?"),
    ('[[case]]\nprofile = {}\nin = ["vipp"]\n', "unknown segment vipp; did you mean vip?"),
    ('[[case]]\nprofile = {}\n', "says neither `in` nor `not_in`"),
    ('[[case]]\nprofile = {}\nin = "vip"\nnot_in = ["vip"]\n', "vip is both in `in` and `not_in`"),
    ('[[case]]\nin = "vip"\n', "`profile` must be a table"),
    ('[[case]]\nprofile = {}\nin = "vip"\nnow = "yesterday"\n', "'yesterday' is not an ISO date"),
    ('[[case]]\nprofile = {}\nin = "vip"\nnow = 10:00:00\n', "`now`: must be a datetime"),
    ('[[case]]\nprofile = {}\nin = [1]\n', "`in` must be a segment name or a list of them"),
    ('[[relation]]\nsubset = ["vip", "big"]\ndisjoint = ["vip", "big"]\n', "exactly one of"),
    ('[[relation]]\nsubset = ["vip", "big", "adults"]\n', "`subset` needs exactly 2"),
    ('[[relation]]\ndisjoint = ["vip"]\n', "`disjoint` needs at least 2"),
    ("", "nothing to test"),
    ('case = "x"\n', "`case` must be an array of tables"),
])
def test_mistakes_in_a_file_are_clear_errors(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(SegrulesError) as raised:
        read(path)
    assert message in str(raised.value)
    assert str(path) in str(raised.value)


def test_a_file_without_segments_or_with_unloadable_segments(tmp_path: Path) -> None:
    path = tmp_path / "x.segtest.toml"
    path.write_text(PASSING)
    with pytest.raises(SegrulesError, match="no `segments` key"):
        read(path)
    path.write_text('segments = "missing"\n' + PASSING)
    with pytest.raises(SegrulesError):
        read(path)
    path.write_text('segmets = "segs.seg"\n' + PASSING)
    with pytest.raises(SegrulesError, match="did you mean `segments`"):
        read(path)


def test_moments_toml_datetimes_iso_text_and_per_case(tmp_path: Path) -> None:
    path = write(tmp_path, """
    [[case]]
    profile = {}
    in = "nobody"
    [[case]]
    profile = {}
    in = "nobody"
    now = "2026-01-02T03:04:05"
    [[case]]
    profile = {}
    in = "nobody"
    now = 2026-01-02T03:04:05+02:00
    [[case]]
    profile = {}
    in = "nobody"
    now = 2026-01-02
    """)
    nows = [case.now for case in read(path).cases]
    def utc(*parts: int) -> dt.datetime:
        return dt.datetime(*parts, tzinfo=dt.UTC)  # type: ignore[misc]

    assert nows == [utc(2026, 11, 1), utc(2026, 1, 2, 3, 4, 5), utc(2026, 1, 2, 1, 4, 5),
                    utc(2026, 1, 2)]


def test_find_searches_folders_recursively_and_refuses_nothing(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    deep = write(tmp_path / "a" / "b", PASSING)
    top = write(tmp_path, PASSING, "top.segtest.toml")
    (tmp_path / "notes.toml").write_text("")
    assert sorted(find([tmp_path])) == sorted([deep, top])
    (tmp_path / "empty").mkdir()
    with pytest.raises(SegrulesError, match="no segment test files"):
        find([tmp_path / "empty"])
    with pytest.raises(SegrulesError, match="no such file or folder"):
        find([tmp_path / "missing"])


# --- cases ------------------------------------------------------------------------------------

def test_a_passing_and_a_failing_case(tmp_path: Path) -> None:
    tests = read(write(tmp_path, PASSING + """
    [[case]]
    name = "employee"
    profile = { id = "c-2", spent = 900, tags = ["employee"] }
    in = ["vip"]
    """))
    passing, failing = (run_case(tests, case) for case in tests.cases)
    assert passing.passed and passing.details == ""
    assert not failing.passed
    assert "expected in vip, but not a member" in failing.details
    # The explanation tree says which block decided.
    assert "exclude where" in failing.details and 'tags contains "employee"' in failing.details


def test_store_session_and_customer_id_reach_the_evaluation(tmp_path: Path) -> None:
    (tmp_path / "s.seg").write_text(
        'segment shop { stores "outlet" include where session.device is "mobile" }\n'
        'segment listed { include customers "c-5" }\n')
    path = tmp_path / "t.segtest.toml"
    path.write_text("""segments = "s.seg"
[[case]]
profile = {}
session = { device = "mobile" }
store = "outlet"
customer_id = "c-5"
in = ["shop", "listed"]
[[case]]
profile = { id = "c-5" }
session = { device = "mobile" }
store = "main"
in = "listed"
not_in = "shop"
""")
    tests = read(path)
    assert all(run_case(tests, case).passed for case in tests.cases)


# --- relations --------------------------------------------------------------------------------

@pytest.mark.parametrize(("relation", "holds", "detail"), [
    ('subset = ["big", "vip"]', False, "in big but not in vip"),  # an employee who spent 1,000
    ('subset = ["big", "adults"]', False, "in big but not in adults"),
    ('disjoint = ["adults", "minors"]', True, ""),
    ('disjoint = ["adults", "minors", "big"]', False, "in both"),
    ('nonempty = ["vip", "adults"]', True, ""),
    ('nonempty = "nobody"', False, "no member of nobody could be generated"),
])
def test_relations_are_checked_by_generation(tmp_path: Path, relation: str, holds: bool,
                                             detail: str) -> None:
    tests = read(write(tmp_path, f"[[relation]]\n{relation}\n"))
    outcome = check_relation(tests, tests.relations[0])
    assert outcome.passed is holds, outcome.details
    assert detail in outcome.details


def test_a_subset_counterexample_is_a_real_one(tmp_path: Path) -> None:
    tests = read(write(tmp_path, '[[relation]]\nsubset = ["big", "vip"]\n'))
    outcome = check_relation(tests, tests.relations[0])
    visit = outcome.example
    assert "profile:" in outcome.details
    options = {"session": visit.session, "customer_id": visit.customer_id, "store": visit.store,
               "now": tests.relations[0].now}
    assert tests.book.matches("big", visit.profile, **options)
    assert not tests.book.matches("vip", visit.profile, **options)


# --- coverage ---------------------------------------------------------------------------------

def test_coverage_lists_what_the_cases_leave_untested(tmp_path: Path) -> None:
    tests = read(write(tmp_path, PASSING))
    coverage = Coverage()
    for case in tests.cases:
        coverage.add(tests.book, tests.segments, case)
    report = "\n".join(coverage.report())
    assert "over 1 case(s)" in report
    assert 'segs.seg:3:19: vip: `spent >= 500` was never false' in report
    assert '`tier is "gold"` was never true' in report
    assert "vip: include block 2 never decided a membership" in report
    assert "vip: exclude block 1 never decided a membership" in report
    assert "vip: include block 1 never decided" not in report
    assert "include customers lists 'c-7', which no case uses" in report
    assert "`age < 18` was never true" in report and "`age >= 18` was never false" in report
    assert "no case names or reaches: nobody" in report
    assert "nobody:" not in report


def test_coverage_has_no_gaps_when_every_condition_went_both_ways(tmp_path: Path) -> None:
    (tmp_path / "s.seg").write_text("segment adults { include where age >= 18 }\n")
    path = tmp_path / "t.segtest.toml"
    path.write_text('segments = "s.seg"\n[[case]]\nprofile = { age = 18 }\nin = "adults"\n'
                    '[[case]]\nprofile = { age = 17 }\nnot_in = "adults"\n')
    tests = read(path)
    coverage = Coverage()
    for case in tests.cases:
        coverage.add(tests.book, tests.segments, case)
    assert next(iter(coverage.report())).endswith("over 2 case(s): no gaps")


# --- the command ------------------------------------------------------------------------------

def test_command_exit_codes_and_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    write(tmp_path, PASSING)
    monkeypatch.chdir(tmp_path)
    passed = runner.invoke(cli, ["test"])  # the current folder by default
    assert passed.exit_code == 0, passed.output
    assert "ok   case spender" in passed.output and "1 passed, 0 failed" in passed.output

    wrong = '[[case]]\nname = "wrong"\nprofile = { spent = 10 }\nin = "vip"\n'
    write(tmp_path, wrong, "f.segtest.toml")
    failed = runner.invoke(cli, ["test", str(tmp_path), "--coverage"])
    assert failed.exit_code == 1
    assert "FAIL case wrong" in failed.output
    assert "vip: not a member — no include block held" in failed.output
    assert "coverage of" in failed.output and "1 passed, 1 failed" in failed.output

    write(tmp_path, '[[case]]\nprofile = {}\nin = "vipp"\n', "g.segtest.toml")
    bad = runner.invoke(cli, ["test", str(tmp_path)])
    assert bad.exit_code == 2
    assert "did you mean vip?" in bad.output and "Traceback" not in bad.output
    assert "ok   case" not in bad.output  # every file is checked before anything runs

    nothing = runner.invoke(cli, ["test", str(tmp_path / "segs.seg")])
    assert nothing.exit_code == 2


def test_the_example_test_files_pass() -> None:
    result = CliRunner().invoke(cli, ["test", str(ROOT / "examples" / "tests")])
    assert result.exit_code == 0, result.output


# --- the pytest plugin ------------------------------------------------------------------------

def test_pytest_collects_segment_test_files(pytester: pytest.Pytester) -> None:
    write(pytester.path, PASSING + '[[relation]]\ndisjoint = ["adults", "minors"]\n')
    result = pytester.runpytest(*_plugin())
    result.assert_outcomes(passed=2)


def test_pytest_shows_a_failing_case_with_its_explanation(pytester: pytest.Pytester) -> None:
    write(pytester.path, '[[case]]\nname = "wrong"\nprofile = { spent = 10 }\nin = "vip"\n')
    write(pytester.path, '[[case]]\nprofile = {}\nin = "vipp"\n', "bad.segtest.toml")
    result = pytester.runpytest(*_plugin(), "--continue-on-collection-errors")
    result.assert_outcomes(failed=1, errors=1)
    result.stdout.fnmatch_lines(["*did you mean vip?*", "*expected in vip, but not a member*",
                                 "*no include block held*"])
    assert "Traceback" not in result.stdout.str()


def test_the_command_line_starts_without_hypothesis() -> None:
    import subprocess
    import sys

    code = "import sys, segrules.cli; assert 'hypothesis' not in sys.modules, 'imported'"
    subprocess.run([sys.executable, "-c", code], check=True)
