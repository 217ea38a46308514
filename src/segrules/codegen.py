"""Compiles each segment to one Python function, generated as source and compiled once at load.

Why source and not closures: a segment is evaluated for every page view, and a flat function
of ``and``/``or`` over inlined fast paths is several times faster than walking a tree. The
writer follows Jinja2's compiler (``writeline``/``indent``, operators as a table), with one
rule Jinja does not have: only ints, floats and bools are written into the source. Every user
string, list, date, regex, attribute name and predicate is a named constant (``_k3``) in the
function's namespace, so nothing a marketer writes is ever parsed as Python. The source is
registered in ``linecache`` under a readable name (as attrs ``_make.py`` does), so tracebacks
and pdb show the generated line.

A generated function has the signature ``(p, s, cid, store, now, members, memo)``: profile,
session, customer id (None: read ``id`` when needed), store, ``now`` (None: read the clock only
if the segment needs it), membership store, and the per-evaluation memo of referenced segments.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import linecache
import math
import textwrap
import threading
import time
import types
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import attrs
from attrs import field, frozen

from . import adapters, arguments, numeric, runtime
from . import nodes as n
from .lists import DATA_TYPES, LIST_TYPES, is_list, is_missing
from .operators import OPERATORS
from .text import nfc, normal, plain_ascii

__all__ = ["SIGNATURE", "Compiled", "Emitter", "Gates", "Shared", "binder", "compile_segment",
           "predicate_signature", "release", "variant"]

SIGNATURE = "p, s, cid, store, now, members, memo"
_UTCNOW = functools.partial(dt.datetime.now, dt.UTC)  # runtime.utcnow without a Python frame
# `now` where a condition first needs it: the clock is read there, once, and only by a customer
# who gets that far (most are decided before any time condition).
_LAZY_CLOCK = "(now if now is not None else (now := _utcnow()))"

# Inline fast paths: the Python expression a condition means for a datum of one class, where
# that class is tested once. `{v}` is the datum, `{k}` the literal (or constant). For any other
# datum the compiled runtime predicate decides, so both paths share one meaning.
# String literals are in NFC, the form strings compare in: a datum equal to one is equal, an
# ASCII datum (NFC already) that is not is not, and only other text is normalised (`_nfc`).
_STRING = {
    "eq": "({v} == {k} or (not {v}.isascii() and _nfc({v}) == {k}))",
    "in": "({v} in {k} or (not {v}.isascii() and _nfc({v}) in {k}))",
}
_NORMALISED = {"eq": "{n} == {k}", "in": "{n} in {k}"}  # the datum's NFC is in `{n}` already
_ORDER = {"gt": "{v} > {k}", "ge": "{v} >= {k}", "lt": "{v} < {k}", "le": "{v} <= {k}",
          "between": "{lo} <= {v} <= {hi}", "eq": "{v} == {k}", "in": "{v} in {k}"}
# Guards, on the datum's class `{t}` (`{again}` names it again without reading the datum twice):
# an int or float compares with a literal as Python compares them only while the literal is an
# int a float holds exactly (numeric.py). A guard is the test of a conditional expression, so
# it takes no parentheses of its own: the deepest segment the parser takes is at Python's limit.
_GUARDS = {"str": "{t} is str", "int": "{t} is int", "float": "{t} is float",
           "number": "{t} is int or {again} is float", "list": "{t} is list"}
_EXACT_INT = 2**53


@frozen
class Gates:
    """Where a segment's function tests ``store`` and ``members``: line ranges counted from its
    ``def`` line, so a predicate bound to one store and membership store drops what they decide.

    ``safe_store``: the lines making a store of another class safe (a bound store is safe);
    ``store``: the store test and its ``return False``; ``members``: the whole ``if`` on the
    membership store, whose ``plain`` lines run without one and ``listed`` lines with one.
    """

    safe_store: range = range(0)
    store: range = range(0)
    members: range = range(0)
    plain: range = range(0)
    listed: range = range(0)


@frozen
class Compiled:
    """One segment's generated function, its source, whether it reads the clock, and the
    compiled segments it references directly (what ``runtime.settle`` walks)."""

    segment: n.Segment
    function: Callable[..., bool]
    lines: list[str] = field(repr=False)  # the very list linecache holds: one copy of the text
    filename: str
    needs_now: bool
    references: tuple[Compiled, ...] = field(default=(), repr=False, eq=False)
    gates: Gates = field(factory=Gates, repr=False, eq=False)
    name: str = field(init=False, repr=False, eq=False)  # a field: references read it often

    @name.default
    def _name(self) -> str:
        return self.segment.name

    @property
    def source(self) -> str:
        return "".join(self.lines)


class Shared:
    """What the generated functions of one book share: one namespace of constants.

    A constant is named once per book, however many segments use it: equal strings, lists of
    values and numbers share a name, and a runtime predicate or attribute reader is built once
    per distinct condition or path (a thousand segments testing ``age < 18`` hold one
    predicate). Every generated function of the book runs in ``namespace``.
    """

    def __init__(self, errors: runtime.ErrorCounter) -> None:
        self.errors = errors
        self.namespace: dict[str, Any] = {
            "_utcnow": _UTCNOW, "_time": time.time, "_ns": time.time_ns,
            "_at": runtime.moment_at, "_recent": runtime.recent_bounds,
            "_cid": adapters.customer_id,
            "_DATA": DATA_TYPES, "_missing": is_missing, "_nfc": nfc,
            "_LISTS": LIST_TYPES, "_is_list": is_list,
            "_listed": _listed, "_ref": runtime.reference, "_E": errors, "_store": arguments.store,
            "_floor": math.floor, "_resumed": numeric.resumed_total,
            **_BINDING,
        }
        self._names: dict[object, str] = {}
        self._count = 0

    def const(self, value: object, key: object = None) -> str:
        """The name bound to ``value``: one per equal value (or per ``key`` when given)."""
        if key is None:
            key = _key(value)
        name = self._names.get(key)
        if name is None:
            value = n.interned_name(value)  # an attribute name is a dict profile's key
            name = self._names[key] = f"_k{len(self._names)}"
            self.namespace[name] = value
        return name

    def fresh(self, prefix: str) -> str:
        """A name no other function of the book uses, for a generated helper."""
        self._count += 1
        return f"{prefix}{self._count}"

    def built(self, key: object, build: Callable[[], object]) -> str:
        """The name of the object ``build()`` makes, built once per ``key``."""
        name = self._names.get(key)
        if name is None:
            name = self.const(build(), key)
        return name


def _values_key(values: tuple[n.Value, ...]) -> object:
    """A key equal for literals that mean the same: same node classes, same values."""
    keys: list[object] = []
    for v in values:
        if isinstance(v, n.Regex):
            keys.append((n.Regex, v.pattern))
        elif isinstance(v, n.Duration):
            keys.append((n.Duration, v.amount, v.unit))
        else:
            keys.append((type(v), _key(v.value)))
    return tuple(keys)


def _key(value: object) -> object:
    # Equal values of different types must not share a name (1 == 1.0 == True), nor sets of
    # them; anything else unusual is its own constant.
    kind = type(value)
    if kind is str or kind is int or kind is bool:
        return (kind, value)
    if kind is float or kind is Decimal:
        return (kind, repr(value))  # 0.0 and -0.0, 1.0 and 1.00 stay apart; NaN is one
    if kind is frozenset:
        return (kind, frozenset(_key(x) for x in value))  # type: ignore[attr-defined]
    if kind is dt.date or kind is dt.datetime:
        try:
            return (kind, value.isoformat())  # type: ignore[attr-defined]
        except Exception:  # a hand-made datetime whose time zone fails
            pass
    return (kind, id(value))


class _Writer:
    """Lines of Python with indentation, and the constants they name instead of splicing."""

    def __init__(self, shared: Shared) -> None:
        self.lines: list[str] = []
        self.level = 0
        self.shared = shared

    def writeline(self, text: str) -> None:
        self.lines.append("    " * self.level + text)

    @contextmanager
    def indent(self) -> Iterator[None]:
        self.level += 1
        try:
            yield
        finally:
            self.level -= 1

    def const(self, value: object) -> str:
        """The name bound to ``value`` in the book's namespace."""
        return self.shared.const(value)

    def literal(self, value: object) -> str:
        """Source for a number: ints and finite floats inline, anything else a constant."""
        if type(value) is int or (type(value) is float and math.isfinite(value)):
            return f"({value!r})"
        return self.const(value)


class Emitter:
    """Python for conditions, in the book's namespace; ``compile`` writes a whole segment.

    Another generator (a whole-book evaluator) can use ``expr(node, "p")`` on its own: the
    expression reads ``p, s, cid, store, now, members, memo`` (``SIGNATURE``), ``d`` (``type(p)
    is dict``) when ``uses_dict_check``, and needs ``now`` set when ``needs_now`` and ``memo`` a
    dict when ``has_refs or uses_memo``; ``helpers`` are lines of functions (aggregates) to put
    before it, and ``hoisted`` (empty unless set) maps profile names to locals read already.
    """

    def __init__(self, segment: n.Segment | None, compiled: Mapping[str, Compiled],
                 attributes: Mapping[str, adapters.Computed], shared: Shared) -> None:
        self.segment = segment
        self.compiled = compiled
        self.attributes = attributes
        self.errors = shared.errors
        self.shared = shared
        self.out = _Writer(shared)
        self.needs_now = False
        self.clock = "now"  # what a condition passes as `now`: set already, unless `_LAZY_CLOCK`
        self.has_refs = False
        self.uses_memo = False  # a computed attribute keeps its value in the memo
        self.referenced: dict[str, Compiled] = {}
        self.uses_dict_check = False
        self.hoisted: dict[str, str] = {}
        self.typed: set[str] = set()  # hoisted locals whose class a fast path tests
        # Hoisted locals a block tests first (always evaluated): their class is taken once, into
        # `tN`, and a string's NFC once, into `nN`; other locals test their class where used.
        self.eager: set[str] = set()
        self.normalised: set[str] = set()
        self.helpers: list[str] = []  # lines of the functions aggregates call
        # Clock tests that may read the clock alone (`recent_path`): marker -> (the usual
        # Python, the Python for the segment's only clock reading), settled in `source`.
        self.clock_once: dict[str, tuple[str, str]] = {}
        self.gates = Gates()

    # --- expressions -----------------------------------------------------------------------

    def expr(self, node: n.Expr, row: str) -> str:
        """Python for a condition; ``row`` is the variable profile-rooted paths read."""
        if isinstance(node, n.Compare):
            return self.compare(node, row)
        if isinstance(node, n.AllOf | n.AnyOf):
            joiner = " and " if isinstance(node, n.AllOf) else " or "
            return "(" + joiner.join(self.expr(item, row) for item in node.items) + ")"
        if isinstance(node, n.Not):
            return f"(not {self.expr(node.item, row)})"
        if isinstance(node, n.InSegment):
            target = self.compiled[node.name]
            self.has_refs = True
            self.needs_now |= target.needs_now
            self.referenced[node.name] = target
            clock = self.clock if target.needs_now else "now"
            return f"_ref(memo, {self.out.const(target)}, _E, p, s, cid, store, {clock}, members)"
        if isinstance(node, n.Everyone):
            return "True"
        raise TypeError(f"not a condition: {node!r}")

    def operand(self, node: n.Operand, row: str) -> str:
        if isinstance(node, n.Attr):
            return self.attr(node, row)
        if isinstance(node, n.Aggregate):
            needed, self.needs_now = self.needs_now, False
            helper = self.aggregate(node, row)
            clock = self.clock if self.needs_now else "now"  # `now` unused by the helper
            self.needs_now |= needed
            items = self.attr(node.items, row)
            if node.where is None:
                return f"{helper}({items})"
            return f"{helper}({items}, {SIGNATURE.replace('now', clock)})"
        self.needs_now = True
        since = self.shared.built(("since", node.unit),
                                  lambda: runtime.time_since(node.unit, self.errors))
        return f"{since}({self.operand(node.operand, row)}, {self.clock})"

    def aggregate(self, node: n.Aggregate, row: str) -> str:
        """A function of its own for ``count``/``sum``/``avg``/``min``/``max``: one loop over
        the list with ``where`` and the field read inline (as ``runtime.aggregate`` means:
        a value that is not a list has no elements, and a failure makes the value missing)."""
        element = f"e{int(row[1:]) + 1}" if row.startswith("e") else "e1"
        name = self.shared.fresh("_agg")
        clock, self.clock = self.clock, "now"  # the helper's own `now`, set by its caller
        condition = None if node.where is None else self.expr(node.where, element)
        where = "" if condition is None else f" if {condition}"
        self.clock = clock
        if not node.value_path:
            value = element
        elif len(node.value_path) == 1:
            key, read = self.out.const(node.value_path[0]), self.reader(node.value_path)
            value = f"({element}.get({key}) if type({element}) is dict else {read}({element}))"
        else:
            value = f"{self.reader(node.value_path)}({element})"
        out = _Writer(self.shared)
        # Only a `where` reads the arguments of the segment's function.
        out.writeline(f"def {name}(items{'' if condition is None else ', ' + SIGNATURE}):")
        with out.indent():
            out.writeline("try:")
            with out.indent():
                out.writeline("if type(items) not in _LISTS and not _is_list(items):")
                with out.indent():
                    out.writeline("items = ()")
                if node.func == "count":
                    # A loop, not len([...]): a comprehension is a function call of its own.
                    out.writeline("tally = 0")
                    out.writeline(f"for {element} in items:")
                    with out.indent():
                        if condition is None:
                            out.writeline("tally += 1")
                        else:
                            out.writeline(f"if {condition}:")
                            with out.indent():
                                out.writeline("tally += 1")
                    out.writeline("return tally")
                elif node.func == "sum":
                    self.write_sum(out, element, value, condition)
                else:
                    reduce = self.out.const(runtime.REDUCERS[node.func])
                    out.writeline(f"return {reduce}([{value} for {element} in items{where}])")
            out.writeline("except Exception:")
            with out.indent():
                out.writeline("_E.add()")
                out.writeline("return None")
        self.helpers.extend(out.lines)
        return name

    def write_sum(self, out: _Writer, element: str, value: str, condition: str | None
                  ) -> None:
        """A sum's loop: ints and floats of at most four decimals (the usual money) add up
        exactly as whole ten-thousandths, as ``numeric.total``'s fast path does, without a
        list or a call; the first other value hands the rest to ``numeric.resumed_total``.
        Each element is read, and its ``where`` tested, once."""
        units, limit = numeric.FAST_UNITS, out.literal(numeric.FAST_LIMIT)
        where = "" if condition is None else f" if {condition}"
        out.writeline("units = 0")
        out.writeline("floats = False")
        out.writeline("elements = iter(items)")
        out.writeline(f"for {element} in elements:")
        with out.indent():
            if condition is not None:
                out.writeline(f"if not {condition}:")
                with out.indent():
                    out.writeline("continue")
            out.writeline(f"x = {value}")
            out.writeline("kind = type(x)")
            out.writeline("if kind is float:")
            with out.indent():
                out.writeline(f"if -{limit} < x < {limit}:")
                with out.indent():
                    out.writeline(f"scaled = _floor(x * {units} + 0.5)")
                    out.writeline(f"if scaled / {units} == x:")
                    with out.indent():
                        out.writeline("units += scaled")
                        out.writeline("floats = True")
                        out.writeline("continue")
            out.writeline("elif kind is int:")
            with out.indent():
                out.writeline(f"units += x * {units}")
                out.writeline("continue")
            out.writeline("elif x is None:")
            with out.indent():
                out.writeline("continue")
            out.writeline(f"return _resumed(units, floats, "
                          f"[x, *[{value} for {element} in elements{where}]])")
        out.writeline("if not floats:")
        with out.indent():
            out.writeline(f"return units // {units}")
        bound = out.literal(numeric.FAST_LIMIT_UNITS)
        out.writeline(f"if -{bound} < units < {bound}:")
        with out.indent():
            out.writeline(f"return units / {units}")
        out.writeline("return _resumed(units, floats, [])")

    def attr(self, node: n.Attr, row: str) -> str:
        root = "s" if node.root == "session" else row
        # Computed attributes describe the customer, so only profile paths outside `where`.
        computed = self.attributes.get(node.names[0]) if root == "p" else None
        read = self.reader(node.names, computed)
        if computed is not None:
            self.needs_now = self.uses_memo = True
            return f"{read}({root}, {self.clock}, memo)"
        if len(node.names) == 1 and root == "p":
            local = self.hoisted.get(node.names[0])
            if local is not None:
                return local
            self.uses_dict_check = True
            return f"(p.get({self.out.const(node.names[0])}) if d else {read}(p))"
        if len(node.names) == 1 and root != "s":
            key = self.out.const(node.names[0])
            return f"({root}.get({key}) if type({root}) is dict else {read}({root}))"
        return f"{read}({root})"

    def reader(self, names: tuple[str, ...], computed: adapters.Computed | None = None) -> str:
        """The constant naming the adapter reader of ``names`` (one per path and book)."""
        return self.shared.built(("read", names, computed and id(computed)),
                                 lambda: adapters.reader(names, self.errors, computed))

    def compare(self, node: n.Compare, row: str) -> str:
        value = self.operand(node.left, row)
        v, bind = _bound(value)
        if node.op == "exists":
            # Present means not None, not callable and not a one-shot iterator
            # (docs/language.md, "The two-valued rule"); no predicate call needed. Plain data
            # classes skip the _missing() call; a hoisted local's class is known already.
            # None is not plain data, so the usual datum is decided by its class alone.
            kind = self.class_of(value, bind)
            if node.negated:
                return f"({kind} not in _DATA and ({v} is None or _missing({v})))"
            return f"({kind} in _DATA or ({v} is not None and not _missing({v})))"
        check = self.check(node)
        if OPERATORS[node.op].arity == "duration":
            self.needs_now = True
            return self.recent_path(node, check, value) or f"{check}({value}, {self.clock})"
        normalised = f"n{value[1:]}" if value in self.eager else None
        fast = self.fast_path(node, check, normalised)
        if fast is None:
            return f"{check}({value})"
        kind, template = fast
        test = template.format(v=v)
        if normalised is not None and normalised in test:
            self.normalised.add(value)
        if node.negated and kind != "list":
            test = f"not ({test})"
        kind_of = self.class_of(value, bind)
        # Two `is` tests cost less than a set lookup.
        again = kind_of if kind_of.isidentifier() else f"type({v})"
        guard = _GUARDS[kind].format(t=kind_of, again=again)
        return f"(({test}) if {guard} else {check}({v}))"

    def class_of(self, value: str, bind: str) -> str:
        """Python for the class of the datum ``value`` (``bind`` reads it): a hoisted local
        that a block tests first has it in ``tN`` already, taken once."""
        if value in self.eager:
            self.typed.add(value)
            return f"t{value[1:]}"
        return f"type({bind})"

    def check(self, node: n.Compare) -> str:
        """The constant naming the runtime predicate of ``node`` (one per condition and book),
        which decides every datum no fast path takes."""
        return self.shared.built(
            ("check", node.op, node.negated, node.ignore_case, _values_key(node.values)),
            lambda: runtime.predicate(node.op, node.values, negated=node.negated,
                                      ignore_case=node.ignore_case, errors=self.errors))

    def scan(self, node: n.Expr, row: str) -> list[str] | None:
        """``contains any of`` plain ASCII strings as statements that return False where the
        condition fails: ``runtime.strings_in_list``'s loop inline, so the usual list of exact
        strings costs no call. At the first element of another class the runtime predicate
        decides the whole value, as that loop does. None for any other condition."""
        if not (isinstance(node, n.Compare) and node.op == "contains_any"):
            return None
        literals = _string_literals(node)
        if literals is None or not all(map(plain_ascii, literals)):
            return None
        value = self.operand(node.left, row)
        check = self.check(node)
        v, bind = _bound(value)
        guard = _GUARDS["list"].format(t=self.class_of(value, bind))
        test = (f"_x == {self.out.const(literals[0])}" if len(set(literals)) == 1
                else f"_x in {self.out.const(frozenset(literals))}")
        lines = [f"if {guard}:",
                 f"    for _x in {v}:",
                 "        if type(_x) is not str:",
                 f"            if not {check}({v}):",
                 "                return False",
                 "            break",
                 f"        if {test}:",
                 "            return False" if node.negated else "            break"]
        if not node.negated:
            lines += ["    else:", "        return False"]
        return [*lines, f"elif not {check}({v}):", "    return False"]

    def fast_path(self, node: n.Compare, check: str, normalised: str | None = None
                  ) -> tuple[str, str] | None:
        """``(guard, test)`` for a datum of one class, when the condition has a fast path;
        ``normalised`` names a local holding a string datum's NFC, when there is one."""
        values = node.values
        if node.ignore_case or not values:
            return None
        literals = _string_literals(node)
        if literals is not None:
            if node.op in _STRING:
                k = self.out.const(literals[0] if node.op == "eq" else frozenset(literals))
                if all(map(plain_ascii, literals)):
                    # No other text has these literals as its NFC: equal means the same string.
                    return "str", _ORDER[node.op].format(v="{v}", k=k)
                if normalised is not None:
                    return "str", _NORMALISED[node.op].format(n=normalised, k=k)
                return "str", _STRING[node.op].format(v="{v}", k=k)
            if node.op not in ("contains_any", "contains_all"):
                return None
            listed = self.shared.built(
                ("strings in list", check),
                lambda: runtime.strings_in_list(node.op, values, negated=node.negated,
                                                fallback=self.shared.namespace[check]))
            # Negation is inside the list test, which falls back to the check on odd lists.
            return "list", f"{listed}({{v}})"
        numbers = [v.value for v in values if isinstance(v, n.Number)]
        if node.op in _ORDER and len(numbers) == len(values):
            return self.number_path(node.op, numbers)
        return None

    def recent_path(self, node: n.Compare, check: str, value: str) -> str | None:
        """``within last`` / ``more than … ago`` inline for the usual datum, an aware datetime
        with a fixed offset: the first branch of the runtime check (``check``), without its
        call. Only for a fixed length of time, and only while ``now - length`` exists (past
        year 1); the check decides every other case, so both share one meaning."""
        (duration,) = node.values
        assert isinstance(duration, n.Duration)
        shift = runtime.duration_shift(duration)
        if node.negated or type(shift) is not dt.timedelta:
            return None
        try:
            earliest = dt.datetime.min.replace(tzinfo=dt.UTC) + shift
        except OverflowError:
            return None
        length = self.shared.built(("shift", duration.amount, duration.unit), lambda: shift)
        after = self.out.const(earliest)
        within = node.op == "within_last"
        test = f"now - {length} <= _v <= now" if within else f"_v < now - {length}"
        usual = f"type(_v := {value}) is _datetime and type(_v.tzinfo) is _timezone"
        # The guard reads the clock (if no condition has) before the test uses `now`.
        read = (f"(({test}) if {usual} and {self.clock} > {after}"
                f" else {check}(_v, {self.clock}))")
        if self.clock != _LAZY_CLOCK:
            return read
        # Where this is the segment's only clock reading, and no `now` is given, the bounds
        # kept for the current second of the clock decide (`runtime.recent_bounds`, which
        # gives the tuple's layout). Only a datum within a second of an edge takes the exact
        # `now` of this very reading.
        cell = self.shared.built(("bounds", duration.amount, duration.unit),
                                 lambda: [runtime.NO_BOUNDS])
        at = "(now := _at(_t))"
        bounded = (f"_b[2] <= _v <= _b[3] or not (_v < _b[4] or _v > _b[5])"
                   f" and {at} - {length} <= _v <= now" if within else
                   f"_v < _b[4] or not _v >= _b[2] and _v < {at} - {length}")
        unset = (f"(({bounded}) if (_b := {cell}[0])[0] <= (_t := _ns()) < _b[1]"
                 f" else {check}(_v, (now := _recent({cell}, _t, {length}))))")
        given = f"(({test}) if now > {after} else {check}(_v, now))"
        once = f"(({unset} if now is None else {given}) if {usual} else {check}(_v, {self.clock}))"
        marker = f"\x00{len(self.clock_once)}\x00"
        self.clock_once[marker] = (read, once)
        return marker

    def number_path(self, op: str, literals: list[int | Decimal]) -> tuple[str, str] | None:
        """Numbers: ints that floats hold exactly compare with ints and floats as Python does;
        other literals compare with a float datum through their float twin (numeric.py)."""
        written: list[int | float | None]
        if all(type(x) is int for x in literals):
            kind = "number" if all(-_EXACT_INT <= x <= _EXACT_INT for x in literals) else "int"
            written = [int(x) for x in literals]
        else:
            twins = [numeric.float_twin(x) for x in literals]
            if op not in ("eq", "in") and None in twins:
                return None
            kind, written = "float", twins  # equality: a literal without a twin equals none
        if op == "in" or written[0] is None:
            k = self.out.const(frozenset(x for x in written if x is not None))
            return kind, _ORDER["in"].format(v="{v}", k=k)
        # Ints are written into the source; a decimal's float twin is a constant, so the
        # source never shows a number the segment does not spell.
        bounds = [self.out.literal(x) if kind != "float" else self.out.const(x) for x in written]
        return kind, _ORDER[op].format(v="{v}", k=bounds[0], lo=bounds[0], hi=bounds[-1])

    # --- the segment -------------------------------------------------------------------------

    def compile(self) -> str:
        seg, out = self.segment, self.out
        assert seg is not None, "an Emitter made for conditions only has no segment"
        include_blocks = [_cheapest_first(block)[0] for block in seg.includes]
        exclude_blocks = [_cheapest_first(block)[0] for block in seg.excludes]
        included = [name for block in include_blocks for name in _profile_names(block)]
        reads = Counter(name for name in (*included, *(
            name for block in exclude_blocks for name in _profile_names(block)))
            if name not in self.attributes)
        # A name read by several conditions is read once, into a local, before the rules.
        self.hoisted = {name: f"a{i}" for i, name in enumerate(
            name for name, count in reads.items() if count > 1)}
        self.eager = {self.hoisted[name] for block in (*include_blocks, *exclude_blocks)
                      if (name := _first_name(block)) in self.hoisted}
        if seg.active_from is None and seg.active_until is None:
            # With a window the clock is read first, once, for the window and the rules alike.
            self.clock = _LAZY_CLOCK
        if len(include_blocks) == 1:
            # One include block: its conditions are tested one by one, so a condition can be
            # statements (`scan`) where a loop needs no call.
            (block,) = include_blocks
            items = block.items if isinstance(block, n.AllOf) else [block]
            steps = [self.scan(item, "p") or _unless([self.expr(item, "p")]) for item in items]
        elif include_blocks:
            steps = [_unless([self.expr(block, "p") for block in include_blocks])]
        else:
            steps = []
        excludes = [self.expr(block, "p") for block in exclude_blocks]
        out.writeline(f"def segment({SIGNATURE}):")
        with out.indent():
            if seg.disabled:
                out.writeline("return False")
                return self.source()
            if seg.stores:
                start = len(out.lines)
                # `matches` passes the store as given: only a segment that tests it makes it
                # safe (`arguments.store`: a str subclass's own __hash__ is never called).
                out.writeline("if type(store) is not str and store is not None:")
                with out.indent():
                    out.writeline("store = _store(store)")
                middle = len(out.lines)
                out.writeline(f"if store not in {out.const(frozenset(seg.stores))}:")
                with out.indent():
                    out.writeline("return False")
                self.gates = attrs.evolve(self.gates, safe_store=range(start, middle),
                                          store=range(middle, len(out.lines)))
            self.write_window(seg)
            lists = seg.include_customers or seg.exclude_customers
            if self.uses_dict_check or self.hoisted or lists:
                # A dict profile (the usual case) is read with dict.get, any other profile
                # through the adapter; the test is made once per call.
                out.writeline("d = type(p) is dict")
            self.write_explicit(seg)
            if not include_blocks:
                # No include block: members come only from explicit lists (docs/membership.md).
                out.writeline("return False")
            else:
                # Names only exclude blocks read are read after the include check: most
                # customers fail the includes and never need them.
                self.write_hoisted(lambda name: name in included)
                if self.has_refs or self.uses_memo:
                    out.writeline("if memo is None:")
                    with out.indent():
                        out.writeline("memo = {}")
                for line in (line for step in steps for line in step):
                    out.writeline(line)
                if excludes:
                    self.write_hoisted(lambda name: name not in included)
                    self.write_any("return not (", excludes, ")")
                else:
                    out.writeline("return True")
        return self.source()

    def source(self) -> str:
        text = "\n".join((*self.helpers, *self.out.lines)) + "\n"
        # A test that keeps bounds per second of the clock must be the segment's only clock
        # reading: `now` is one instant per evaluation, and no other condition reads it.
        alone = len(self.clock_once) == 1 and _LAZY_CLOCK not in text
        for marker, (read, once) in self.clock_once.items():
            text = text.replace(marker, once if alone else read)
        return text

    def write_hoisted(self, which: Callable[[str], bool]) -> None:
        """Read the hoisted names ``which`` selects: one branch on ``d`` for all of them."""
        out = self.out
        chosen = [(name, local) for name, local in self.hoisted.items() if which(name)]
        if not chosen:
            return
        out.writeline("if d:")
        with out.indent():
            for name, local in chosen:
                out.writeline(f"{local} = p.get({out.const(name)})")
        out.writeline("else:")
        with out.indent():
            for name, local in chosen:
                out.writeline(f"{local} = {self.reader((name,))}(p)")
        for _, local in chosen:
            if local in self.typed:
                out.writeline(f"t{local[1:]} = type({local})")
            if local in self.normalised:
                out.writeline(f"n{local[1:]} = {local} if t{local[1:]} is not str or "
                              f"{local}.isascii() else _nfc({local})")

    def write_any(self, opening: str, blocks: list[str], closing: str) -> None:
        self.out.writeline(opening)
        with self.out.indent():
            for index, block in enumerate(blocks):
                self.out.writeline(("or " if index else "") + block)
        self.out.writeline(closing)

    def write_window(self, seg: n.Segment) -> None:
        out = self.out
        start, until = seg.active_from, seg.active_until
        if start is None and until is None:
            return  # the rules read the clock where they first need it (`_LAZY_CLOCK`)
        if self.needs_now:
            out.writeline("if now is None:")
            with out.indent():
                out.writeline("now = _utcnow()")
        instants = [None if d is None else out.const(runtime.aware(d)) for d in (start, until)]
        if not self.needs_now:
            # The clock as a float is far cheaper than an aware datetime when only the window
            # needs it; the bounds are inlined as seconds since the epoch.
            seconds = [None if d is None else out.literal(runtime.timestamp(d))
                       for d in (start, until)]
            out.writeline("if now is None:")
            with out.indent():
                out.writeline(f"if not {_within('_time()', *seconds)}:")
                with out.indent():
                    out.writeline("return False")
            out.writeline(f"elif not {_within('now', *instants)}:")
        else:
            out.writeline(f"if not {_within('now', *instants)}:")
        with out.indent():
            out.writeline("return False")

    def write_explicit(self, seg: n.Segment) -> None:
        out = self.out
        # An exclusion from either source wins; then an inclusion from either beats the rules.
        # Without a membership store the file's lists are one lookup: id -> included, where an
        # id in both lists maps to False.
        listed = dict.fromkeys(seg.include_customers, True)
        listed.update(dict.fromkeys(seg.exclude_customers, False))
        start = middle = len(out.lines)
        if listed:
            out.writeline("if members is None:")
            with out.indent():
                out.writeline("if cid is None:")
                with out.indent():
                    out.writeline(f"cid = p.get({out.const('id')}) if d else None")
                    # The adapter applies str() to an id that is not a string yet.
                    out.writeline("if type(cid) is not str:")
                    with out.indent():
                        out.writeline("cid = _cid(p, _E)")
                out.writeline(f"if cid in {out.const(listed)}:")
                with out.indent():
                    out.writeline(f"return {out.const(listed)}[cid]")
            middle = len(out.lines)
            out.writeline("else:")
        else:
            out.writeline("if members is not None:")
        with out.indent():
            # A membership store is the rare case: one call, not lines in every segment.
            lists = [out.const(frozenset(ids)) if ids else "None"
                     for ids in (seg.include_customers, seg.exclude_customers)]
            out.writeline(f"cid, found = _listed(members, {out.const(seg.name)}, cid, p, _E, "
                          f"{lists[0]}, {lists[1]})")
            out.writeline("if found is not None:")
            with out.indent():
                out.writeline("return found")
        end = len(out.lines)
        self.gates = attrs.evolve(self.gates, members=range(start, end),
                                  plain=range(start + 1, middle), listed=range(middle + 1, end))


def _listed(members: Any, segment: str, customer_id: object, profile: object,
           errors: runtime.ErrorCounter, included: frozenset[str] | None,
           excluded: frozenset[str] | None) -> tuple[object, bool | None]:
    """The customer id used, and what the explicit lists say with a membership store: False
    when excluded by the store or the file, True when included by either, None when neither
    (an exclusion wins). ``customer_id`` None means the profile's ``id``."""
    if customer_id is None:
        customer_id = adapters.customer_id(profile, errors)
    inc, exc = runtime.explicit(members, segment, customer_id, errors)
    if exc or (excluded is not None and customer_id in excluded):
        return customer_id, False
    if inc or (included is not None and customer_id in included):
        return customer_id, True
    return customer_id, None


def _bound(value: str) -> tuple[str, str]:
    """``(v, bind)``: how a condition names the datum ``value`` reads, and the expression that
    reads it first. A hoisted local is used as it is; any other read is bound to `_v` once."""
    return (value, value) if value.isidentifier() else ("_v", f"(_v := {value})")


def _string_literals(node: n.Compare) -> list[str] | None:
    """The literals of a case-sensitive condition on strings only, in NFC; None for any
    other condition (no literal, a number or date among them, or `ignoring case`)."""
    values = node.values
    if node.ignore_case or not values or not all(isinstance(v, n.String) for v in values):
        return None
    return [normal(v.value) for v in values if isinstance(v, n.String)]


def _unless(blocks: list[str]) -> list[str]:
    """Lines that return False unless one of ``blocks`` (expressions) holds."""
    return ["if not (", *(("    or " if index else "    ") + block
                          for index, block in enumerate(blocks)), "):", "    return False"]


def _within(moment: str, start: str | None, until: str | None) -> str:
    """The half-open window test ``start <= moment < until`` (either bound may be absent)."""
    low = f"{start} <= " if start is not None else ""
    high = f" < {until}" if until is not None else ""
    return f"({low}{moment}{high})"


def _cheapest_first(node: n.Expr) -> tuple[n.Expr, bool]:
    """``node`` with the items of every ``all``/``any`` that compute an aggregate (a loop over
    a list) moved after the others, and whether it computes one.

    Every condition is true or false, and failures inside one make it false, so the order
    changes no answer; most customers are then decided before any loop runs. Otherwise the
    written order is kept.
    """
    if isinstance(node, n.AllOf | n.AnyOf):
        ranked = [_cheapest_first(item) for item in node.items]
        ranked.sort(key=lambda pair: pair[1])  # stable: cheap items keep their order
        return attrs.evolve(node, items=[item for item, _ in ranked]), ranked[-1][1]
    if isinstance(node, n.Not):
        item, costly = _cheapest_first(node.item)
        return attrs.evolve(node, item=item), costly
    if isinstance(node, n.Compare):
        left = node.left
        while isinstance(left, n.TimeSince):
            left = left.operand
        return node, isinstance(left, n.Aggregate)
    return node, False


def _first_name(node: n.Expr) -> str | None:
    """The one-name profile path a block's first condition reads: read on every evaluation."""
    while isinstance(node, n.AllOf | n.AnyOf | n.Not):
        node = node.items[0] if isinstance(node, n.AllOf | n.AnyOf) else node.item
    if isinstance(node, n.Compare) and isinstance(node.left, n.Attr):
        left = node.left
        if left.root == "profile" and len(left.names) == 1:
            return left.names[0]
    return None


def _profile_names(node: n.Expr | n.Operand) -> Iterator[str]:
    """First names of the one-name profile paths a condition reads (not inside ``where``)."""
    if isinstance(node, n.AllOf | n.AnyOf):
        for item in node.items:
            yield from _profile_names(item)
    elif isinstance(node, n.Not):
        yield from _profile_names(node.item)
    elif isinstance(node, n.Compare | n.TimeSince):
        yield from _profile_names(node.left if isinstance(node, n.Compare) else node.operand)
    elif isinstance(node, n.Aggregate):
        yield from _profile_names(node.items)
    elif isinstance(node, n.Attr) and node.root == "profile" and len(node.names) == 1:
        yield node.names[0]


def _filename(segment: n.Segment) -> str:
    # A source may be named anything (`loads(text, source=…)`); compile() refuses a NUL or a
    # lone surrogate in a filename, so unprintable characters are written as escapes.
    where = ""
    if segment.span is not None:
        name = segment.span.source.name
        where = " " + "".join(c if c.isprintable() else ascii(c)[1:-1] for c in name)
    return f"<segrules segment {segment.name!r}{where}>"


# How many live books use each linecache entry: two books compiled from the same text share an
# entry, which must outlive the first of them to be dropped. Reentrant: the garbage collector
# may run a dropped book's `release` in a thread that holds the lock to register a source.
_users: Counter[str] = Counter()
_users_lock = threading.RLock()


def _register(filename: str, source: str) -> str:
    """Put ``source`` in ``linecache`` under ``filename`` (numbered if another text has it);
    the name used."""
    return _register_lines(filename, source)[0]


def _register_lines(filename: str, source: str) -> tuple[str, list[str]]:
    """Put ``source`` in ``linecache`` under ``filename`` (numbered if another text has it);
    the name used and the lines linecache holds (shared when another book has the same)."""
    lines = source.splitlines(keepends=True)
    unique, count = filename, 1
    with _users_lock:
        while unique in linecache.cache and linecache.getlines(unique) != lines:
            count += 1
            unique = f"{filename[:-1]} #{count}>"
        entry = linecache.cache.get(unique)
        if entry is not None and len(entry) == 4:
            lines = entry[2]
        else:
            linecache.cache[unique] = (len(source), None, lines, unique)
        _users[unique] += 1
    return unique, lines


def release(filenames: Iterable[str]) -> None:
    """Forget the generated sources of a dropped book that no other book still uses."""
    with _users_lock:
        for filename in filenames:
            _users[filename] -= 1
            if _users[filename] <= 0:
                del _users[filename]
                linecache.cache.pop(filename, None)


def compile_segment(segment: n.Segment, compiled: Mapping[str, Compiled],
                    attributes: Mapping[str, adapters.Computed], shared: Shared) -> Compiled:
    """Generate, compile and register one segment's function.

    ``compiled`` holds the segments it references (compile in reference order); ``attributes``
    the computed attributes; ``shared`` the book's namespace and error counter.
    """
    compiler = Emitter(segment, compiled, attributes, shared)
    source = compiler.compile()
    filename, lines = _register_lines(_filename(segment), source)
    defined: dict[str, Any] = {}  # the functions' globals are the book's namespace
    try:
        code = compile(source, filename, "exec")
    except BaseException:  # too deeply nested for Python: nothing of it may stay registered
        release([filename])
        raise
    exec(code, shared.namespace, defined)  # our source only
    function = defined.pop("segment")
    shared.namespace.update(defined)  # the helpers aggregates call
    function.__name__ = function.__qualname__ = f"segment {segment.name!r}"
    return Compiled(segment, function, lines, filename, compiler.needs_now,
                    tuple(compiler.referenced.values()), compiler.gates)


# What a bound predicate adds to the segment's body: the checks `matches` makes on its
# arguments, inlined. A datetime with a fixed-offset zone (UTC included) is used as it is, so
# the usual `now` costs two type tests; anything else is made safe by `arguments.moment`.
_BINDING: dict[str, object] = {
    "_datetime": dt.datetime, "_timezone": dt.timezone, "_moment": arguments.moment,
    "_Unusable": arguments.UnusableMoment, "_given_id": arguments.customer_id,
    # Options taken as ordinary parameters, refused by position (`arguments.KEYWORDS`).
    "_KEYWORDS": arguments.KEYWORDS, "_positional_options": arguments.positional_options,
}
_PROLOGUE = """\
def bind(store, members):
    def predicate(profile, _keywords=_KEYWORDS, session=None, customer_id=None, now=None):
        if _keywords is not _KEYWORDS:
            _positional_options(predicate)
        p = profile
        if now is not None and (type(now) is not _datetime or type(now.tzinfo) is not _timezone):
            try:
                now = _moment(now)
            except _Unusable:
                return _E.add()
"""
# The other arguments of the segment's body, each set only where the body reads it: a local
# less is a little less work on every call.
_ARGUMENTS = {
    "s": "        s = session\n",
    "cid": ("        cid = customer_id\n"
            "        if cid is not None and type(cid) is not str:\n"
            "            cid = _given_id(cid, p, _E)\n"),
    "memo": "        memo = None\n",
}
_EPILOGUE = """\
        except Exception:
            return _E.add()
    return predicate
"""


@functools.cache
def predicate_signature() -> inspect.Signature:
    """The signature every bound predicate shows (its options keyword-only, as
    ``arguments.keywords_only`` makes them): the prologue's, worked out once, not per
    predicate, since ``inspect`` costs far more than binding one."""
    defined: dict[str, Any] = {}
    exec(_predicate_source("", ["    pass\n"]), dict(_BINDING), defined)  # our source
    return inspect.signature(arguments.keywords_only(defined["bind"](None, None)))


def variant(compiled: Compiled, store: object, members: object) -> tuple[bool, bool]:
    """What a predicate bound to ``store`` and ``members`` knows for good: that the segment's
    store test passes, and that there is no membership store (``binder``'s variant)."""
    stores = compiled.segment.stores
    return (not stores or store in stores), members is None


def binder(compiled: Compiled, shared: Shared, known: tuple[bool, bool]
           ) -> Callable[[object, object], Callable[..., bool]]:
    """``bind(store, members)``: the segment as a one-customer function with those two fixed.

    The body is the segment's own generated body, inlined into the function a storefront calls,
    so a call is one Python call with no name lookup and no argument re-packing; the tests of
    ``store`` and ``members`` that ``known`` (``variant``) decides are left out.
    """
    lines = compiled.lines
    first = next(i for i, line in enumerate(lines) if line.startswith("def segment("))
    body = _without_gates(lines[first:], compiled.gates, *known)
    reads = _arguments_read(body)
    setting = "".join(text for name, text in _ARGUMENTS.items() if name in reads)
    source = _predicate_source(setting, body)
    defined: dict[str, Any] = {}  # not the shared namespace: threads may bind at once
    exec(compile(source, compiled.filename + " (bound)", "exec"), shared.namespace, defined)
    bind: Callable[[object, object], Callable[..., bool]] = defined["bind"]
    return bind


def _predicate_source(setting: str, body: list[str]) -> str:
    """``bind``'s source: the prologue, the lines ``setting`` the body's other arguments, and
    ``body`` (a segment function's lines after ``def``) run under the epilogue's ``except``."""
    return (_PROLOGUE + setting + "        try:\n" + textwrap.indent("".join(body), " " * 8)
            + _EPILOGUE)


def _arguments_read(body: list[str]) -> frozenset[str]:
    """Every name a segment function's body (its lines after ``def``) uses, a superset of the
    arguments it reads: the body compiled without parameters, so each argument it reads is a
    name of the compiled code (found there, not by reading the text, and in the same way on
    every Python version: the opcodes that read a local differ between versions)."""
    names: set[str] = set()
    pending = [compile("def segment():\n" + "".join(body), "<segment body>", "exec")]
    while pending:
        code = pending.pop()
        names.update(code.co_names, code.co_varnames, code.co_cellvars, code.co_freevars)
        pending.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
    return frozenset(names)


def _without_gates(function: list[str], gates: Gates, store_passes: bool, plain: bool
                   ) -> list[str]:
    """The body of ``function`` (its lines from ``def``) with the membership test replaced by
    the branch ``plain`` selects, one level less indented, the store test gone when
    ``store_passes``, and the lines making the store safe gone (it was made safe when bound)."""
    branch = gates.plain if plain else gates.listed
    kept = [line[4:] for line in function[branch.start:branch.stop]]
    body = function[:gates.members.start] + kept + function[gates.members.stop:]
    # Both come before the membership test, the lines making the store safe first.
    if store_passes:
        del body[gates.store.start:gates.store.stop]
    del body[gates.safe_store.start:gates.safe_store.stop]
    return body[1:]
