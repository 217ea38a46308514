"""segrules: customer segmentation rules for e-commerce, compiled to Python (and SQL).

    >>> import segrules
    >>> book = segrules.loads('segment vip { groups "VIP" include where spent >= 500 }')
    >>> book.matches("vip", {"spent": 620})
    True
    >>> sorted(book.groups_for({"spent": 620}))
    ['VIP']

The names below are the public API, described in the docs (docs/python-api.md). They are
imported on first use, so ``import segrules`` stays cheap for programs that only load a book
at start-up.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .adapters import Attributes
    from .book import Book, GroupProvenance
    from .errors import (
        Diagnostic,
        SegrulesError,
        SegrulesReferenceError,
        SegrulesSyntaxError,
        SegrulesValueError,
        UnknownSegmentError,
    )
    from .explain import Explanation
    from .jsonform import from_json, to_json
    from .loader import load, loads
    from .membership import Membership, MembershipStore, MemoryMembership
    from .printer import dumps
    from .reloader import Reloader
    from .schema import Schema
    from .targets import Target

__all__ = [
    "Attributes",
    "Book",
    "Diagnostic",
    "Explanation",
    "GroupProvenance",
    "Membership",
    "MembershipStore",
    "MemoryMembership",
    "Reloader",
    "Schema",
    "SegrulesError",
    "SegrulesReferenceError",
    "SegrulesSyntaxError",
    "SegrulesValueError",
    "Target",
    "UnknownSegmentError",
    "dumps",
    "from_json",
    "load",
    "loads",
    "to_json",
]

_HOMES = {
    "Attributes": "adapters",
    "Book": "book",
    "GroupProvenance": "book",
    "Diagnostic": "errors",
    "SegrulesError": "errors",
    "SegrulesReferenceError": "errors",
    "SegrulesSyntaxError": "errors",
    "SegrulesValueError": "errors",
    "UnknownSegmentError": "errors",
    "Explanation": "explain",
    "from_json": "jsonform",
    "to_json": "jsonform",
    "load": "loader",
    "loads": "loader",
    "Membership": "membership",
    "MembershipStore": "membership",
    "MemoryMembership": "membership",
    "dumps": "printer",
    "Reloader": "reloader",
    "Schema": "schema",
    "Target": "targets",
}


__version__: str  # looked up on first use, like the names above


def __getattr__(name: str) -> Any:
    if name == "__version__":
        value: Any = _version()
    else:
        home = _HOMES.get(name)
        if home is None:
            raise AttributeError(f"module 'segrules' has no attribute {name!r}")
        value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    # The public API, not the helpers this module imports for itself.
    dunders = [name for name in globals() if name.startswith("__") and name.endswith("__")]
    return sorted({*__all__, *dunders, "__version__"})


def _version() -> str:
    """The installed distribution's version; in a source tree that is not installed, the
    version its pyproject.toml declares."""
    from importlib import metadata

    try:
        return metadata.version("segrules")
    except metadata.PackageNotFoundError:
        pass
    import tomllib
    from pathlib import Path

    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    try:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
    except (OSError, ValueError):
        project = {}
    if project.get("name") == "segrules" and isinstance(project.get("version"), str):
        return str(project["version"])
    return "0+unknown"
