"""The arguments of one evaluation, made safe once: the moment, the customer id and the store.

``matches``, ``segments_for``, ``membership``, ``groups_for``, targets and ``explain`` take the
same keyword arguments from storefront code, and evaluation never raises on odd values. Each
argument is turned here, once per call, into a value every comparison can use, so the generated
code and the explanation read the same thing: an id whose ``str()`` fails is no id, a store that
is not a string is a store no segment lists, and a ``now`` whose time zone fails cannot place a
window, so the evaluation fails (every segment is not a member, and the failure is counted).
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

from . import adapters, runtime

__all__ = ["KEYWORDS", "NOT_A_STORE", "UnusableMoment", "customer_id", "keywords_only",
           "moment", "positional_options", "store"]

_Function = TypeVar("_Function", bound=Callable[..., Any])

#: The default of ``_keywords``, the hidden parameter before the options of ``matches`` and of
#: a bound predicate. CPython fills each missing keyword-only argument with a dict lookup (five
#: per ``matches`` call, a twentieth of it) but ordinary defaults from a tuple; so the options
#: are ordinary parameters behind ``_keywords``, which only a stray positional argument fills.
#: The function then refuses the call (``positional_options``), and ``keywords_only`` gives it
#: the keyword-only signature it documents.
KEYWORDS = object()


def positional_options(function: Callable[..., Any]) -> NoReturn:
    """Refuse a call that passed an option of ``function`` (made by ``keywords_only``) by
    position, as Python refuses a keyword-only argument given so."""
    options = ", ".join(name for name, parameter in inspect.signature(function).parameters.items()
                        if parameter.kind is inspect.Parameter.KEYWORD_ONLY)
    raise TypeError(f"{function.__name__}() takes {options} by keyword only")


def keywords_only(function: _Function) -> _Function:
    """``function`` shown (``inspect``, ``help``) with the parameters after ``_keywords`` as
    keyword-only, the way it takes them."""
    signature = inspect.signature(function)
    parameters = list(signature.parameters.values())
    hidden = [p.name for p in parameters].index("_keywords")
    function.__signature__ = signature.replace(parameters=[  # type: ignore[attr-defined]
        *parameters[:hidden],
        *(p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in parameters[hidden + 1:])])
    return function

# Listed by no segment (stores are strings), and safe to hash and compare.
NOT_A_STORE = object()


class UnusableMoment(ValueError):
    """``now`` is a datetime whose time zone raises or gives an offset Python rejects."""


def moment(now: object) -> dt.datetime:
    """``now`` as an aware datetime: a date is its midnight UTC, a naive datetime is UTC.

    A value that is not a date is a programming error (``TypeError``); a datetime whose
    ``tzinfo`` fails is ``UnusableMoment``, which callers treat as a failed evaluation.
    """
    if not isinstance(now, dt.date):
        raise TypeError(f"now must be a datetime or date, not {type(now).__name__}")
    if not isinstance(now, dt.datetime) or now.tzinfo is None:
        return runtime.aware(now)
    if type(now.tzinfo) is dt.timezone:  # a fixed offset (UTC included) cannot fail
        return now
    try:
        # utcoffset() checks the tzinfo's answer: a timedelta strictly within one day.
        offset = now.utcoffset()
    except Exception as error:
        raise UnusableMoment(f"now's time zone failed: {type(error).__name__}") from None
    # A tzinfo that gives no offset leaves the datetime naive, and naive means UTC.
    return now if offset is not None else now.replace(tzinfo=runtime.UTC)


def customer_id(given: object, profile: object, errors: runtime.ErrorCounter) -> object:
    """The id explicit lists and membership stores look up: ``given``, else the profile's
    ``id``; None when the profile has none, ``adapters.NO_ID`` when ``given`` has no text."""
    if given is None:
        return adapters.customer_id(profile, errors)
    text = adapters.id_text(given)
    return adapters.NO_ID if text is None else text


def store(value: object) -> object:
    """The store as segments compare it: None, an exact ``str``, or ``NOT_A_STORE``."""
    if value is None or type(value) is str:
        return value
    try:
        # A str subclass is its text; its own __eq__ and __hash__ are not consulted.
        return str.__str__(value) if isinstance(value, str) else NOT_A_STORE
    except Exception:
        return NOT_A_STORE
