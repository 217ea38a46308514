"""Whole-book evaluation: ``segments_for`` on books of many segments that share conditions.

    python benchmarks/bench_book.py [--customers 2000] [--sizes 100,1000,2000]

Each segment tests a country, a tier (``one of``) and a spend threshold, drawn from a few
values, as real books do (one segment per country × tier × threshold). The baseline is a loop
over one handwritten function per segment, the code an engineer would write without segrules.
Prints the time per customer, per segment, and the ratio to the loop, for each book size, so
growth with the number of segments shows; checks both give the same segments.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable

import segrules

COUNTRIES = ["United States", "Canada", "Germany", "France", "Japan", "Brazil"]
TIERS = ["bronze", "silver", "gold", "platinum"]

Rule = tuple[str, str, frozenset[str], int]


def rules(count: int) -> list[Rule]:
    return [(f"s{i}", COUNTRIES[i % len(COUNTRIES)],
             frozenset((TIERS[i % len(TIERS)], TIERS[(i // 4) % len(TIERS)])), 100 * (i % 10))
            for i in range(count)]


def text(book: list[Rule]) -> str:
    return "\n".join(
        f'segment {name} {{ include all {{ country is "{country}" '
        f'tier is one of {", ".join(f"{t!r}".replace(chr(39), chr(34)) for t in sorted(tiers))} '
        f"spent >= {threshold} }} }}"
        for name, country, tiers, threshold in book)


def handwritten(rule: Rule) -> Callable[[dict[str, object]], bool]:
    _, country, tiers, threshold = rule

    def segment(p: dict[str, object]) -> bool:
        spent = p.get("spent")
        return (p.get("country") == country and p.get("tier") in tiers
                and type(spent) in (int, float) and spent >= threshold)  # type: ignore[operator]
    return segment


def people(count: int, seed: int = 3) -> list[dict[str, object]]:
    rng = random.Random(seed)
    return [{"id": f"c-{i}", "country": rng.choice(COUNTRIES), "tier": rng.choice(TIERS),
             "spent": rng.randrange(0, 1200)} for i in range(count)]


def best(function: Callable[[dict[str, object]], object], customers: list[dict[str, object]],
         rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for person in customers:
            function(person)
        times.append(time.perf_counter() - start)
    return min(times) / len(customers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--sizes", default="100,1000,2000")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    customers = people(args.customers)
    print(f"{'segments':>8} {'segments_for':>14} {'loop of functions':>18} "
          f"{'ns/segment':>11} {'ratio':>6}")
    for size in (int(s) for s in args.sizes.split(",")):
        book_rules = rules(size)
        book = segrules.loads(text(book_rules))
        functions = [(rule[0], handwritten(rule)) for rule in book_rules]

        def loop(p: dict[str, object], functions: list[tuple[str, Callable[..., bool]]]
                 = functions) -> frozenset[str]:
            return frozenset(name for name, function in functions if function(p))

        wrong = sum(book.segments_for(p) != loop(p) for p in customers)
        ours = best(book.segments_for, customers, args.rounds)
        hand = best(loop, customers, args.rounds)
        print(f"{size:>8} {ours * 1e6:>11.1f} µs {hand * 1e6:>15.1f} µs "
              f"{ours / size * 1e9:>11.0f} {ours / hand:>6.3f}"
              + (f"   {wrong} DISAGREEMENTS" if wrong else ""))


if __name__ == "__main__":
    main()
