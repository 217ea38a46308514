"""A seeded fuzz campaign: the example segments and customers, mutated, through every front door.

Run: ``.venv/bin/python benchmarks/fuzz_campaign.py --seconds 600 --seed 1`` (a long run), or
``--cases 400`` for a fixed number of cases (what CI runs, through
``tests/test_fuzz_campaign.py``). Replay one case with ``--seed S --case I``; it prints the
traceback.

Three kinds of case, each drawn from ``random.Random(f"{seed}:{index}")`` so any case replays
alone:

- **text**: an example file (or a hostile whole file) with hostile pieces spliced in, conditions
  with extreme values put into blocks, tokens doubled or dropped, or bits flipped; it must load
  or raise ``SegrulesError`` pointing inside the text, and what loads must print and load back
  the same and then evaluate lawfully for hostile calls; ``fmt`` must refuse it or format it
  to a fixed point.
- **evaluation**: an example customer with values replaced by hostile ones (NaN, huge ints,
  lone surrogates, raising objects, cycles, generators …), or a wholly hostile call (id, store,
  moment, session, membership store), against the example book: ``matches``, ``segments_for``,
  ``membership``, ``groups_for``, ``explain`` (text and JSON) and targets never raise and agree.
- **cli**: hostile segment folders, customer files (JSON Lines, CSV, Parquet), session files and
  output paths through ``check``, ``fmt``, ``preview``, ``explain`` and ``members`` in-process:
  exit code 0, 1 or 2, never a traceback.

The laws are ``tests/campaign.py``'s and the hostile inputs ``tests/hostile.py``'s, shared with
the Hypothesis tests. A finding is any law broken or any exception other than ``SegrulesError``;
findings are grouped by where they happen (exception type and the innermost segrules line), and
each is printed once with a count, the command that replays it, and a reproducer shrunk by
deleting lines, tokens, characters and profile keys while the same finding persists. The exit
code is 1 when there is a finding.
"""

from __future__ import annotations

import argparse
import faulthandler
import random
import re
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import campaign  # noqa: E402  (tests/ holds the laws and the hostile inputs)
import hostile  # noqa: E402
import hostile_files  # noqa: E402
import segrules  # noqa: E402
from segrules.book import Book  # noqa: E402

KINDS = ("text", "text", "text", "evaluation", "evaluation", "evaluation", "cli")
_SHRINK_RUNS = 400


@dataclass
class Finding:
    """One kind of failure: where it happens, how often, and the first case that showed it."""

    signature: str
    kind: str
    index: int
    error: str
    count: int = 1
    reproducer: str = ""


@dataclass
class Report:
    seed: int
    cases: dict[str, int] = field(default_factory=lambda: dict.fromkeys(sorted(set(KINDS)), 0))
    findings: dict[str, Finding] = field(default_factory=dict)
    seconds: float = 0.0

    def render(self) -> str:
        total = sum(self.cases.values())
        counts = ", ".join(f"{kind} {count}" for kind, count in self.cases.items())
        lines = [f"seed {self.seed}: {total} cases ({counts}) in {self.seconds:.1f} s; "
                 f"{len(self.findings)} findings"]
        for finding in self.findings.values():
            lines += ["", f"FINDING [{finding.kind}] {finding.signature} "
                          f"({finding.count} cases, first: case {finding.index})",
                      f"  replay: python benchmarks/fuzz_campaign.py --seed {self.seed} "
                      f"--case {finding.index}",
                      "  " + finding.error.replace("\n", "\n  "),
                      "  reproducer:", "    " + finding.reproducer.replace("\n", "\n    ")]
        return "\n".join(lines)


def signature(error: BaseException) -> str:
    """Where a failure happens: its type and the innermost line of segrules (or of a law).
    A command's traceback is reported where the command raised, not where the law saw it."""
    while isinstance(error, AssertionError) and error.__cause__ is not None:
        error = error.__cause__
    frames = traceback.extract_tb(error.__traceback__)
    inside = [f for f in frames if "/segrules/" in f.filename or f.filename.endswith(
        "campaign.py")]
    frame = inside[-1] if inside else frames[-1] if frames else None
    where = f"{Path(frame.filename).name}:{frame.lineno} `{(frame.line or '').strip()}`" if (
        frame) else "?"
    return f"{type(error).__name__} at {where}"


def _short(error: BaseException) -> str:
    """The error's message; of a long one (a traceback the CLI law caught), the end."""
    text = f"{type(error).__name__}: {error}"
    return text if len(text) < 1200 else "… " + text[-1200:]


# --- the cases ----------------------------------------------------------------------------------


@cache
def _bases() -> tuple[str, ...]:
    texts = hostile_files.example_texts()
    seed = (ROOT / "tests" / "cases" / "seed.seg").read_text("utf-8")
    return (*texts.values(), "\n".join(texts.values()), seed)


@cache
def _examples() -> Book:
    return segrules.load(hostile_files.EXAMPLES)


@dataclass
class Case:
    """One case, rebuilt from its seed each time it runs (a generator in a profile is one-shot,
    so a case is never run twice from the same objects)."""

    kind: str
    rng_seed: str
    text: str = ""
    source: str = "fuzz.seg"
    dropped: frozenset[str] = frozenset()  # profile keys shrinking removed
    plain: frozenset[str] = frozenset()  # call arguments shrinking set back to plain values

    def run(self) -> None:
        getattr(self, f"_{self.kind}")()

    def _text(self) -> None:
        campaign.format_law(self.text)
        book = campaign.text_law(self.text, self.source)
        if book is not None:
            for number in range(2):
                rng = random.Random(f"{self.rng_seed}:call{number}")
                campaign.evaluation_law(book, self._shrunk(hostile.call(rng, book.document)))

    def _evaluation(self) -> None:
        campaign.evaluation_law(_examples(), self._shrunk(self.call()))

    def call(self) -> dict[str, Any]:
        rng = random.Random(f"{self.rng_seed}:call")
        found = hostile.call(rng, _examples().document)
        if rng.random() < 0.6:
            customer = rng.choice(hostile_files.example_customers())
            found["profile"] = hostile_files.mutate_profile(rng, customer)
        return found

    def _shrunk(self, call: dict[str, Any]) -> dict[str, Any]:
        if isinstance(call["profile"], dict):
            call["profile"] = {k: v for k, v in call["profile"].items() if k not in self.dropped}
        for key in self.plain:
            call[key] = None
        return call

    def _cli(self) -> None:
        rng = random.Random(f"{self.rng_seed}:cli")
        with tempfile.TemporaryDirectory(prefix="segrules-fuzz-") as folder:
            campaign.cli_law(hostile_files.command(rng, Path(folder)))

    def describe(self) -> str:
        try:
            return self._describe()
        except Exception as error:  # the case no longer rebuilds: say so rather than stop
            return f"(cannot rebuild the case: {_short(error)})"

    def _describe(self) -> str:
        if self.kind == "text":
            return f"segrules.loads({self.text!r}, {self.source!r})"
        if self.kind == "evaluation":
            call = self._shrunk(self.call())
            return "\n".join(f"{key} = {_shown(value)}" for key, value in call.items())
        rng = random.Random(f"{self.rng_seed}:cli")
        with tempfile.TemporaryDirectory(prefix="segrules-fuzz-") as folder:
            args = hostile_files.command(rng, Path(folder))
            files = sorted(p.relative_to(folder) for p in Path(folder).rglob("*")
                           if p.is_file())
            shown = [f"segrules {' '.join(map(repr, args))}", f"files: {[str(f) for f in files]}"]
            customers = [p for p in Path(folder).glob("customers.*")]
            if customers:
                shown.append(f"{customers[0].name}: {customers[0].read_bytes()[:400]!r}")
        return "\n".join(shown).replace(folder, "<tmp>")


def _shown(value: object, top: bool = True) -> str:
    """A value's repr, or its type's name when even repr raises (hostile objects do); a dict
    key by key, so one hostile value does not hide the others."""
    if top and type(value) is dict:
        return "{" + ", ".join(f"{_shown(k, False)}: {_shown(v, False)}"
                               for k, v in value.items()) + "}"
    try:
        text = repr(value)
    except BaseException:
        return f"<{type(value).__name__}: repr raises>"
    return text if len(text) < 300 else text[:300] + " …"


def make_case(seed: int, index: int) -> Case:
    rng = random.Random(f"{seed}:{index}")
    kind = rng.choice(KINDS)
    case = Case(kind, f"{seed}:{index}")
    if kind == "text":
        if rng.random() < 0.05:
            base = rng.choice(sorted(hostile.HOSTILE_FILES.items()))[1]()
        else:
            base = rng.choice(_bases())
        case.text = hostile.mutate_text(rng, base)
        case.source = rng.choice(campaign.SOURCE_NAMES)
    return case


# --- shrinking ----------------------------------------------------------------------------------


def _fails_the_same(case: Case, wanted: str) -> bool:
    try:
        case.run()
    except Exception as error:
        return signature(error) == wanted
    return False


def _pieces(text: str, level: int) -> list[str]:
    """Lines, tokens or characters, each with the whitespace after it: deleting a piece never
    glues two words together, so the reproducer stays readable."""
    if level == 0:
        return text.splitlines(keepends=True)
    if level == 1:
        return re.findall(r"\s+|(?:" + hostile._TOKEN.pattern + r")\s*", text, re.DOTALL)
    return re.findall(r"\s+|.\s*", text, re.DOTALL)


def shrink(case: Case, wanted: str) -> Case:
    """A smaller case failing the same way: lines, then tokens, then characters deleted
    (in halving chunks), or profile keys dropped and call arguments made plain."""
    runs = 0

    def still(candidate: Case) -> bool:
        nonlocal runs
        runs += 1
        return _fails_the_same(candidate, wanted)

    if case.kind == "text":
        for level in range(3):
            pieces = _pieces(case.text, level)
            chunk = max(1, len(pieces) // 2)
            while chunk >= 1 and runs < _SHRINK_RUNS:
                start = 0
                while start < len(pieces) and runs < _SHRINK_RUNS:
                    kept = pieces[:start] + pieces[start + chunk:]
                    candidate = Case(case.kind, case.rng_seed, "".join(kept), case.source)
                    if kept and still(candidate):
                        pieces, case = kept, candidate
                    else:
                        start += chunk
                chunk //= 2
        for source in ("fuzz.seg",):
            candidate = Case(case.kind, case.rng_seed, case.text, source)
            if case.source != source and still(candidate):
                case = candidate
        return case
    if case.kind == "evaluation":
        profile = case.call()["profile"]
        keys = list(profile) if isinstance(profile, dict) else []
        for key in keys:
            candidate = Case(case.kind, case.rng_seed, dropped=case.dropped | {key},
                             plain=case.plain)
            if runs < _SHRINK_RUNS and still(candidate):
                case = candidate
        for key in ("members", "session", "customer_id", "store", "now"):
            candidate = Case(case.kind, case.rng_seed, dropped=case.dropped,
                             plain=case.plain | {key})
            if runs < _SHRINK_RUNS and still(candidate):
                case = candidate
    return case


# --- the campaign -------------------------------------------------------------------------------


def run(seed: int, *, cases: int | None = None, seconds: float | None = None,
        progress: Callable[[str], None] | None = None) -> Report:
    """Run cases ``0, 1, 2, …`` of ``seed`` until ``cases`` are done or ``seconds`` have passed."""
    report = Report(seed)
    started = time.monotonic()
    index = 0
    while (cases is None or index < cases) and (
            seconds is None or time.monotonic() - started < seconds):
        case = make_case(seed, index)
        report.cases[case.kind] += 1
        try:
            case.run()
        except Exception as error:
            key = signature(error)
            if key in report.findings:
                report.findings[key].count += 1
            else:
                if progress:
                    progress(f"case {index}: {key}")
                small = shrink(case, key)
                report.findings[key] = Finding(key, case.kind, index, _short(error),
                                               reproducer=small.describe())
        index += 1
    report.seconds = time.monotonic() - started
    return report


def replay(seed: int, index: int) -> int:
    case = make_case(seed, index)
    print(f"case {index} of seed {seed}: {case.kind}\n{case.describe()}\n")
    try:
        case.run()
    except Exception:
        traceback.print_exc()
        return 1
    print("passes")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seconds", type=float, default=None,
                        help="stop after this long (default: 60 unless --cases is given)")
    parser.add_argument("--cases", type=int, default=None, help="stop after this many cases")
    parser.add_argument("--case", type=int, default=None, help="replay this one case")
    args = parser.parse_args(argv)
    faulthandler.enable()  # a crash in a C extension still says where
    warnings.simplefilter("ignore")
    if args.case is not None:
        return replay(args.seed, args.case)
    seconds = args.seconds if args.seconds is not None or args.cases is not None else 60.0
    report = run(args.seed, cases=args.cases, seconds=seconds,
                 progress=lambda line: print(line, file=sys.stderr, flush=True))
    print(report.render())
    return 1 if report.findings else 0


if __name__ == "__main__":
    sys.exit(main())
