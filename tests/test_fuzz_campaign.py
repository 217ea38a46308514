"""The seeded mutation campaign (``benchmarks/fuzz_campaign.py``), on a CI budget.

A fixed seed and a fixed number of cases, so a red run is the same red run on every machine and
``python benchmarks/fuzz_campaign.py --seed S --case I`` replays any finding. Set
``SEGRULES_FUZZ_SEED`` to try other seeds and ``SEGRULES_FUZZ_SCALE`` for more cases.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import hostile

ROOT = Path(__file__).resolve().parent.parent
CASES = 100


def _script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "fuzz_campaign", ROOT / "benchmarks" / "fuzz_campaign.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_the_mutation_campaign_finds_nothing() -> None:
    seed = int(os.environ.get("SEGRULES_FUZZ_SEED", "0"))
    report = _script().run(seed, cases=CASES * hostile.scale())
    assert sum(report.cases.values()) == CASES * hostile.scale()
    assert all(report.cases.values()), report.cases  # every kind of case ran
    assert not report.findings, report.render()
