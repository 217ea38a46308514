"""The one place patterns are compiled: RE2, linear time, quiet.

RE2 never backtracks, so no pattern a marketer writes can stall a storefront. Its C++ side logs
parse errors to stderr by default; we report them as diagnostics instead, so logging is off.
"""

from __future__ import annotations

import functools
from typing import Any

import re2

from .limits import lone_surrogate


@functools.lru_cache(maxsize=4096)
def compile_pattern(pattern: str, ignore_case: bool = False) -> Any:
    """A compiled RE2 pattern; raises ``re2.error`` on an invalid one (see ``pattern_error``)."""
    options = re2.Options()
    options.log_errors = False
    options.case_sensitive = not ignore_case
    return re2.compile(pattern, options)


def pattern_error(pattern: str) -> str | None:
    """Why ``pattern`` is not valid RE2, or None when it is."""
    if lone_surrogate(pattern):  # RE2 reads UTF-8, which cannot hold one
        return "a lone surrogate is not a character"
    try:
        compile_pattern(pattern)
    except re2.error as error:
        reason = error.args[0] if error.args else error
        return reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
    return None
