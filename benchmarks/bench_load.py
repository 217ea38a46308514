"""Start-up and load figures: `import segrules`, the first `loads`, and a 1,000-segment book
(parsed, checked and compiled to Python functions).

    python benchmarks/bench_load.py [--segments 1000] [--repeat 5]

Times are best-of-N wall-clock seconds; peak memory is measured in a separate run under
tracemalloc (which slows Python down, so it is never mixed with a timing).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from make_book import book


def fresh_process(code: str, repeat: int) -> float:
    """Best wall time of ``code`` in a new interpreter, minus an empty interpreter's."""

    def best(snippet: str) -> float:
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", snippet], check=True)
            times.append(time.perf_counter() - start)
        return min(times)

    return best(code) - best("pass")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--segments", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import_s = fresh_process("import segrules", args.repeat)
    first_s = fresh_process(
        "import segrules; segrules.loads('segment a { include where x is 1 }')", args.repeat
    )
    text = book(args.segments)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "book.seg"
        path.write_text(text)
        import segrules

        segrules.loads("segment warm { include everyone }")  # parser built once, not per load
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            loaded = segrules.load(path)
            times.append(time.perf_counter() - start)
        del loaded
        tracemalloc.start()
        loaded = segrules.load(path)
        held, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

    print(f"import segrules                 {import_s * 1000:8.1f} ms")
    print(f"import + first loads (parser)   {first_s * 1000:8.1f} ms")
    print(f"load {len(loaded.names):,} segments ({len(text) / 1e6:.2f} MB)  "
          f"{min(times):8.2f} s  ({min(times) / len(loaded.names) * 1000:.2f} ms/segment)")
    print(f"peak memory during that load    {peak / 2**20:8.1f} MiB")
    print(f"memory the compiled book holds  {held / 2**20:8.1f} MiB")


if __name__ == "__main__":
    main()
