"""Schema inference: ``Schema.infer`` on the example customers, against reading them.

    python benchmarks/bench_infer.py [--customers examples/data/customers.jsonl] [--runs 3]

Generate the customers first (``python examples/generate_customers.py``: 10,000, seed 42).
Prints, per run, the time to parse the JSON Lines into dicts (the least any reader does) and
the time ``Schema.infer`` then takes over those dicts, and their ratio, so the cost of inference
shows next to the cost of reading the same data. Times are CPU times of this process, which a
busy machine disturbs less than wall-clock times; the wall-clock time of inference is shown too.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import segrules


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", default="examples/data/customers.jsonl")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    lines = Path(args.customers).read_text(encoding="utf-8").splitlines()
    for run in range(1, args.runs + 1):
        started = time.process_time()
        customers = [json.loads(line) for line in lines if line.strip()]
        parsed, wall = time.process_time(), time.perf_counter()
        schema = segrules.Schema.infer(customers)
        inferred, wall = time.process_time(), time.perf_counter() - wall
        read, infer = parsed - started, inferred - parsed
        print(f"run {run}: {len(customers)} customers, {len(schema.paths())} paths: "
              f"json.loads {read * 1000:.0f} ms, infer {infer * 1000:.0f} ms CPU "
              f"({infer / read:.2f}x reading; {wall * 1000:.0f} ms wall)")


if __name__ == "__main__":
    main()
