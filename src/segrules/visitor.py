"""Walking the AST: child iteration and a visitor with a per-class method cache.

Passes (checker, code generator, printer, SQL compiler) dispatch on the node class. Looking up
``visit_<Class>`` once per class, as jmespath's and sqlglot's visitors do, keeps dispatch to one
dict lookup on hot paths.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import attrs

from .nodes import Node

# Field names per node class, without the span: every pass walks thousands of nodes at load.
_FIELDS: dict[type, tuple[str, ...]] = {}


def children(node: Node) -> Iterator[Node]:
    """The direct child nodes of ``node``, in field order."""
    kind = type(node)
    names = _FIELDS.get(kind)
    if names is None:
        names = _FIELDS[kind] = tuple(f.name for f in attrs.fields(kind) if f.name != "span")
    for name in names:
        value = getattr(node, name)
        if isinstance(value, Node):
            yield value
        elif type(value) is tuple:
            for item in value:
                if isinstance(item, Node):
                    yield item


def walk(node: Node) -> Iterator[Node]:
    """``node`` and all its descendants, depth first, parents before children."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(list(children(current))))


class NodeVisitor:
    """Calls ``visit_<ClassName>(node, *args)``; falls back to ``generic_visit``."""

    _methods: ClassVar[dict[type, str]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._methods = {}

    def visit(self, node: Node, *args: Any) -> Any:
        cls = type(node)
        name = self._methods.get(cls)
        if name is None:
            name = f"visit_{cls.__name__}"
            if not hasattr(self, name):
                name = "generic_visit"
            self._methods[cls] = name
        return getattr(self, name)(node, *args)

    def generic_visit(self, node: Node, *args: Any) -> Any:
        for child in children(node):
            self.visit(child, *args)
        return None
