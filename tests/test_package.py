"""The package itself: its version, what ``dir`` shows, and docs that stand on their own."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

import segrules

ROOT = Path(__file__).resolve().parent.parent


def test_the_version_is_the_installed_distributions() -> None:
    assert segrules.__version__ == metadata.version("segrules")
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", segrules.__version__)


def test_a_source_checkout_that_is_not_installed_reads_its_version_from_pyproject(
    tmp_path: Path,
) -> None:
    # Copy the package beside a pyproject, where no installed distribution can answer.
    (tmp_path / "src").mkdir()
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "segrules"\nversion = "9.8.7"\n')
    subprocess.run(["cp", "-r", str(ROOT / "src" / "segrules"), str(tmp_path / "src")],
                   check=True)
    code = (
        "import importlib.metadata as m, sys\n"
        "def missing(name): raise m.PackageNotFoundError(name)\n"
        "m.version = missing\n"
        "import segrules\n"
        "print(segrules.__file__, segrules.__version__)\n"
    )
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env={"PYTHONPATH": str(tmp_path / "src")}, check=True)
    path, version = child.stdout.split()
    assert Path(path).is_relative_to(tmp_path)
    assert version == "9.8.7"


def test_dir_lists_the_public_api_and_no_helpers() -> None:
    names = dir(segrules)
    assert set(segrules.__all__) <= set(names)
    assert "__version__" in names
    assert [n for n in names if not n.startswith("__")] == sorted(segrules.__all__)
    for name in segrules.__all__:
        assert getattr(segrules, name) is not None


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'Bok'"):
        segrules.Bok  # noqa: B018


# The docs are the public contract: they, the docstrings and the messages stand on their own
# and never send a reader to a document the reader does not have.
CITATION = re.compile(r"\bspec\b|§", re.IGNORECASE)


def published_files() -> list[Path]:
    files = [ROOT / "README.md", *(ROOT / "docs").rglob("*"), *(ROOT / "src").rglob("*")]
    return sorted(f for f in files if f.is_file() and f.suffix not in {".pyc", ".typed"})


def test_nothing_published_cites_the_internal_spec() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in published_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if CITATION.search(line)
    ]
    assert found == []
