"""Compiling a book's segments on first use instead of at load.

Generating and compiling Python for every segment was most of a large load (about a
millisecond per segment), and a storefront that asks about a few segments, or a CLI run that
lints a file, never needs most of them. So a book starts with a small stand-in per segment
(``first_call``) that compiles the segment, and what it references, when it is first called,
then puts the real function in its place: after that a call costs what it always did.

One lock per book serialises compilation, because the book's shared namespace of constants is
mutated by it; a compiled segment is published only once it is complete, after every segment it
references, so a thread that finds it (without the lock) can use it at once.

Compiling must not fail later for a book that loaded. What could make it fail is nesting: the
generated source nests a level per level of conditions, and Python refuses more than 200 levels
of parentheses, or runs out of stack when asked deep in a caller's. So a segment nested deeper
than ``EAGER_DEPTH`` is compiled at load, where such a failure is a clear error
(``SR107``); every other segment is shallow enough to compile anywhere.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from . import adapters, codegen
from . import nodes as n
from .checker import references
from .errors import Diagnostic, SegrulesError
from .loader import collector_paused

__all__ = ["EAGER_DEPTH", "Compiler", "nesting_above"]

#: Segments whose conditions nest deeper than this are compiled at load (see the docstring).
EAGER_DEPTH = 40


class Compiler:
    """The compiled segments of one book, filled on demand.

    ``compiled`` maps a name to its ``codegen.Compiled`` once it is compiled; ``functions`` maps
    every name, in reference order, to its function or to the stand-in that compiles it. Every
    generated source registered in ``linecache`` is added to ``filenames``, which the book
    releases when it is dropped. The compiler holds no reference to the book, so a dropped book
    is freed, and its sources released, at once.
    """

    __slots__ = ("_attributes", "_filenames", "_lock", "_order", "_segments", "_shared",
                 "compiled", "functions")

    def __init__(self, ordered: list[n.Segment], attributes: Mapping[str, adapters.Computed],
                 shared: codegen.Shared, filenames: list[str]) -> None:
        self._segments = {segment.name: segment for segment in ordered}
        self._order = {segment.name: index for index, segment in enumerate(ordered)}
        self._attributes = attributes
        self._shared = shared
        self._filenames = filenames
        self._lock = threading.Lock()
        self.compiled: dict[str, codegen.Compiled] = {}
        self.functions: dict[str, Callable[..., bool]] = {
            segment.name: self._first_call(segment.name) for segment in ordered}
        deep = [s.name for s in ordered if nesting_above(s, EAGER_DEPTH)]
        if deep:
            self._compile(self._closure(deep), at_load=True)

    def _first_call(self, name: str) -> Callable[..., bool]:
        def first_call(*args: Any) -> bool:
            return self.compile(name).function(*args)
        return first_call

    def compile(self, name: str) -> codegen.Compiled:
        """Segment ``name`` (a name the book has), compiled with what it references."""
        found = self.compiled.get(name)
        if found is None:
            with self._lock:
                found = self.compiled.get(name)
                if found is None:
                    self._compile(self._closure([name]))
                    found = self.compiled[name]
        return found

    def compile_all(self) -> None:
        """Compile every segment not compiled yet."""
        if not self.complete:
            with self._lock:
                if not self.complete:
                    self._compile([name for name in self._order if name not in self.compiled])

    @property
    def complete(self) -> bool:
        """Whether every segment is compiled."""
        return len(self.compiled) == len(self.functions)

    def _closure(self, names: Iterable[str]) -> list[str]:
        """``names`` and the segments they reference, directly or not, that are not compiled
        yet, in reference order. A loop, not a recursion: chains of thousands are fine."""
        found = {name for name in names if name not in self.compiled}
        pending = list(found)
        while pending:
            for ref in references(self._segments[pending.pop()]):
                if ref.name not in found and ref.name not in self.compiled:
                    found.add(ref.name)
                    pending.append(ref.name)
        return sorted(found, key=self._order.__getitem__)

    def _compile(self, names: list[str], at_load: bool = False) -> None:
        # On a thread of its own: Python's compiler needs stack in proportion to the nesting,
        # and a first use may come from deep down a caller's stack (a framework, a recursion);
        # on a fresh stack a segment compiles, or fails, the same wherever it was asked from.
        failed: list[BaseException] = []

        def work() -> None:
            try:
                # Compiling makes many objects that all stay alive: collector passes over the
                # whole heap would free nothing (a tenth of compiling a large book).
                with collector_paused():
                    self._compile_each(names, at_load)
            except BaseException as error:  # handed to the caller, as if raised there
                failed.append(error)

        worker = threading.Thread(target=work, name="segrules compiler", daemon=True)
        try:
            worker.start()
        except RuntimeError:  # no new thread at interpreter exit: compile right here
            work()
        else:
            worker.join()
        if failed:
            raise failed[0]

    def _compile_each(self, names: list[str], at_load: bool) -> None:
        compiled, functions = self.compiled, self.functions
        for name in names:
            segment = self._segments[name]
            try:
                done = codegen.compile_segment(segment, compiled, self._attributes, self._shared)
            except (SyntaxError, RecursionError, MemoryError):
                if not at_load:
                    raise
                raise SegrulesError([Diagnostic(
                    "SR107", "conditions are nested too deeply", segment.name_span or segment.span,
                    "flatten the nesting: `all`/`any` blocks take any number of conditions",
                )]) from None
            self._filenames.append(done.filename)
            # Published complete, after its references: readers take it without the lock.
            compiled[name] = done
            functions[name] = done.function


def nesting_above(segment: n.Segment, limit: int) -> bool:
    """Whether ``segment``'s conditions nest more than ``limit`` levels deep (blocks, ``not``,
    ``where`` of aggregates). A loop with a stack, stopping at the first level past ``limit``."""
    stack: list[tuple[n.Expr | n.Operand, int]] = [
        (block, 1) for block in (*segment.includes, *segment.excludes)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(node, n.AllOf | n.AnyOf):
            stack.extend((item, depth + 1) for item in node.items)
        elif isinstance(node, n.Not):
            stack.append((node.item, depth + 1))
        elif isinstance(node, n.Compare):
            stack.append((node.left, depth + 1))
        elif isinstance(node, n.TimeSince):
            stack.append((node.operand, depth + 1))
        elif isinstance(node, n.Aggregate) and node.where is not None:
            stack.append((node.where, depth + 1))
    return False
