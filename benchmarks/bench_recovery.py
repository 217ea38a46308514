"""Load time of a file with syntax errors against the same file without them: error recovery
must cost about one more parse, never a parse per segment of everything before it.

    python benchmarks/bench_recovery.py [--segments 1750] [--repeat 3]

Loads the synthetic book of ``make_book.py`` (about 1 MB at 1,750 segments) as it is, with one
typo in its last segment, and with a typo in every 50th segment. Times are best-of-N and
worst-of-N wall-clock seconds, and the best process CPU time (steadier on a busy machine); a
load with errors stops before compiling, so it does less work than a clean load after parsing.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from make_book import book

import segrules

# A misspelt operator in a condition line every segment has.
_GOOD, _TYPO = "exclude where age < 18", "exclude where age << 18"


def with_typos(text: str, every: int | None) -> str:
    """``text`` with the typo in the last segment (``every`` None) or in every ``every``-th."""
    segments = text.split("\n\n")
    chosen = [len(segments) - 1] if every is None else range(every - 1, len(segments), every)
    for index in chosen:
        segments[index] = segments[index].replace(_GOOD, _TYPO, 1)
    return "\n\n".join(segments)


def timed(load: Callable[[], object], repeat: int) -> tuple[float, float, float, int]:
    """Best and worst wall time, best CPU time, and the number of errors the load reported."""
    times, cpu, errors = [], [], 0
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        try:
            load()
        except segrules.SegrulesError as error:
            errors = len(error.diagnostics)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return min(times), max(times), min(cpu), errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--segments", type=int, default=1750)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    clean = book(args.segments)
    segrules.loads("segment warm { include everyone }")  # the parser is built once
    cases = [
        ("no errors", clean),
        ("one error in the last segment", with_typos(clean, None)),
        ("an error in every 50th segment", with_typos(clean, 50)),
    ]
    print(f"{args.segments:,} segments, {len(clean) / 1e6:.2f} MB; best .. worst of {args.repeat}")
    for label, text in cases:
        best, worst, cpu, errors = timed(lambda text=text: segrules.loads(text), args.repeat)
        print(f"{label:32} {best:6.2f} .. {worst:6.2f} s wall, {cpu:6.2f} s CPU"
              f"  ({errors} errors)")


if __name__ == "__main__":
    main()
