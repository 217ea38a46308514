"""The loaded, compiled set of segments a storefront asks "is this shopper in …?".

A ``Book`` compiles each segment once, on its first use (``prepare()`` compiles them all now),
and is otherwise immutable, so one book can serve every request thread of a process: only
compiling takes a lock, once per segment, never a call to a compiled one. Evaluation never
raises: an odd profile makes a condition false and is counted in ``evaluation_errors``; only
asking for a segment the book does not have is an error (``UnknownSegmentError``, also a
``KeyError``).
"""

from __future__ import annotations

import datetime as dt
import difflib
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NoReturn

from attrs import frozen

from . import adapters, arguments, codegen, lazy, network, runtime
from . import nodes as n
from .checker import check, references
from .errors import Diagnostic, SegrulesReferenceError, UnknownSegmentError, error_for

if TYPE_CHECKING:
    from .explain import Explanation

__all__ = ["Book", "GroupProvenance"]

_KEYWORDS = arguments.KEYWORDS  # one global lookup per `matches` call, not two


@frozen
class GroupProvenance:
    """Why a customer has a group: ``assigned`` to them, and/or given by these ``segments``.

    Both are kept, so removing an assignment leaves the group in place while a segment still
    gives it (docs/membership.md, "Groups").
    """

    assigned: bool
    segments: tuple[str, ...]


def _reference_order(document: n.Document) -> list[n.Segment]:
    """Segments ordered so each comes after the segments it references."""
    by_name: dict[str, n.Segment] = {}
    for segment in document.segments:
        by_name.setdefault(segment.name, segment)
    ordered: list[n.Segment] = []
    state: dict[str, str] = {}
    for root in by_name:
        stack = [(root, iter(references(by_name[root])))]
        state.setdefault(root, "open")
        if state[root] == "done":
            continue
        while stack:
            name, pending = stack[-1]
            ref = next(pending, None)
            if ref is None:
                stack.pop()
                state[name] = "done"
                ordered.append(by_name[name])
            elif ref.name not in by_name or state.get(ref.name) == "open":
                _raise_reference_errors(document)
            elif ref.name not in state:
                state[ref.name] = "open"
                stack.append((ref.name, iter(references(by_name[ref.name]))))
    return ordered


def _raise_reference_errors(document: n.Document) -> NoReturn:
    # Books from the loader are checked already; one built from a hand-made document gets the
    # checker's own diagnostics for an unknown name or a cycle.
    errors = [d for d in check(document) if d.severity == "error"]
    if errors:
        raise error_for(errors)
    raise SegrulesReferenceError("segment references cannot be ordered")


class Book:
    """Compiled segments, by name, in file order; evaluate with ``matches``/``segments_for``.

    ``Book(document, warnings=(), attributes=None)``: ``document`` is a checked
    ``nodes.Document`` (``segrules.loads`` builds one), ``attributes`` an
    ``adapters.Attributes`` registry of computed attributes (copied at construction).
    """

    __slots__ = ("__weakref__", "_attributes", "_binders", "_compiled", "_compiler", "_document",
                 "_errors", "_functions", "_names", "_network", "_segments", "_shared",
                 "_warnings")
    _attributes: Mapping[str, adapters.Computed]
    _binders: dict[tuple[str, tuple[bool, bool]], Callable[[object, object], Callable[..., bool]]]
    _compiled: dict[str, codegen.Compiled]
    _compiler: lazy.Compiler
    _document: n.Document
    _errors: runtime.ErrorCounter
    _functions: dict[str, Callable[..., bool]]
    _names: tuple[str, ...]
    _network: network.Network | None
    _segments: dict[str, n.Segment]
    _shared: codegen.Shared
    _warnings: tuple[Diagnostic, ...]

    def __init__(self, document: n.Document, warnings: Iterable[Diagnostic] = (),
                 attributes: adapters.Attributes | Mapping[str, adapters.Computed] | None = None
                 ) -> None:
        computed = (attributes.snapshot() if isinstance(attributes, adapters.Attributes)
                    else dict(attributes or {}))
        errors = runtime.ErrorCounter()
        shared = codegen.Shared(errors)
        ordered = _reference_order(document)  # a name defined twice: the first definition
        # Generated sources live in linecache (for tracebacks) only as long as the book; the
        # compiler adds each one it registers, whenever it compiles.
        filenames: list[str] = []
        weakref.finalize(self, codegen.release, filenames)
        compiler = lazy.Compiler(ordered, computed, shared, filenames)
        names = tuple(dict.fromkeys(s.name for s in document.segments))
        by_name = {s.name: s for s in ordered}
        for slot, value in (
            ("_document", document), ("_warnings", tuple(warnings)),
            ("_attributes", MappingProxyType(computed)), ("_errors", errors),
            ("_names", names), ("_segments", {name: by_name[name] for name in names}),
            # Both filled as segments are compiled, on first use (module `lazy`).
            ("_compiled", compiler.compiled), ("_compiler", compiler),
            # Reference order: in `segments_for` every reference is then a memo hit.
            ("_functions", compiler.functions),
            ("_network", None),  # built on the first whole-book evaluation
            ("_shared", shared), ("_binders", {}),
        ):
            object.__setattr__(self, slot, value)

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"a Book is immutable; cannot set {name!r}")

    # --- the segments ----------------------------------------------------------------------

    @property
    def names(self) -> tuple[str, ...]:
        return self._names

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return self._warnings

    @property
    def document(self) -> n.Document:
        return self._document

    @property
    def attributes(self) -> Mapping[str, adapters.Computed]:
        """The computed attributes the book was compiled with (read-only)."""
        return self._attributes

    @property
    def evaluation_errors(self) -> int:
        """How many times a condition failed on odd data (and was taken as false)."""
        return self._errors.value

    def __getitem__(self, name: str) -> n.Segment:
        segment = self._segments.get(name)
        if segment is None:
            self._unknown(name)
        return segment

    def __contains__(self, name: object) -> bool:
        return name in self._segments

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __repr__(self) -> str:
        return f"<Book of {len(self._names)} segments: {', '.join(self._names[:5])}>"

    def compiled(self, name: str) -> codegen.Compiled:
        """The generated function of segment ``name`` with its source and file name."""
        found = self._compiled.get(name)
        if found is None:
            if name not in self._segments:
                self._unknown(name)
            found = self._compiler.compile(name)  # on first use, with what it references
        return found

    def source(self, name: str) -> str:
        """The Python source generated for segment ``name``."""
        return self.compiled(name).source

    def prepare(self) -> Book:
        """Compile every segment and build the whole-book index now; returns the book.

        A loaded book compiles a segment when it is first asked about, and the index on the
        first ``segments_for``/``groups_for``/``membership``, so loading costs only parsing and
        checking. A storefront that wants no first-request latency calls this after loading
        (``Reloader`` does, before it swaps a new book in).
        """
        self._evaluator()
        return self

    def _unknown(self, name: object) -> NoReturn:
        # The name may be anything a caller passed: an int too long for str(), an object
        # whose __str__ or __repr__ raises; the error must still be the UnknownSegmentError.
        text = adapters.id_text(name)
        close = difflib.get_close_matches(text, self._names, n=1) if text is not None else []
        hint = f"did you mean `{close[0]}`?" if close else None
        try:
            shown = repr(name)
        except Exception:
            shown = f"<{type(name).__name__}>"
        raise UnknownSegmentError([Diagnostic("SR204", f"no segment named {shown}", hint=hint)])

    # --- evaluation ------------------------------------------------------------------------

    @arguments.keywords_only
    def matches(self, name: str, profile: object, _keywords: object = arguments.KEYWORDS,
                session: object = None, customer_id: object = None, store: str | None = None,
                now: dt.date | None = None, members: Any = None) -> bool:
        """Whether the customer is in ``name`` (docs/membership.md); never raises on odd data."""
        # The options are keyword-only; taken as ordinary parameters they cost no dict lookup
        # per call (`arguments.KEYWORDS`).
        if _keywords is not _KEYWORDS:
            arguments.positional_options(Book.matches)
        try:
            function = self._functions[name]
        except KeyError:
            self._unknown(name)
        # The usual arguments need no call: no `now` or an aware datetime with a fixed offset,
        # no customer id or a str one. The store is made safe by the segments that test it.
        if now is not None and (type(now) is not dt.datetime
                                or type(now.tzinfo) is not dt.timezone):
            try:
                now = arguments.moment(now)
            except arguments.UnusableMoment:
                return self._errors.add()
        if customer_id is not None and type(customer_id) is not str:
            customer_id = arguments.customer_id(customer_id, profile, self._errors)
        try:
            return function(profile, session, customer_id, store, now, members, None)
        except Exception:
            return self._errors.add()

    def predicate(self, name: str, *, store: str | None = None, members: Any = None
                  ) -> Callable[..., bool]:
        """Segment ``name`` as a function of one customer, for a storefront's hot path.

        ``f(profile, *, session=None, customer_id=None, now=None) -> bool`` gives the answer
        ``matches(name, profile, store=store, members=members, ...)`` gives, with the segment
        looked up and the store made safe once, here, instead of on every call. An unknown name
        raises ``UnknownSegmentError`` now, never later; the function never raises on odd data.
        """
        compiled = self.compiled(name)  # compiled on first use; an unknown name is refused
        place = arguments.store(store)
        key = (name, codegen.variant(compiled, place, members))
        bind = self._binders.get(key)
        if bind is None:
            # Generated on first use: most segments are never bound, and a book loads faster
            # without them. Two threads racing here build equal functions; either is kept.
            bind = self._binders[key] = codegen.binder(compiled, self._shared, key[1])
        segment = bind(place, members)
        segment.__name__ = segment.__qualname__ = f"predicate {name!r}"
        segment.__signature__ = codegen.predicate_signature()  # type: ignore[attr-defined]
        return segment

    def membership(self, profile: object, *, session: object = None,
                   customer_id: object = None, store: str | None = None,
                   now: dt.date | None = None, members: Any = None) -> Callable[[str], bool]:
        """One customer at one moment, as a function ``name -> bool``.

        However often it is asked, each segment is evaluated at most once, and references share
        the answers; targets and content slots that ask about a few segments use this.
        """
        functions = self._functions
        try:
            moment, cid = self._moment_and_id(profile, customer_id, now)
        except arguments.UnusableMoment:
            self._errors.add()

            def nobody(name: str) -> bool:
                if name not in functions:
                    self._unknown(name)
                return False
            return nobody
        # The index answers for the segments it decides; the others are evaluated when asked.
        return self._evaluator().membership(profile, session, cid, arguments.store(store),
                                            moment, members, self._unknown)

    def segments_for(self, profile: object, *, session: object = None,
                     customer_id: object = None, store: str | None = None,
                     now: dt.date | None = None, members: Any = None) -> frozenset[str]:
        """Every segment the customer is in; each segment is evaluated at most once."""
        try:
            moment = None if now is None else arguments.moment(now)
        except arguments.UnusableMoment:
            self._errors.add()
            return frozenset()
        return self._indexed(profile, session, customer_id, arguments.store(store), moment,
                             members)

    def _indexed(self, profile: object, session: object, customer_id: object, place: object,
                 moment: dt.datetime | None, members: Any) -> frozenset[str]:
        """The whole book through its indexed evaluator (module ``network``): a customer
        touches only the segments that can match."""
        found = self._evaluator().segments(profile, session, customer_id, place, moment, members)
        if found is None:  # a profile whose lookups raise: each segment decides, and counts
            return self._one_by_one(profile, session, customer_id, place, moment, members)
        return found

    def _evaluator(self) -> network.Network:
        evaluator = self._network
        if evaluator is None:
            self._compiler.compile_all()
            evaluator = network.network_for(
                self, [self._compiled[name] for name in self._functions], self._names,
                self._attributes, self._errors,
                lambda built: object.__setattr__(self, "_network", built))
        return evaluator

    def _one_by_one(self, profile: object, session: object, customer_id: object,
                    store: object, now: dt.date | None, members: Any) -> frozenset[str]:
        """Every segment's function in reference order, each evaluated at most once."""
        self._compiler.compile_all()
        try:
            moment, cid = self._moment_and_id(profile, customer_id, now)
        except arguments.UnusableMoment:
            self._errors.add()
            return frozenset()
        place = arguments.store(store)
        memo: dict[Any, Any] = {}
        for name, function in self._functions.items():
            if name not in memo:
                try:
                    memo[name] = function(profile, session, cid, place, moment, members, memo)
                except Exception:
                    memo[name] = self._errors.add()
        return frozenset(name for name in self._names if memo[name])

    def _moment_and_id(self, profile: object, customer_id: object, now: dt.date | None
                       ) -> tuple[dt.datetime, object]:
        """One clock reading and one id for every segment of an evaluation."""
        moment = runtime.utcnow() if now is None else arguments.moment(now)
        return moment, arguments.customer_id(customer_id, profile, self._errors)

    def explain(self, name: str, profile: object, *, session: object = None,
                customer_id: object = None, store: str | None = None,
                now: dt.date | None = None, members: Any = None) -> Explanation:
        """Why the customer is or is not in segment ``name``: the rule that decided, each block
        and condition with the values seen; ``str()`` renders it. Agrees with ``matches``."""
        from .explain import explain

        return explain(self, name, profile, session=session, customer_id=customer_id,
                       store=store, now=now, members=members)

    def groups_for(self, profile: object, *, assigned: Iterable[str] = (),
                   session: object = None, customer_id: object = None,
                   store: str | None = None, now: dt.date | None = None,
                   members: Any = None) -> Mapping[str, GroupProvenance]:
        """The customer's groups: the ``assigned`` ones and those of every segment they are in.

        Ordered assigned groups first, then by segment in file order; read-only.
        """
        within = self.segments_for(profile, session=session, customer_id=customer_id,
                                   store=store, now=now, members=members)
        given = self._evaluator().groups(within)
        groups = {group: GroupProvenance(True, given.get(group, ())) for group in assigned}
        for group, segments in given.items():
            groups.setdefault(group, GroupProvenance(False, segments))
        return MappingProxyType(groups)
