"""The aggregate rule in zen-engine (GoRules' Rust expression engine), for the same-run ratio.

    python benchmarks/bench_zen.py [customers]

zen-engine reads JSON-like data only, so it is handed copies of the profiles with dates and
datetimes written as ISO strings, made before any timing: the conversion a storefront would pay
is not counted against it. Its sums are decimal, like ours.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_matches import customers, handwritten_big_golfers, per_call

EXPRESSION = (
    'sum(map(orders, #.total)) >= 500 and contains(interests, "golf")'
    ' and d(registered_at) >= d().sub(365, "d") and d(registered_at) <= d()'
)


def jsonlike(value: object) -> object:
    """``value`` with dates and datetimes as ISO strings, as zen-engine takes them."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: jsonlike(item) for key, item in value.items()}
    if isinstance(value, list):
        return [jsonlike(item) for item in value]
    return value


def zen_big_golfers() -> Callable[[dict[str, object]], bool]:
    """``big_golfers`` as one compiled zen expression (profiles given by ``jsonlike``)."""
    import zen

    expression = zen.compile_expression(EXPRESSION)

    def big_golfers(profile: dict[str, object]) -> bool:
        return expression.evaluate(profile) is True

    return big_golfers


def zen_big_golfers_on_profiles() -> Callable[[dict[str, object]], bool]:
    """``big_golfers`` in zen-engine for the Python profiles a storefront holds: their dates
    are written as ISO text on every call (the profiles' only non-JSON values are top-level
    dates and datetimes, so only those are converted)."""
    rule = zen_big_golfers()

    def big_golfers(profile: dict[str, object]) -> bool:
        return rule({key: value.isoformat() if isinstance(value, dt.date) else value
                     for key, value in profile.items()})

    return big_golfers


def main(count: int) -> None:
    people = customers(count)
    converted = [jsonlike(p) for p in people]
    zen_rule = zen_big_golfers()
    wrong = sum(zen_rule(c) != handwritten_big_golfers(p)  # type: ignore[arg-type]
                for p, c in zip(people, converted, strict=True))
    (hand,) = per_call([handwritten_big_golfers], people)
    (theirs,) = per_call([zen_rule], converted)  # type: ignore[list-item]
    print(f"handwritten {hand * 1e9:8.0f} ns/call")
    print(f"zen-engine  {theirs * 1e9:8.0f} ns/call   {theirs / hand:.1f}x handwritten"
          f"   ({wrong} disagreements)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
