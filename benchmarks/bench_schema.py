"""What checking against a schema adds to loading a book: the 1,000-segment book of
``make_book.py`` loaded without and with a schema of the attributes it reads.

    python benchmarks/bench_schema.py [--segments 1000] [--repeat 5]

Two figures, each the best of ``--repeat`` times, with and without the schema alternating so
that both see the same machine: the whole load (parse, check, compile), and the checker alone
on the parsed book, which is where the schema's work happens. Times are the process's CPU
time, which other processes on a shared machine disturb far less than wall-clock time; the
difference of two whole loads is still mostly noise, the checker's is the cost itself.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from make_book import COUNTRIES, book

import segrules
from segrules.checker import check
from segrules.parser import parse
from segrules.schema import Schema

#: The attributes make_book's segments read, typed as a storefront's export would have them.
SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "country": {"enum": COUNTRIES},
        "age": {"type": ["integer", "null"]},
        "email": {"type": "string"},
        "birth_date": {"type": "string", "format": "date"},
        "interests": {"type": "array", "items": {"type": "string"}},
        "orders": {"type": "array", "items": {
            "type": "object",
            "properties": {
                "total": {"type": "number"},
                "status": {"enum": ["paid", "refunded", "cancelled"]},
                "placed_at": {"type": "string", "format": "date-time"},
            },
            "additionalProperties": False,
        }},
    },
    "additionalProperties": False,
    "x-segrules-session": {
        "type": "object",
        "properties": {"device": {"enum": ["mobile", "desktop", "tablet"]}},
        "additionalProperties": False,
    },
}


def best(action: Callable[[], object], repeat: int) -> float:
    """The best of ``repeat`` CPU times, with the collector paused as ``load`` does."""
    times = []
    for _ in range(repeat):
        gc.disable()
        try:
            start = time.process_time()
            action()
            times.append(time.process_time() - start)
        finally:
            gc.enable()
    return min(times)


def pair(without: Callable[[], object], with_schema: Callable[[], object], repeat: int
         ) -> tuple[float, float]:
    """Best times of the two actions, run alternately."""
    times = [float("inf"), float("inf")]
    for _ in range(repeat):
        times[0] = min(times[0], best(without, 1))
        times[1] = min(times[1], best(with_schema, 1))
    return times[0], times[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--segments", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    text = book(args.segments)
    schema = Schema.from_json_schema(SCHEMA)
    segrules.loads(text, schema=schema)  # warm up, and prove the book fits the schema
    document = parse(text)
    load = pair(lambda: segrules.loads(text), lambda: segrules.loads(text, schema=schema),
                args.repeat)
    checker = pair(lambda: check(document), lambda: check(document, schema=schema),
                   args.repeat * 4)
    extra = checker[1] - checker[0]
    print(f"segments: {args.segments} (best of {args.repeat} loads, {args.repeat * 4} checks)")
    print(f"load:    without schema {load[0]:.3f} s, with {load[1]:.3f} s "
          f"(ratio {load[1] / load[0]:.3f})")
    print(f"checker: without schema {checker[0] * 1000:.1f} ms, with {checker[1] * 1000:.1f} ms")
    print(f"extra load time the schema costs: {extra * 1000:.1f} ms, "
          f"{extra / load[0]:.1%} of a load without schema")


if __name__ == "__main__":
    main()
