"""Whole-book evaluation: one generated evaluator that indexes segments on shared conditions.

A storefront asks "which of these 1,000 segments is this shopper in?" on every page view, and
most books are many segments over a few attributes (country, tier, spend thresholds). Calling
every segment's function reads the same attributes a thousand times and tests the same
conditions over and over. Instead, as in the alpha network of Rete, the book is analysed once:

- For each segment, the conditions that *every* include block requires are found: equality
  (``is``, ``is one of``, with or without ``ignoring case``) and integer thresholds (``>=``,
  ``>``, ``<=``, ``<``, ``between``) on profile attributes. Such a condition holds for no
  customer whose value fails it, so the segment need not be evaluated for that customer.
- Segments that require a condition on the same attribute share one index: equality as a dict
  from the value's comparison key to the bit mask of the segments it satisfies (one dict per
  data class, so the runtime's equality is kept exactly: text in NFC or caseless form, ``1``,
  ``1.0`` and ``Decimal("1")`` equal, NaN equal to nothing, a bool never a number), thresholds
  as sorted bounds with precomputed masks, found by bisection.
- One function, generated for the book, reads each indexed attribute once and combines the
  masks: it returns the segments proven members and the candidates still to evaluate.

A segment is *proven* by the index only when its whole membership is one conjunction of indexed
conditions (one include block, no exclude block, no explicit list, no window, enabled); its
stores are a mask too. Everything else the index cannot prove — any other condition,
references, windows, explicit lists, a value of a class the index does not key (a list, a
``Decimal``, a NumPy scalar, a callable…) — is decided by the segment's own compiled function,
so the answers are those of ``Book.matches`` by construction. A book without a membership store
only is indexed: a store may list a customer in any segment, so with one every segment is asked.
"""

from __future__ import annotations

import bisect
import threading
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, NoReturn

from . import adapters, arguments, codegen, runtime
from . import nodes as n
from .loader import collector_paused
from .numeric import equal_floats
from .text import caseless, nfc, normal

__all__ = ["Network", "network_for"]

# Ints beyond this are not all floats: a float datum compares with them as written, not as its
# binary value, so such thresholds are left to the segment's function.
_FLOAT_EXACT = 2**53
# Bounded caches of answers by mask: distinct masks are few in practice (one per combination of
# attribute values that matters), but a flood of unusual ones must not grow memory for ever.
_CACHE_SIZE = 2048

Key = tuple[Any, ...]  # ("eq", path, ignore_case) or ("ord", path, op)
Atom = tuple[str, object]  # ("s", folded text) or ("n", int | Decimal)


# --- analysis: what each include block requires ------------------------------------------------


def _condition(node: n.Compare, computed: Mapping[str, object]) -> dict[Key, Any] | None:
    """The index keys a comparison constrains, or None when it is not one the index keys."""
    left = node.left
    if (not isinstance(left, n.Attr) or left.root != "profile" or node.negated
            or left.names[0] in computed):
        return None
    path = left.names
    if node.op in ("eq", "in"):
        if not node.values or not all(isinstance(v, n.String | n.Number) for v in node.values):
            return None
        fold = caseless if node.ignore_case else normal
        atoms: set[Atom] = {("s", fold(v.value)) for v in node.values if isinstance(v, n.String)}
        # A NaN literal equals nothing, so it keys nothing.
        atoms.update(("n", v.value) for v in node.values
                     if isinstance(v, n.Number) and not (isinstance(v.value, Decimal)
                                                         and v.value.is_nan()))
        return {("eq", path, node.ignore_case): frozenset(atoms)}
    bounds = [v.value for v in node.values if isinstance(v, n.Number)]
    if (len(bounds) != len(node.values) or not bounds
            or not all(type(b) is int and -_FLOAT_EXACT <= b <= _FLOAT_EXACT for b in bounds)):
        return None
    if node.op in ("ge", "gt", "le", "lt"):
        return {("ord", path, node.op): bounds[0]}
    if node.op == "between":
        return {("ord", path, "ge"): bounds[0], ("ord", path, "le"): bounds[1]}
    return None


def _tighter(key: Key, a: Any, b: Any) -> Any:
    if key[0] == "eq":
        return a & b
    return max(a, b) if key[2] in ("ge", "gt") else min(a, b)


def _looser(key: Key, a: Any, b: Any) -> Any:
    if key[0] == "eq":
        return a | b
    return min(a, b) if key[2] in ("ge", "gt") else max(a, b)


def requirements(node: n.Expr, computed: Mapping[str, object]) -> tuple[dict[Key, Any], bool]:
    """What ``node`` requires of the profile (``key -> literals or bound``), and whether it is
    exactly the conjunction of those requirements."""
    if isinstance(node, n.Compare):
        found = _condition(node, computed)
        return (found, True) if found is not None else ({}, False)
    if isinstance(node, n.Everyone):
        return {}, True
    if isinstance(node, n.AllOf):
        merged: dict[Key, Any] = {}
        exact = True
        for item in node.items:
            found, whole = requirements(item, computed)
            exact &= whole
            for key, value in found.items():
                merged[key] = _tighter(key, merged[key], value) if key in merged else value
        return merged, exact
    if isinstance(node, n.AnyOf):
        return _either([item for item in node.items], computed)
    return {}, False


def _either(items: Sequence[n.Expr], computed: Mapping[str, object]
            ) -> tuple[dict[Key, Any], bool]:
    """What any one of ``items`` requires: the keys all of them constrain, loosened."""
    if len(items) == 1:
        return requirements(items[0], computed)
    found = [requirements(item, computed)[0] for item in items]
    common = set(found[0]).intersection(*found[1:]) if found else set()
    merged: dict[Key, Any] = {}
    for key in common:
        merged[key] = found[0][key]
        for other in found[1:]:
            merged[key] = _looser(key, merged[key], other[key])
    return merged, False


# --- the indexes -------------------------------------------------------------------------------


class _Index:
    """One key's index: the segments that require it, and how a value narrows them."""

    def __init__(self, key: Key) -> None:
        self.key = key
        self.by_segment: dict[int, Any] = {}  # bit -> literals (eq) or bound (ord)

    @property
    def required(self) -> int:
        mask = 0
        for bit in self.by_segment:
            mask |= bit
        return mask

    def equality(self, everyone: int) -> tuple[dict[str, int], dict[object, int], dict[float, int]]:
        """Masks by text key, by exact number and by float, each with the unconstrained
        segments (``everyone`` outside ``required``) already in."""
        text: dict[str, int] = {}
        exact: dict[object, int] = {}
        floats: dict[float, int] = {}
        for bit, atoms in self.by_segment.items():
            for kind, value in atoms:
                if kind == "s":
                    text[value] = text.get(value, 0) | bit
                else:
                    exact[value] = exact.get(value, 0) | bit
                    for f in equal_floats([value]):
                        floats[f] = floats.get(f, 0) | bit
        free = everyone & ~self.required
        return ({k: m | free for k, m in text.items()}, {k: m | free for k, m in exact.items()},
                {k: m | free for k, m in floats.items()})

    def thresholds(self, everyone: int) -> tuple[list[int], list[int]]:
        """Sorted distinct bounds, and the mask of satisfied segments for each bisection point
        (``masks[i]``: the value lies after ``bounds[:i]``), unconstrained segments included."""
        op = self.key[2]
        bounds = sorted(set(self.by_segment.values()))
        at = {b: 0 for b in bounds}
        for bit, bound in self.by_segment.items():
            at[bound] |= bit
        free = everyone & ~self.required
        # `ge`/`gt` hold for the bounds below the value, `le`/`lt` for those above; which side
        # a value equal to a bound falls is chosen by the bisection (left or right).
        masks = [free]
        for bound in (bounds if op in ("ge", "gt") else reversed(bounds)):
            masks.append(masks[-1] | at[bound])
        if op not in ("ge", "gt"):
            masks.reverse()
        return bounds, masks


# --- generation --------------------------------------------------------------------------------


class _Source:
    """Lines of the evaluator and the constants they name (nothing a user wrote is spliced)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.constants: dict[str, object] = {}

    def const(self, value: object) -> str:
        name = f"_k{len(self.constants)}"
        self.constants[name] = value
        return name

    def line(self, depth: int, text: str) -> None:
        self.lines.append("    " * depth + text)


def _generate(indexes: list[_Index], enabled: int, live: int, exact: int, listed: int,
              stores: dict[str, int], unlisted: int, errors: runtime.ErrorCounter
              ) -> tuple[str, dict[str, object]]:
    out = _Source()
    out.line(0, "def network(p, store):")
    if stores:
        out.line(1, f"g = {out.const(stores)}.get(store, {out.const(unlisted)})")
    else:
        out.line(1, f"g = {out.const(enabled)}")
    out.line(1, f"m = g & {out.const(live)}")
    out.line(1, "u = 0")
    paths = list(dict.fromkeys(index.key[1] for index in indexes))
    local = {path: f"v{i}" for i, path in enumerate(paths)}
    single = [path for path in paths if len(path) == 1]
    # Each attribute is read once: a dict profile by key, anything else through its adapter.
    if single:
        out.line(1, "if type(p) is dict:")
        for path in single:
            out.line(2, f"{local[path]} = p.get({out.const(path[0])})")
        out.line(1, "else:")
        for path in single:
            out.line(2, f"{local[path]} = {out.const(adapters.reader(path, errors))}(p)")
    for path in paths:
        if len(path) > 1:
            out.line(1, f"{local[path]} = {out.const(adapters.reader(path, errors))}(p)")
    for index in indexes:
        v = local[index.key[1]]
        free = out.const(live & ~index.required)
        out.line(1, f"t = type({v})")
        if index.key[0] == "eq":
            text, exact_numbers, floats = index.equality(live)
            key = (f"_caseless({v})" if index.key[2]
                   else f"({v} if {v}.isascii() else _nfc({v}))")
            out.line(1, "if t is str:")
            out.line(2, f"m &= {out.const(text)}.get({key}, {free})")
            if exact_numbers:
                out.line(1, "elif t is int:")
                out.line(2, f"m &= {out.const(exact_numbers)}.get({v}, {free})")
                out.line(1, "elif t is float:")
                out.line(2, f"m &= {out.const(floats)}.get({v}, {free})")
            else:  # no number literal: a number equals none of them
                out.line(1, "elif t is int or t is float:")
                out.line(2, f"m &= {free}")
        else:
            bounds, masks = index.thresholds(live)
            side = "_right" if index.key[2] in ("ge", "lt") else "_left"
            out.line(1, "if t is int or t is float:")
            # NaN is ordered with nothing: every bound fails.
            out.line(2, f"m &= {out.const(masks)}[{side}({out.const(bounds)}, {v})] "
                        f"if {v} == {v} else {free}")
        out.line(1, f"elif {v} is None:")
        out.line(2, f"m &= {free}")
        # Any other value (a list, a Decimal, a callable…) is left to the segments' functions.
        out.line(1, "else:")
        out.line(2, f"u |= {out.const(index.required)}")
    out.line(1, f"proven = m & {out.const(exact)} & ~u")
    out.line(1, f"return proven, (m & ~proven) | (g & {out.const(listed)}), g")
    return "\n".join(out.lines) + "\n", out.constants


# --- the evaluator -----------------------------------------------------------------------------


class Network:
    """A book's whole-book evaluator: ``segments(...)`` is ``segments_for`` without a
    membership store (see the module docstring)."""

    def __init__(self, compiled: Sequence[codegen.Compiled], names: Sequence[str],
                 attributes: Mapping[str, object], errors: runtime.ErrorCounter) -> None:
        """``compiled``: the book's segments in reference order (each after the segments it
        references), which is the order their bits are numbered and evaluated in."""
        self._errors = errors
        self._entries = [(1 << i, c.name, c.function) for i, c in enumerate(compiled)]
        self._names = [c.name for c in compiled]
        self._positions = {c.name: i for i, c in enumerate(compiled)}
        self._file_order = {name: i for i, name in enumerate(names)}
        referenced = {r.name for c in compiled for r in c.references}
        self._referenced = frozenset(referenced)
        indexes: dict[Key, _Index] = {}
        live = exact = listed = unlisted = windowed = enabled = 0
        stores: dict[str, int] = {}
        for bit, segment in ((1 << i, c.segment) for i, c in enumerate(compiled)):
            if segment.disabled:
                continue  # a member of nothing, referenced or not: its bit is never set
            enabled |= bit
            if segment.active_from is not None or segment.active_until is not None:
                windowed |= bit
            if segment.include_customers or segment.exclude_customers:
                listed |= bit
            if segment.stores:
                for store in segment.stores:
                    stores[store] = stores.get(store, 0) | bit
            else:
                unlisted |= bit
            if not segment.includes:
                continue  # only explicit lists make members: never proven, never a candidate
            live |= bit
            found, whole = _either(segment.includes, attributes)
            if whole and not segment.excludes and not (bit & (listed | windowed)):
                exact |= bit
            for key, value in found.items():
                indexes.setdefault(key, _Index(key)).by_segment[bit] = value
        stores = {store: mask | unlisted for store, mask in stores.items()}
        ordered = sorted(indexes.values(), key=lambda index: -len(index.by_segment))
        self._windowed = windowed
        source, constants = _generate(ordered, enabled, live, exact, listed, stores, unlisted,
                                      errors)
        self.source = source
        self.filename = codegen._register(f"<segrules network of {len(compiled)} segments>",
                                          source)
        namespace: dict[str, Any] = {"_caseless": caseless, "_nfc": nfc,
                                     "_left": bisect.bisect_left, "_right": bisect.bisect_right,
                                     **constants}
        exec(compile(source, self.filename, "exec"), namespace)  # our own generated source only
        self._network: Callable[[object, object], tuple[int, int, int]] = namespace["network"]
        self._answers: dict[int, frozenset[str]] = {}
        # A group written twice in one segment is given once.
        self._groups = {c.name: tuple(dict.fromkeys(c.segment.groups)) for c in compiled
                        if c.segment.groups}
        self._given: dict[frozenset[str], dict[str, tuple[str, ...]]] = {}
        self._todo: dict[int, tuple[tuple[int, str, Callable[..., bool]], ...]] = {}

    def segments(self, profile: object, session: object, customer_id: object, store: object,
                 moment: Any, members: Any = None) -> frozenset[str] | None:
        """The segments the customer is in; ``store`` is made safe (``arguments.store``),
        ``moment`` is an aware datetime or None (the clock, read once if a segment needs it).
        None when reading the profile raised (a hostile mapping's lookup): the caller then
        asks every segment's function, which decides and counts the failure."""
        try:
            proven, todo, gated = self._network(profile, store)
        except Exception:
            return None
        memo: dict[Any, Any] = {}
        cid: object = customer_id
        if members is not None:
            # The store may list the customer in any segment that passes its store and window:
            # it is asked once for each; the index still spares the rules it rules out.
            todo |= gated & self._windowed
            cid = arguments.customer_id(customer_id, profile, self._errors)
            proven = self._explicit(gated & ~todo, proven, members, cid, memo)
        elif todo:
            cid = arguments.customer_id(customer_id, profile, self._errors)
        if todo:
            proven |= self._evaluate(todo, profile, session, cid, store, moment, members, memo)
        answer = self._answers.get(proven)
        if answer is None:
            answer = frozenset(self._members(proven))
            if len(self._answers) >= _CACHE_SIZE:
                self._answers.clear()
            self._answers[proven] = answer
        return answer

    def membership(self, profile: object, session: object, cid: object, store: object,
                   moment: Any, members: Any, unknown: Callable[[object], NoReturn]
                   ) -> Callable[[str], bool]:
        """``Book.membership``: the index is consulted on the first question; a segment it
        cannot decide is evaluated when asked, at most once (``cid`` and ``moment`` are final)."""
        memo: dict[Any, Any] = {}
        masks: tuple[int, int, int] | None = None
        errors, positions, entries = self._errors, self._positions, self._entries
        windowed = self._windowed

        def member(name: str) -> bool:
            nonlocal masks
            found = memo.get(name)
            if found is not None:
                return bool(found)
            at = positions.get(name)
            if at is None:
                unknown(name)
            if masks is None:
                try:
                    masks = self._network(profile, store)
                except Exception:
                    masks = (0, -1, -1)  # a profile whose lookups raise: each segment decides
            proven, todo, gated = masks
            bit, _, function = entries[at]
            if bit & todo or (members is not None and bit & gated & windowed):
                try:
                    found = function(profile, session, cid, store, moment, members, memo)
                except Exception:
                    found = errors.add()
            elif members is not None and bit & gated:
                included, excluded = runtime.explicit(members, name, cid, errors)
                found = not excluded and (included or bool(proven & bit))
            else:
                found = bool(proven & bit)
            memo[name] = found
            return bool(found)
        return member

    def _explicit(self, decided: int, proven: int, members: Any, cid: object,
                  memo: dict[Any, Any]) -> int:
        """Members among the ``decided`` segments (their rules ``proven`` or ruled out, no
        window, no list in the file) once the store's lists are applied."""
        errors, names, referenced = self._errors, self._names, self._referenced
        found = 0
        for i in _bits(decided):
            bit, name = 1 << i, names[i]
            included, excluded = runtime.explicit(members, name, cid, errors)
            result = not excluded and (included or bool(proven & bit))
            if result:
                found |= bit
            if name in referenced:
                memo[name] = result
        return found

    def _evaluate(self, todo: int, profile: object, session: object, cid: object,
                  store: object, moment: Any, members: Any, memo: dict[Any, Any]) -> int:
        entries = self._todo.get(todo)
        if entries is None:
            entries = tuple(self._entries[i] for i in _bits(todo))
            if len(self._todo) >= _CACHE_SIZE:
                self._todo.clear()
            self._todo[todo] = entries
        errors, referenced = self._errors, self._referenced
        if moment is None:
            moment = runtime.utcnow()  # one reading for every segment of the evaluation
        # Only referenced segments are kept: `in segment` looks them up; computed attributes
        # keep their values here too, so each is computed once per evaluation.
        found = 0
        for bit, name, function in entries:
            result = memo.get(name)
            if result is None:
                try:
                    result = function(profile, session, cid, store, moment, members, memo)
                except Exception:
                    result = errors.add()
                if name in referenced:
                    memo[name] = result
            if result:
                found |= bit
        return found

    def _members(self, mask: int) -> list[str]:
        names = self._names
        return [names[i] for i in _bits(mask)]

    def groups(self, within: frozenset[str]) -> Mapping[str, tuple[str, ...]]:
        """The groups the segments ``within`` give, each with those segments in file order;
        remembered per answer, as ``segments`` hands out the same answers again."""
        given = self._given.get(within)
        if given is None:
            given = {}
            for name in sorted(within.intersection(self._groups), key=self._file_order.__getitem__):
                for group in self._groups[name]:
                    given[group] = (*given.get(group, ()), name)
            if len(self._given) >= _CACHE_SIZE:
                self._given.clear()
            self._given[within] = given
        return given


def _bits(mask: int) -> Iterable[int]:
    """The positions of the set bits of ``mask``, lowest first."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


_lock = threading.Lock()


def network_for(book: Any, compiled: Sequence[codegen.Compiled], names: Sequence[str],
                attributes: Mapping[str, object], errors: runtime.ErrorCounter,
                store: Callable[[Network], None]) -> Network:
    """Build ``book``'s network once, under a lock; ``store`` keeps it on the book. Its source
    stays in ``linecache`` as long as the book lives."""
    with _lock:
        built = getattr(book, "_network", None)
        if built is None:
            # The analysis makes many small objects and nothing cyclic: a collector pass over
            # the whole heap (a large book's AST and functions) for each would cost more than it.
            with collector_paused():
                built = Network(compiled, names, attributes, errors)
            weakref.finalize(book, codegen.release, [built.filename])
            store(built)
        return built
