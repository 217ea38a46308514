"""Which data values are lists, and which values count as missing.

One definition shared by the predicates, the aggregates, attribute paths, the generated code and
``explain``: a list is any ``collections.abc.Collection`` that is not text, bytes or a mapping —
a list, tuple, set, a ``dict_values`` view, a ``deque``, an ORM's custom sequence. A one-shot
iterator (a generator, ``map``, a file) is not a list: reading it would consume the customer's
data for every later condition and every other segment, so it is *missing*, like ``None`` and a
callable, and is never advanced.

Bytes (``bytes``, ``bytearray``, ``memoryview``) and ``UserString`` are neither lists nor
strings: present values of another type that match no comparison, as types never coerce.
"""

from __future__ import annotations

import datetime as dt
from collections import UserString
from collections.abc import Collection, Iterator, Mapping
from decimal import Decimal
from typing import Any, TypeGuard

__all__ = ["DATA_TYPES", "LIST_TYPES", "is_list", "is_missing"]

#: The built-in list classes, tested by exact type before any ABC check (the fast path).
LIST_TYPES = frozenset((list, tuple, set, frozenset))
#: Classes of plain data: present, never callable, never an iterator, a list only if listed above.
DATA_TYPES = LIST_TYPES | {str, int, float, bool, Decimal, dt.date, dt.datetime, dict}

# Collections that are one value, not a list of values: text, bytes, mappings.
_NOT_LISTS = (str, bytes, bytearray, memoryview, UserString, Mapping)


def is_list(value: object) -> TypeGuard[Collection[Any]]:
    """Whether ``value`` is list-valued: a ``Collection`` that is not text, bytes or a mapping."""
    kind = type(value)
    if kind in LIST_TYPES:
        return True
    if kind in DATA_TYPES:
        return False
    return isinstance(value, Collection) and not isinstance(value, _NOT_LISTS)


def is_missing(value: object) -> bool:
    """Whether ``value`` is missing: None, a callable (never called) or a one-shot iterator
    (never consumed)."""
    return value is None or callable(value) or isinstance(value, Iterator)
