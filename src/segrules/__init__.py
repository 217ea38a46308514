"""segrules: customer segmentation rules for e-commerce, compiled to Python (and SQL).

    >>> import segrules
    >>> book = segrules.loads('segment vip { groups "VIP" include where spent >= 500 }')
    >>> book.matches("vip", {"spent": 620})
    True
    >>> sorted(book.groups_for({"spent": 620}))
    ['VIP']

The names below are the public API (SPEC §4). They are imported on first use, so
``import segrules`` stays cheap for programs that only load a book at start-up.
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
    "Target": "targets",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'segrules' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
