"""What checking against a schema adds to loading a book: the 1,000-segment book of
``make_book.py`` loaded without and with a schema of the attributes it reads.

    python benchmarks/bench_schema.py [--segments 1000] [--repeat 5]

Both loads run in this process, alternating, so they see the same machine; each figure is the
best of ``--repeat`` wall-clock times. The ratio is with / without.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from make_book import COUNTRIES, book

import segrules
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
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--segments", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    text = book(args.segments)
    schema = Schema.from_json_schema(SCHEMA)
    segrules.loads(text, schema=schema)  # warm up, and prove the book fits the schema
    without = with_schema = float("inf")
    for _ in range(args.repeat):  # alternate, so a busy moment hits both alike
        without = min(without, best(lambda: segrules.loads(text), 1))
        with_schema = min(with_schema, best(lambda: segrules.loads(text, schema=schema), 1))
    extra = with_schema - without
    print(f"segments: {args.segments} (best of {args.repeat})")
    print(f"load without schema: {without:.3f} s")
    print(f"load with schema:    {with_schema:.3f} s")
    print(f"extra: {extra * 1000:.1f} ms ({extra / without:+.1%}); ratio {with_schema / without:.3f}")


if __name__ == "__main__":
    main()
