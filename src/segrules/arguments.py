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

from . import adapters, runtime

__all__ = ["NOT_A_STORE", "UnusableMoment", "customer_id", "moment", "store"]

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
