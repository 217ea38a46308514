"""Hostile inputs for the fuzz campaign: pieces of segment text and values in profiles that broke
segrules once, or break programs like it.

Each entry stands for a class of bug: numbers too big for ``int(str)`` or a float, dates at the
ends of the calendar, lone surrogates that cannot be encoded, invisible characters that look
like spaces or quotes, nesting deep enough to reach the recursion limit, and Python objects
whose every method raises. The same corpus feeds the Hypothesis tests (``tests/test_fuzz*.py``)
and the seeded mutation script (``benchmarks/fuzz_campaign.py``), so a piece added here is tried
by both. Values are drawn with a ``random.Random``: the Hypothesis tests seed one with a drawn
integer, the script with the case's seed.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import math
import os
import random
import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

# --- pieces of segment text ------------------------------------------------------------------

HUGE = "9" * 400

TEXT_PIECES: tuple[str, ...] = (
    # numbers: past int(str)'s digit limit, past a float, tiny, signed, unicode digits
    HUGE, "-" + HUGE, HUGE + "." + HUGE, "0." + "0" * 400 + "1", "1e309", "-0", "+0.0",
    "1" * 4301, "١٢٣", "１２３", "²", "৩", "1_000", "0x10", "1.", ".5",
    # dates and durations at the ends of the calendar and past them
    "9999-12-31", "0001-01-01", "0000-01-01", "9999-12-31T23:59:59.999999-23:59",
    "0001-01-01T00:00:00+23:59", "2026-02-29", "2024-02-29T24:00:00Z", "２０２６-01-01",
    "within last 1000000000 days", "within last " + HUGE + " years", "more than 0 minutes ago",
    "more than 99999999999 weeks ago", "within last 12000 months", "within last -1 days",
    "active from 0001-01-01T00:00:00+23:59", "active until 9999-12-31T23:59:59-23:59",
    "years_since(x) >= " + HUGE, "days_since(x) < -" + HUGE,
    # strings and patterns that cannot be encoded or compiled
    '"\\uD800"', '"\\udfff"', '"\\uDBFF\\uDFFF"', '"\\u0000"', '"\\u"', '"\\uZZZZ"',
    'matches "\\uD800"', "matches /\\x{D800}/", "matches /(?P<n>/", "matches /" + "(" * 300 + "/",
    "matches /a{1000}{1000}/", '"' + "x" * 10000 + '"', "/\ud800/",
    # characters that are not what they look like
    "\x00", "\ufeff", "\u00a0", "\u2007", "\u3000", "\r\n", "\r", "\u2028", "\u0085", "\t",
    "\x0b", "\x0c", "\x1b[31m", "\ud800", "\udfff", "\U0001f600", "e\u0301", "\u0130", "ß",
    "\u201cquoted\u201d", "\u2018x\u2019", "\uff02x\uff02", "\u00abx\u00bb", "`", "``",
    "\u2212", "\uff1d", "\u2264", "\u00d7",
    # structure: deep nesting, long chains, names of every kind
    "(" * 400, ")" * 400, "not " * 400, "all { " * 300, "}" * 300, "{" * 300,
    "in segment " + "x" * 1000, "include segment s", "`" + "a" * 1000 + "`",
    "segment", "include", "exclude", "where", "everyone", "customers", "groups", "stores",
    "ignoring case", "is between", "and", "or", "none {", "count(", "sum(", "max(",
)


#: Whole conditions with hostile values, valid to the grammar, for splicing into a block.
CONDITIONS: tuple[str, ...] = (
    "x is " + HUGE, "x > -" + HUGE, "x is " + HUGE + ".5", "x in [" + HUGE + ", 1]",
    "x is between -" + HUGE + " and " + HUGE, "x is 0." + "0" * 400 + "1",
    "x within last 1000000000 days", "x within last " + HUGE + " minutes",
    "x more than 999999999 years ago", "x within last 0 days", "x is after 9999-12-31",
    "x is before 0001-01-01T00:00:00+23:59", "x = 9999-12-31T23:59:59-23:59",
    'x matches "\\uD800"', 'x is "\\uD800"', 'x contains "\\udfff"', 'x is "\\u0000"',
    'x starts with "\\uDBFF\\uDFFF" ignoring case', 'x is "STRASSE" ignoring case',
    'x is "\u0130" ignoring case', 'x ends with "e\u0301" ignoring case',
    "years_since(x) >= " + HUGE, "days_since(x) < -" + HUGE, "sum(o.t) >= 0.1",
    "sum(o.t where t > " + HUGE + ") >= 1", "avg(o.t) is 0.3", "max(o.at) more than 1 years ago",
    "count(o where " + "(" * 200 + "t is 1" + ")" * 200 + ") > 0", "x is empty",
    "x contains all of " + ", ".join(f'"{i}"' for i in range(300)),
    "not " * 200 + "x exists", "x matches /" + "a?" * 50 + "a" * 50 + "/",
)


# Tokens whole, whitespace included, so joining them gives the text back.
_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|/(?:[^/\\\n]|\\.)+/|`[^`\n]*`|#[^\n]*|\w+|\s+|.',
                    re.DOTALL)


def mutate_text(rng: random.Random, text: str, rounds: int = 3) -> str:
    """``text`` with one to ``rounds`` hostile edits: a piece spliced in or over a token, a
    hostile condition put into a block, a token doubled or dropped, or bits flipped."""
    for _ in range(rng.randint(1, rounds)):
        tokens = _TOKEN.findall(text) or [""]
        i = rng.randrange(len(tokens))
        roll = rng.random()
        if roll < 0.3:
            tokens[i] = rng.choice(TEXT_PIECES)
        elif roll < 0.5:
            tokens.insert(i, " " + rng.choice(TEXT_PIECES) + " ")
        elif roll < 0.75:
            opening = [k for k, token in enumerate(tokens) if token == "{"] or [i]
            k = rng.choice(opening)
            condition = rng.choice(CONDITIONS)
            tokens.insert(k + 1, rng.choice([f" {condition} ", f" include where {condition} "]))
        elif roll < 0.8:
            tokens.insert(i, tokens[i])
        elif roll < 0.85:
            del tokens[i]
        else:
            data = bytearray(text.encode("utf-8", "surrogatepass"))
            for _ in range(rng.randint(1, 4) if data else 0):
                data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
            tokens = [data.decode("utf-8", "surrogateescape")]
        text = "".join(tokens)
    return text


def reference_chain(length: int) -> str:
    """``length`` segments, each including the one before: a deep walk for every pass."""
    lines = ["segment s0 { include where a is 1 }"]
    lines += [f"segment s{i} {{ include segment s{i - 1} }}" for i in range(1, length)]
    return "\n".join(lines) + "\n"


def nested(depth: int) -> str:
    return "segment s { include where " + "(" * depth + "a is 1" + ")" * depth + " }\n"


def many_errors(count: int) -> str:
    """A file of ``count`` broken segments: error recovery must stay linear."""
    return "".join(f"segment s{i} {{ include where a is }}\n" for i in range(count))


#: Whole files, by name, that reach limits no single piece does.
HOSTILE_FILES: dict[str, Callable[[], str]] = {
    "chain-500": lambda: reference_chain(500),
    "chain-1200": lambda: reference_chain(1200),
    "nested-900": lambda: nested(900),
    "not-3000": lambda: "segment s { include where " + "not " * 3000 + "a is 1 }\n",
    "all-400": lambda: "segment s { include " + "all { " * 400 + "a is 1 " + "} " * 400 + "}\n",
    "errors-2000": lambda: many_errors(2000),
    "huge-list": lambda: "segment s { include where a in [" + ", ".join(
        str(i) for i in range(5000)) + "] }\n",
    "bom-crlf": lambda: "\ufeffsegment s {\r\n  include where a is 1\r\n}\r\n",
    "nul-in-name": lambda: "segment s\x00 { include where a is 1 }\n",
}

# --- values in profiles ------------------------------------------------------------------------


class Boom(Exception):
    """What every hostile object raises: an exception segrules cannot have anticipated."""


def _boom(*args: object, **kwargs: object) -> Any:
    raise Boom("hostile")


class Raising:
    """An object whose every dunder a comparison, a hash or a rendering might call raises."""

    __getattr__ = __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _boom
    __hash__ = __str__ = __repr__ = __bool__ = __len__ = __iter__ = __format__ = _boom


class RaisingStr:
    """An object that reads fine but cannot be turned into text (a customer id, a group)."""

    __str__ = __repr__ = __format__ = _boom


class RaisingSequence(Sequence[object]):
    """A ``Sequence`` that claims elements and raises when asked for them."""

    def __init__(self, size: int = 3) -> None:
        self.size = size

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: Any) -> Any:
        raise Boom("hostile")

    __iter__ = __contains__ = _boom


class LyingSequence(Sequence[object]):
    """A ``Sequence`` whose length and elements disagree and whose length can be negative."""

    def __init__(self, items: Sequence[object], length: int) -> None:
        self.items, self.length = list(items), length

    def __len__(self) -> int:
        if self.length < 0:
            raise Boom("negative")
        return self.length

    def __getitem__(self, index: Any) -> Any:
        return self.items[index]


class PlainSequence(Sequence[object]):
    """A well-behaved custom ``Sequence``: list-valued, as the language says any one is."""

    def __init__(self, items: Sequence[object]) -> None:
        self.items = list(items)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: Any) -> Any:
        return self.items[index]


class RaisingCollection(Collection[object]):
    """A ``Collection`` (not a ``Sequence``) whose iteration fails half way."""

    def __init__(self, items: Sequence[object]) -> None:
        self.items = list(items)

    def __len__(self) -> int:
        return len(self.items) + 1

    def __iter__(self) -> Iterator[object]:
        yield from self.items
        raise Boom("hostile")

    def __contains__(self, item: object) -> bool:
        raise Boom("hostile")


class RaisingMapping(Mapping[str, object]):
    """A ``Mapping`` whose lookups raise something other than ``KeyError``."""

    __getitem__ = __iter__ = __len__ = get = items = keys = values = _boom  # type: ignore[assignment]


class AttributeRaiser:
    """A profile object whose attribute reads raise (a lazy ORM row with a closed session)."""

    def __getattr__(self, name: str) -> object:
        raise Boom(name)


class RaisingEq(str):
    """A ``str`` whose comparisons and hash raise: equal text, hostile methods."""

    __eq__ = __ne__ = __lt__ = __hash__ = casefold = lower = startswith = _boom  # type: ignore[assignment]


class RaisingFloat(float):
    """A ``float`` whose comparisons raise."""

    __eq__ = __lt__ = __le__ = __gt__ = __ge__ = __hash__ = _boom  # type: ignore[assignment]


class RaisingTz(dt.tzinfo):
    """A time zone that fails when asked for its offset."""

    utcoffset = dst = tzname = _boom  # type: ignore[assignment]


class LateTz(dt.tzinfo):
    """A legal but extreme offset: the edges of the calendar overflow when moved to UTC."""

    def utcoffset(self, moment: dt.datetime | None) -> dt.timedelta:
        return dt.timedelta(hours=23, minutes=59)

    def dst(self, moment: dt.datetime | None) -> dt.timedelta:
        return dt.timedelta(0)


def generator(items: Sequence[object]) -> Iterator[object]:
    """A one-shot iterator: missing for the language, and must not be consumed."""
    yield from items


def cyclic_list() -> list[object]:
    items: list[object] = [1, "a"]
    items.append(items)
    return items


def cyclic_dict() -> dict[str, object]:
    record: dict[str, object] = {"a": 1, "total": 2}
    record["self"] = record
    record["orders"] = [record]
    return record


@functools.cache
def numpy_scalars() -> tuple[object, ...]:
    """NumPy scalars, when NumPy is installed: numbers whose NaN and bool differ from Python's."""
    try:
        np: Any = importlib.import_module("numpy")
        np.float64  # noqa: B018 - a stray `numpy` folder on the path imports as an empty package
    except (ImportError, AttributeError):
        return ()
    return (np.float64("nan"), np.float32(1.5), np.int64(2**62), np.bool_(True), np.int8(-1),
            np.float64("inf"), np.datetime64("2026-01-01"), np.str_("vip"))


SCALARS: tuple[Callable[[], object], ...] = (
    lambda: math.nan, lambda: math.inf, lambda: -math.inf, lambda: -0.0, lambda: 5e-324,
    lambda: 1.7976931348623157e308, lambda: Decimal("NaN"), lambda: Decimal("sNaN"),
    lambda: Decimal("-Infinity"), lambda: Decimal("1e999999"), lambda: Decimal("-0"),
    lambda: 10**400, lambda: -(10**400), lambda: 2**63, lambda: True, lambda: False,
    lambda: b"vip", lambda: bytearray(b"x"), lambda: "", lambda: "\ud800", lambda: "a\udfffb",
    lambda: "\x00", lambda: "\ufeffvip", lambda: "VIP\u0130", lambda: "ﬀ", lambda: "١٢٣",
    lambda: "9" * 5000, lambda: "2026-02-30", lambda: "9999-12-31T23:59:59-23:59",
    lambda: "0001-01-01T00:00:00+23:59", lambda: "2026-01-01T00:00:00\ud800",
    lambda: dt.date.min, lambda: dt.date.max, lambda: dt.datetime.min, lambda: dt.datetime.max,
    lambda: dt.datetime(9999, 12, 31, 23, 59, tzinfo=LateTz()),
    lambda: dt.datetime(1, 1, 1, tzinfo=LateTz()),
    lambda: dt.datetime(2026, 1, 1, tzinfo=RaisingTz()), lambda: dt.time(12, tzinfo=RaisingTz()),
    lambda: dt.timedelta(days=1), lambda: complex(1, 1), lambda: object(), lambda: Raising(),
    lambda: RaisingStr(), lambda: RaisingEq("vip"), lambda: RaisingFloat(1.0),
    lambda: AttributeRaiser(), lambda: RaisingMapping(), lambda: len, lambda: type,
    lambda: Ellipsis, lambda: NotImplemented,
)


def _collections(items: list[object]) -> list[object]:
    record = dict(enumerate(items))
    return [items, tuple(items), PlainSequence(items), record.values(), record.keys(),
            generator(items), RaisingSequence(len(items)), RaisingCollection(items),
            LyingSequence(items, len(items) + 2), LyingSequence(items, -1), range(len(items)),
            frozenset(x for x in items if _hashable(x)), {"a": items[0] if items else None}]


def _hashable(value: object) -> bool:
    try:
        hash(value)
    except Exception:
        return False
    return True


def value(rng: random.Random, depth: int = 2) -> object:
    """One hostile value, drawn with ``rng``: a scalar, a container of them, or a cycle."""
    roll = rng.random()
    if depth <= 0 or roll < 0.55:
        pool = numpy_scalars()
        if pool and rng.random() < 0.1:
            return rng.choice(pool)
        return rng.choice(SCALARS)()
    if roll < 0.6:
        return rng.choice((cyclic_list, cyclic_dict))()
    items = [value(rng, depth - 1) for _ in range(rng.randint(0, 3))]
    return rng.choice(_collections(items))


def record(rng: random.Random, names: Sequence[str], depth: int = 2) -> dict[str, object]:
    """A profile (or session, or list element) giving some of ``names`` hostile values."""
    out: dict[str, object] = {}
    for name in names:
        if rng.random() < 0.6:
            if depth > 0 and rng.random() < 0.25:
                out[name] = [record(rng, names, depth - 1) for _ in range(rng.randint(0, 3))]
            else:
                out[name] = value(rng)
    return out


CUSTOMER_IDS: tuple[Callable[[], object], ...] = (
    lambda: None, lambda: "c-1", lambda: "\ud800", lambda: "", lambda: 10**400,
    lambda: math.nan, lambda: b"c-1", lambda: RaisingStr(), lambda: Raising(),
    lambda: Decimal("sNaN"), lambda: ("c", 1), lambda: "c-1\x00",
)

STORES: tuple[object, ...] = (None, "main", "outlet", "", "\ud800", "MAIN", "main\x00")

NOWS: tuple[Callable[[], dt.date], ...] = (
    lambda: dt.datetime(2026, 11, 1, tzinfo=dt.UTC), lambda: dt.date(2026, 11, 1),
    lambda: dt.datetime(2026, 11, 1), lambda: dt.date.min, lambda: dt.date.max,
    lambda: dt.datetime.min, lambda: dt.datetime.max, lambda: dt.datetime.max.replace(
        tzinfo=dt.UTC), lambda: dt.datetime.min.replace(tzinfo=dt.UTC),
    lambda: dt.datetime(9999, 12, 31, 23, 59, tzinfo=LateTz()),
    lambda: dt.datetime(1, 1, 1, 0, 0, tzinfo=LateTz()),
    lambda: dt.datetime(2026, 1, 1, tzinfo=RaisingTz()),
)


class HostileMembers:
    """A membership store whose answers are wrong in shape, or that raises."""

    def __init__(self, answer: object) -> None:
        self.answer = answer

    def explicit(self, segment: str, customer_id: str) -> object:
        if isinstance(self.answer, BaseException):
            raise self.answer
        return self.answer


MEMBERS: tuple[Callable[[], object], ...] = (
    lambda: None, lambda: HostileMembers((True, False)), lambda: HostileMembers((False, True)),
    lambda: HostileMembers(Boom("store down")), lambda: HostileMembers(None),
    lambda: HostileMembers((Raising(), Raising())), lambda: HostileMembers("yes"),
    lambda: HostileMembers((1, 2, 3)), lambda: HostileMembers(OSError("disk")),
    lambda: HostileMembers(RecursionError()), lambda: object(), lambda: Raising(),
)


def names_read(document: Any) -> list[str]:
    """Every attribute name a document reads, at any depth: the keys hostile records fill."""
    from segrules import nodes as n
    from segrules.visitor import NodeVisitor

    found: dict[str, None] = {}

    class Names(NodeVisitor):
        def visit_Attr(self, node: n.Attr) -> None:
            found.update(dict.fromkeys(node.names))

        def visit_Aggregate(self, node: n.Aggregate) -> None:
            found.update(dict.fromkeys(node.value_path))
            self.generic_visit(node)

    Names().visit(document)
    return [*found, "id"]


def call(rng: random.Random, document: Any) -> dict[str, Any]:
    """A whole hostile call: profile, session, customer id, store, moment and store of members."""
    names = names_read(document)
    roll = rng.random()
    if roll < 0.8:
        profile: object = record(rng, names)
    else:
        profile = rng.choice([None, Raising(), AttributeRaiser(), RaisingMapping(),
                              cyclic_dict(), [record(rng, names)], "profile", 7])
    return {
        "profile": profile,
        "session": record(rng, names, 1) if rng.random() < 0.5 else rng.choice(
            [None, Raising(), RaisingMapping()]),
        "customer_id": rng.choice(CUSTOMER_IDS)() if rng.random() < 0.4 else None,
        "store": rng.choice(STORES),
        "now": rng.choice(NOWS)(),
        "members": rng.choice(MEMBERS)(),
    }


# --- running a budget ---------------------------------------------------------------------------


def scale() -> int:
    """How many times the CI budget to run: ``SEGRULES_FUZZ_SCALE=50 pytest tests/test_fuzz*``."""
    return max(1, int(os.environ.get("SEGRULES_FUZZ_SCALE", "1")))



