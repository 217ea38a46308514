"""Writes a synthetic book of N segments exercising every clause kind, for load benchmarks.

Deterministic (seeded): ``python benchmarks/make_book.py 1000 > /tmp/book.seg``.
"""

from __future__ import annotations

import random
import sys

COUNTRIES = ["United States", "Canada", "Germany", "France", "Japan", "Brazil"]
INTERESTS = ["golf", "sailing", "tennis", "cooking", "travel", "books"]


def condition(rng: random.Random, index: int) -> str:
    """One random condition line; references point only at earlier segments (no cycles)."""
    kind = rng.randrange(10)
    if kind == 0:
        return f'country is one of "{rng.choice(COUNTRIES)}", "{rng.choice(COUNTRIES)}"'
    if kind == 1:
        return f"age is between {rng.randint(18, 30)} and {rng.randint(31, 80)}"
    if kind == 2:
        return f'sum(orders.total where status is "paid") >= {rng.randint(10, 5000)}'
    if kind == 3:
        return f"count(orders where placed_at within last {rng.randint(7, 365)} days) >= 2"
    if kind == 4:
        return f'interests contains any of "{rng.choice(INTERESTS)}", "{rng.choice(INTERESTS)}"'
    if kind == 5:
        return 'email ends with "@example.com" ignoring case'
    if kind == 6:
        return r"email matches /^[a-z0-9.]+@\w+\.com$/"
    if kind == 7:
        return f"years_since(birth_date) >= {rng.randint(18, 65)}"
    if kind == 8 and index > 0:
        return f"in segment seg_{rng.randrange(index)}"
    return 'session.device is "mobile"'


def segment(rng: random.Random, index: int) -> str:
    lines = [
        f"segment seg_{index} {{",
        f'    title "Segment number {index}"',
        f'    groups "g{index % 50}", "tier{index % 5}"',
        "    active from 2026-01-01 until 2027-01-01",
    ]
    for block in ("all", "any"):
        lines.append(f"    include {block} {{")
        lines += [f"        {condition(rng, index)}" for _ in range(rng.randint(2, 5))]
        lines.append("    }")
    lines.append("    exclude where age < 18 or age does not exist")
    lines.append(f'    include customers "c-{index}", "c-{index + 1}"')
    lines.append("}")
    return "\n".join(lines)


def book(count: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    return "\n\n".join(segment(rng, i) for i in range(count)) + "\n"


if __name__ == "__main__":
    sys.stdout.write(book(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
