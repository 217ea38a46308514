"""Fewer COALESCEs: the two-valued rule applied once per formula instead of once per leaf.

The compiler makes every leaf two-valued (``COALESCE(test, FALSE)``), which keeps each piece
correct wherever it is used, but engines pay for every COALESCE on every row. Where only
"TRUE or not" matters (a *truth position*), NULL and FALSE are interchangeable, and in SQL's
three-valued logic AND, OR and the branches of a CASE are monotone: a formula built from
them is TRUE exactly when it is TRUE with each NULL read as FALSE. So below a truth position
the leaves' COALESCEs can go, and one COALESCE above them gives the same two values. NOT is
the one operator that tells NULL from FALSE: its operand becomes a formula of its own.

Truth positions: a CASE's WHEN conditions; the operands of AND and OR, a parenthesis and a
CASE's results when the node itself is in one; the first argument of ``COALESCE(x, FALSE)``.
Function arguments (lambdas included) are left as they are.
"""

from __future__ import annotations

from sqlglot import exp

__all__ = ["two_valued", "when"]


def two_valued(formula: exp.Expr) -> exp.Expr:
    """``formula`` (TRUE or FALSE, never NULL) with its COALESCEs lifted: the same values."""
    lifted, changed = _strip(formula)
    if not changed:
        return lifted
    return exp.Coalesce(this=lifted, expressions=[exp.false()])


def when(condition: exp.Expr) -> exp.Expr:
    """``condition`` for a place that reads NULL as FALSE (a WHEN, a filter): TRUE exactly
    where it was."""
    return _strip(condition)[0]


def _is_false_fallback(node: exp.Coalesce) -> bool:
    rest = node.expressions
    return len(rest) == 1 and isinstance(rest[0], exp.Boolean) and not rest[0].this


def _strip(node: exp.Expr) -> tuple[exp.Expr, bool]:
    """``node`` in a truth position: a formula TRUE exactly where ``node`` is, and whether a
    COALESCE went."""
    if isinstance(node, exp.Coalesce) and _is_false_fallback(node):
        return _strip(node.this)[0], True
    if isinstance(node, exp.Paren):
        inner, changed = _strip(node.this)
        return exp.Paren(this=inner), changed
    if isinstance(node, exp.And | exp.Or):
        # A block of thousands of conditions is a chain as deep: its operands are taken in a
        # loop (`flatten`), and only a nested block of the other kind recurses.
        parts = [_strip(part) for part in node.flatten(unnest=False)]
        joined = parts[0][0]
        for part, _ in parts[1:]:
            joined = type(node)(this=joined, expression=part)
        return joined, any(changed for _, changed in parts)
    if isinstance(node, exp.Not):
        return exp.Not(this=two_valued(node.this)), False
    if isinstance(node, exp.Case) and node.args.get("this") is None:
        changed = False
        ifs = []
        for branch in node.args.get("ifs") or []:
            test, one = _strip(branch.this)
            result, two = _strip(branch.args["true"])
            changed = changed or one or two
            ifs.append(exp.If(this=test, true=result))
        default = node.args.get("default")
        if default is not None:
            default, three = _strip(default)
            changed = changed or three
        return exp.Case(ifs=ifs, default=default), changed
    return node, False
