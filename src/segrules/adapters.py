"""Reading attribute paths from whatever a storefront calls a profile, and computed attributes.

A profile may be a dict (the fast path), any other mapping, or an object (a dataclass, an attrs
class, an ORM row). Reading is deliberately narrow, because segment text is written by people
outside engineering: a mapping is read by key only, so ``keys`` on a dict is the key "keys" and
never the method; an object is read by attribute, never one whose name starts with ``_``; a
callable is never returned or called; and a one-shot iterator is never returned or advanced. Each
of those, like an absent key, is *missing*. A list is data, not a record: a path through one is
missing (``orders.total``; ``dict_values`` would otherwise expose its ``mapping``). A reader
is built once per path at load, so evaluation does no parsing or dispatch on names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from numbers import Number
from typing import Any

from .lists import DATA_TYPES, is_list, is_missing
from .runtime import ErrorCounter

__all__ = ["NO_ID", "Attributes", "customer_id", "id_text", "reader", "step"]

Computed = Callable[[Any, dt.datetime], Any]
Reader = Callable[..., Any]

# Built-in values are data, not records: `price.real` or `name.upper` is missing. Any number
# (NumPy scalars too) is a value; the concrete classes come first for speed.
_OPAQUE = (str, bytes, bytearray, int, float, complex, Decimal, dt.date, dt.time, dt.timedelta,
           list, tuple, set, frozenset, Number)


class Attributes:
    """Computed attributes an application registers and passes to ``Book(..., attributes=…)``.

    A top-level name registered here is computed by ``function(profile, now)`` instead of read
    from the profile, e.g. an ``age`` derived from a birth date or a ``lifetime_value`` from an
    order service. The book resolves names when it loads, so paths that are not computed pay
    nothing; an exception inside the function makes the attribute missing and is counted.
    """

    def __init__(self) -> None:
        self._functions: dict[str, Computed] = {}

    def register(self, name: str, function: Computed | None = None) -> Any:
        """Register ``function`` under ``name``; without ``function``, a decorator."""
        if function is not None:
            self._functions[name] = function
            return function

        def decorate(function: Computed) -> Computed:
            self._functions[name] = function
            return function
        return decorate

    def get(self, name: str) -> Computed | None:
        return self._functions.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._functions

    def __iter__(self) -> Iterator[str]:
        return iter(tuple(self._functions))

    def __len__(self) -> int:
        return len(self._functions)

    def snapshot(self) -> dict[str, Computed]:
        """A copy the book keeps, so registering later does not change a loaded book."""
        return dict(self._functions)


def step(value: object, name: str) -> object:
    """One step of a path: a key of a mapping, a public attribute of an object, else None."""
    if type(value) is dict or isinstance(value, Mapping):
        found = value.get(name)
    elif (value is None or name.startswith("_") or isinstance(value, _OPAQUE)
          or is_missing(value) or is_list(value)):
        return None
    else:
        found = getattr(value, name, None)
    return found if type(found) in DATA_TYPES or not is_missing(found) else None


def reader(names: tuple[str, ...], errors: ErrorCounter,
           computed: Computed | None = None) -> Reader:
    """A function reading ``names`` from a root: ``read(root)``, or ``read(root, now, memo)``
    when the first name is ``computed``. A root of None (no profile, no session) has nothing
    to read.

    ``memo`` is the evaluation's memo: the computed value is kept there under a key no segment
    name can take, so one evaluation calls each computed attribute at most once, however many
    segments and conditions read it (it may be a remote call), a failure included.
    """
    rest = names[1:] if computed is not None else names

    def walk(value: object) -> object:
        try:
            for name in rest:
                if value is None:
                    return None
                value = step(value, name)
            return value
        except Exception:
            errors.add()
            return None
    if computed is None:
        return walk
    key = (_COMPUTED, names[0])

    def compute(root: object, now: dt.datetime, memo: dict[Any, Any]) -> object:
        if root is None:
            return None
        value = memo.get(key, _COMPUTED)
        if value is _COMPUTED:
            try:
                value = computed(root, now)
            except Exception:
                errors.add()
                value = None
            memo[key] = value = None if is_missing(value) else value
        return walk(value)
    return compute


# Marks computed values in an evaluation's memo (segment names are strings), and "not yet".
_COMPUTED = object()


# An id was given but has no text: explicit lists and membership stores never match it, and
# the profile's own `id` is not consulted instead.
NO_ID = object()


def id_text(value: object) -> str | None:
    """A customer id as the exact string explicit lists compare (ids compare as ``str``).

    None when it has no usable text: ``str()`` may raise anything (an int over Python's
    4,300-digit conversion limit, a hostile ``__str__``) or return a string subclass whose
    comparisons cannot be trusted; such an id is no id, and the rules alone decide.
    """
    if type(value) is str:
        return value
    try:
        text = value if isinstance(value, str) else str(value)
        return str.__str__(text) if isinstance(text, str) else None
    except Exception:
        return None


def customer_id(profile: object, errors: ErrorCounter) -> str | None:
    """The profile's ``id`` attribute as a string (ids compare as ``str``), or None."""
    try:
        found = step(profile, "id")
    except Exception:
        errors.add()
        return None
    return None if found is None else id_text(found)
