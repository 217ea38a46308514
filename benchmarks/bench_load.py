"""Start-up, load and memory figures for a 1,000-segment book (parsed, checked, compiled).

    python benchmarks/bench_load.py [--segments 1000] [--repeat 5] [--reloads 20]

Start-up times are best-of-N wall-clock seconds. The load, in CPU seconds, is compared in the
same run, rounds interleaved, with rule-engine parsing the same segments written in its syntax
(``make_book.rule_engine_rules``: one rule per segment, the same conditions). A load compiles
segments on first use, so the load followed by ``prepare()`` (everything compiled, the index
built) and the first ``matches`` of one segment after a load are timed too. Peak memory is
measured in a separate load under tracemalloc (which slows Python down, so it is never mixed
with a timing); "held" is what the loaded book keeps, as loaded and after ``prepare()``. The
reload figures show that dropping a book gives back the generated sources it put in
``linecache``: loaded, prepared and dropped, and through a ``Reloader`` whose file changes on
every reload.
"""

from __future__ import annotations

import argparse
import gc
import linecache
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from make_book import book, rule_engine_rules

import segrules


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


def load_against_rule_engine(path: Path, rules: list[str], repeat: int) -> dict[str, float]:
    """Best-of-``repeat`` CPU seconds to load ``path`` (segments are compiled on first use),
    to load it and ``prepare()`` it (every segment compiled, the index built), and for
    rule-engine to parse ``rules``; and the CPU milliseconds of the first ``matches`` of one
    segment after a load (it compiles that segment and those it references). CPU time: on a
    shared machine the wait for a core is not the code's cost; it counts every thread."""
    import rule_engine

    context = rule_engine.Context(default_value=None)
    # Both parsers are built once per process, before any timing.
    segrules.loads("segment warm { include everyone }").prepare()
    rule_engine.Rule("warm == 1", context=context)
    ours, prepared, first, theirs = [], [], [], []
    for _ in range(repeat):
        start = time.process_time()
        loaded = segrules.load(path)
        ours.append(time.process_time() - start)
        name = loaded.names[len(loaded) // 2]
        start = time.process_time()
        loaded.matches(name, {"country": "Canada", "age": 30})
        first.append(time.process_time() - start)
        del loaded
        start = time.process_time()
        parsed = [rule_engine.Rule(rule, context=context) for rule in rules]
        theirs.append(time.process_time() - start)
        del parsed
        start = time.process_time()
        loaded = segrules.load(path).prepare()
        prepared.append(time.process_time() - start)
        del loaded
    return {"load_s": min(ours), "prepared_s": min(prepared), "rule_engine_s": min(theirs),
            "first_matches_ms": min(first) * 1000}


def memory(path: Path) -> dict[str, float]:
    """Peak bytes allocated during one load, and bytes the loaded book still holds, per
    segment, as loaded (nothing compiled yet) and after ``prepare()``; generated sources kept
    in ``linecache`` count as held."""
    segrules.loads("segment warm { include everyone }").prepare()
    gc.collect()
    tracemalloc.start()
    loaded = segrules.load(path)
    held, peak = tracemalloc.get_traced_memory()
    loaded.prepare()
    gc.collect()
    prepared = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return {"peak_bytes": peak, "held_bytes": held,
            "held_per_segment_bytes": held / len(loaded),
            "prepared_held_bytes": prepared,
            "prepared_held_per_segment_bytes": prepared / len(loaded)}


def _linecache_bytes() -> int:
    return sum(entry[0] for entry in list(linecache.cache.values()))


def linecache_growth(path: Path, reloads: int) -> dict[str, float]:
    """``linecache`` bytes and entries left behind per reload (0 when nothing leaks): books
    loaded and dropped, then a ``Reloader`` whose file changes before every reload."""
    gc.collect()
    empty = _linecache_bytes()
    alive = segrules.load(path).prepare()  # every segment compiled: all its sources
    registered = _linecache_bytes() - empty  # what a live book keeps there, for tracebacks
    del alive
    gc.collect()
    before, entries = _linecache_bytes(), len(linecache.cache)
    for _ in range(reloads):
        segrules.load(path).prepare()
        gc.collect()
    dropped = (_linecache_bytes() - before) / reloads
    dropped_entries = (len(linecache.cache) - entries) / reloads
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "book.seg"
        text = path.read_text()
        target.write_text(text)
        reloader = segrules.Reloader(folder)
        gc.collect()
        before, entries = _linecache_bytes(), len(linecache.cache)
        for index in range(reloads):
            target.write_text(text + f"# edit {index}\n")
            assert reloader.reload(), "the Reloader did not see the change"
            gc.collect()
        swapped = (_linecache_bytes() - before) / reloads
        swapped_entries = (len(linecache.cache) - entries) / reloads
        segments = len(reloader.book)
    return {"linecache_bytes_alive": registered,
            "linecache_bytes_per_reload": dropped, "linecache_entries_per_reload": dropped_entries,
            "reloader_bytes_per_reload": swapped, "reloader_entries_per_reload": swapped_entries,
            "reload_segments": segments}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--segments", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reloads", type=int, default=20)
    args = parser.parse_args()

    import_s = fresh_process("import segrules", args.repeat)
    first_s = fresh_process(
        "import segrules; segrules.loads('segment a { include where x is 1 }')", args.repeat
    )
    text = book(args.segments)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "book.seg"
        path.write_text(text)
        timed = load_against_rule_engine(path, rule_engine_rules(args.segments), args.repeat)
        used = memory(path)
        leaks = linecache_growth(path, args.reloads)

    print(f"import segrules                 {import_s * 1000:8.1f} ms")
    print(f"import + first loads (parser)   {first_s * 1000:8.1f} ms")
    print(f"load {args.segments:,} segments ({len(text) / 1e6:.2f} MB)  "
          f"{timed['load_s']:8.2f} s  ({timed['load_s'] / args.segments * 1000:.2f} ms/segment,"
          " compiled on first use)")
    print(f"rule-engine parses the same     {timed['rule_engine_s']:8.2f} s  "
          f"(load / parse: {timed['load_s'] / timed['rule_engine_s']:.2f})")
    print(f"load, then prepare()            {timed['prepared_s']:8.2f} s  "
          f"(every segment compiled, index built; / parse: "
          f"{timed['prepared_s'] / timed['rule_engine_s']:.2f})")
    print(f"first matches of one segment    {timed['first_matches_ms']:8.2f} ms (after the load)")
    print(f"peak memory during that load    {used['peak_bytes'] / 2**20:8.1f} MiB")
    print(f"memory the loaded book holds    {used['held_bytes'] / 2**20:8.1f} MiB  "
          f"({used['held_per_segment_bytes'] / 1024:.1f} KiB/segment)")
    print(f"... after prepare()             {used['prepared_held_bytes'] / 2**20:8.1f} MiB  "
          f"({used['prepared_held_per_segment_bytes'] / 1024:.1f} KiB/segment)")
    print(f"linecache held by a live book   {leaks['linecache_bytes_alive'] / 2**20:8.1f} MiB")
    print(f"linecache growth per reload     {leaks['linecache_bytes_per_reload']:8.0f} bytes "
          f"(load and drop), {leaks['reloader_bytes_per_reload']:.0f} bytes (Reloader)")


if __name__ == "__main__":
    main()
