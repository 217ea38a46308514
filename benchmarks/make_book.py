"""Writes a synthetic book of N segments exercising every clause kind, for load benchmarks.

Deterministic (seeded): ``python benchmarks/make_book.py 1000 > /tmp/book.seg``.
``rule_engine_rules(N)`` gives the same N segments as rule-engine expressions (one rule per
segment, the same conditions in its syntax), so a load can be compared with rule-engine
parsing the same rules (``bench_load.py``).
"""

from __future__ import annotations

import random
import sys

COUNTRIES = ["United States", "Canada", "Germany", "France", "Japan", "Brazil"]
INTERESTS = ["golf", "sailing", "tennis", "cooking", "travel", "books"]

_REGEX = r"^[a-z0-9.]+@\w+\.com$"


def _quoted(*values: str) -> str:
    return ", ".join(f'"{value}"' for value in values)


def condition(rng: random.Random, index: int) -> tuple[str, str]:
    """One random condition line, in segrules and in rule-engine syntax; references point only
    at earlier segments (no cycles)."""
    kind = rng.randrange(10)
    if kind == 0:
        pair = rng.choice(COUNTRIES), rng.choice(COUNTRIES)
        return f"country is one of {_quoted(*pair)}", f"country in [{_quoted(*pair)}]"
    if kind == 1:
        low, high = rng.randint(18, 30), rng.randint(31, 80)
        return f"age is between {low} and {high}", f"(age >= {low} and age <= {high})"
    if kind == 2:
        least = rng.randint(10, 5000)
        return (f'sum(orders.total where status is "paid") >= {least}',
                f'$sum([o.total for o in orders if o.status == "paid"]) >= {least}')
    if kind == 3:
        days = rng.randint(7, 365)
        return (f"count(orders where placed_at within last {days} days) >= 2",
                f'[o for o in orders if o.placed_at >= $now - t"P{days}D"'
                " and o.placed_at <= $now].length >= 2")
    if kind == 4:
        pair = rng.choice(INTERESTS), rng.choice(INTERESTS)
        return (f"interests contains any of {_quoted(*pair)}",
                f"$any([i in interests for i in [{_quoted(*pair)}]])")
    if kind == 5:
        return ('email ends with "@example.com" ignoring case',
                'email.as_lower.ends_with("@example.com")')
    if kind == 6:
        return f"email matches /{_REGEX}/", 'email =~~ "{}"'.format(_REGEX.replace("\\", "\\\\"))
    if kind == 7:
        years = rng.randint(18, 65)
        return f"years_since(birth_date) >= {years}", f"($now - birth_date).days // 365 >= {years}"
    if kind == 8 and index > 0:
        # rule-engine has no references: the other segment's answer is handed in as data.
        other = rng.randrange(index)
        return f"in segment seg_{other}", f"segments.seg_{other}"
    return 'session.device is "mobile"', 'session.device == "mobile"'


def _segment(rng: random.Random, index: int) -> tuple[str, str]:
    lines = [
        f"segment seg_{index} {{",
        f'    title "Segment number {index}"',
        f'    groups "g{index % 50}", "tier{index % 5}"',
        "    active from 2026-01-01 until 2027-01-01",
    ]
    blocks = []
    for block, joint in (("all", " and "), ("any", " or ")):
        lines.append(f"    include {block} {{")
        pairs = [condition(rng, index) for _ in range(rng.randint(2, 5))]
        lines += [f"        {ours}" for ours, _ in pairs]
        lines.append("    }")
        blocks.append("(" + joint.join(theirs for _, theirs in pairs) + ")")
    lines.append("    exclude where age < 18 or age does not exist")
    ids = f'"c-{index}", "c-{index + 1}"'
    lines.append(f"    include customers {ids}")
    lines.append("}")
    rule = (f'$now >= d"2026-01-01" and $now < d"2027-01-01" and (id in [{ids}]'
            f" or (({' or '.join(blocks)}) and not (age < 18 or age == null)))")
    return "\n".join(lines), rule


def _segments(count: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    return [_segment(rng, i) for i in range(count)]


def book(count: int, seed: int = 7) -> str:
    return "\n\n".join(ours for ours, _ in _segments(count, seed)) + "\n"


def rule_engine_rules(count: int, seed: int = 7) -> list[str]:
    """The segments of ``book(count, seed)`` as rule-engine expressions, one per segment."""
    return [theirs for _, theirs in _segments(count, seed)]


if __name__ == "__main__":
    sys.stdout.write(book(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
