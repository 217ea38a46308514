"""Draws per second of ``segrules.testing`` over the example segments, against filtering.

For every example segment (inside, then outside) Hypothesis draws ``--draws`` visits through
``visits(...)``, generation phase only, and the script prints draws per second per side. The
baseline is plain filtering: profiles drawn at random with the same attribute shapes (every
attribute the book reads, each present with a random value of its kind) and kept when
``book.matches`` says member; it prints members found per second for a few segments and the
ratio to the constructive strategies, measured in the same run.

    python benchmarks/bench_testing.py [--draws 100] [--filter-seconds 5]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import segrules
from segrules.runtime import ErrorCounter
from segrules.testing import visits
from segrules.testing._domains import value_strategy
from segrules.testing._strategies import _book_usage

ROOT = Path(__file__).resolve().parent.parent
NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
NEVER_INSIDE = {"legacy_chargeback_block", "fraud_suspects"}


def run(strategy: Any, draws: int) -> int:
    seen = [0]

    @settings(max_examples=draws, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def draw(visit: Any) -> None:
        seen[0] += 1

    draw()
    return seen[0]


def constructive(book: segrules.Book, draws: int) -> dict[str, tuple[int, float, float]]:
    """Per side: draws, wall seconds, CPU seconds (the machine may be shared)."""
    out: dict[str, tuple[int, float, float]] = {}
    for side in ("inside", "outside"):
        count, start, cpu = 0, time.perf_counter(), time.process_time()
        for name in book.names:
            if side == "inside" and name in NEVER_INSIDE:
                continue
            count += run(visits(book, **{side: name}, now=NOW), draws)
        out[side] = (count, time.perf_counter() - start, time.process_time() - cpu)
    return out


def random_profiles(book: segrules.Book) -> st.SearchStrategy[dict[str, Any]]:
    """Profiles with every attribute the book reads, each a random value of its shape."""
    usage = _book_usage(book)
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for (root, names), found in usage.items():
        if root != "profile" or len(names) != 1 or "[]" in names:
            continue
        if found.records:
            fields[names[0]] = st.lists(st.fixed_dictionaries({
                "status": st.sampled_from(["paid", "refunded", "pending"]),
                "total": st.integers(1, 150_000).map(lambda cents: cents / 100),
                "placed_at": value_strategy((), usage.get((root, (*names, "[]", "placed_at")),
                                                          found), NOW, ErrorCounter()),
            }), max_size=6)
        else:
            fields[names[0]] = value_strategy((), found, NOW, ErrorCounter())
    return st.fixed_dictionaries(fields)


def filtering(book: segrules.Book, names: list[str], seconds: float) -> dict[str, float]:
    """Members per second found by drawing random profiles and keeping the members."""
    strategy = random_profiles(book)
    return {name: _members_per_second(book, name, strategy, seconds) for name in names}


def _members_per_second(book: segrules.Book, name: str, strategy: Any, seconds: float
                        ) -> float:
    members, start = [0], time.perf_counter()

    @settings(max_examples=10**6, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def scan(profile: dict[str, Any]) -> None:
        members[0] += book.matches(name, profile, now=NOW)
        if time.perf_counter() - start > seconds:
            raise TimeoutError

    with contextlib.suppress(TimeoutError):
        scan()
    return members[0] / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=100)
    parser.add_argument("--filter-seconds", type=float, default=5.0)
    args = parser.parse_args()
    book = segrules.load(ROOT / "examples" / "segments")
    result = constructive(book, args.draws)
    total = sum(c for c, _, _ in result.values())
    elapsed = sum(t for _, t, _ in result.values())
    cpu = sum(c for _, _, c in result.values())
    for side, (count, seconds, used) in result.items():
        print(f"{side:8} {count:6} draws in {seconds:6.1f} s: {count / seconds:7.1f} draws/s "
              f"({count / used:7.1f} per CPU second)")
    rate = total / elapsed
    print(f"{'all':8} {total:6} draws in {elapsed:6.1f} s: {rate:7.1f} draws/s "
          f"({total / cpu:7.1f} per CPU second)")
    names = ["big_spenders", "vip", "premium_baskets", "north_america_adults"]
    for name, per_second in filtering(book, names, args.filter_seconds).items():
        ratio = f"{rate / per_second:,.0f}x" if per_second else "no member found"
        print(f"filtering random profiles for {name:22}: {per_second:7.2f} members/s "
              f"(constructive: {ratio})")


if __name__ == "__main__":
    main()
