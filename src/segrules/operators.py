"""The one operator table: every spelling, the canonical operator it means, and its operands.

"Where is ``contains`` decided?" — here for spelling and arity, in ``runtime`` for the Python
semantics it names, in ``sql`` for its SQL. The parser normalises any spelling to
``(op, negated)``; the printer writes the first spelling back; hints for misspelled operators
come from the full list of spellings.
"""

from __future__ import annotations

from attrs import frozen


@frozen
class Operator:
    """One canonical operator.

    ``arity`` says what follows the spelling: ``none``; ``one`` value; ``many`` values (a comma
    list or ``[…]``); ``two`` (``A and B``); ``regex``; ``duration`` (``N UNIT``).
    ``whole_value``: the operator looks at a list-valued attribute as a whole instead of at any
    element (the two-valued rule, docs/language.md). ``date_spellings`` are spellings that
    require a date or datetime value.
    """

    name: str
    spellings: tuple[str, ...]
    negative_spellings: tuple[str, ...]
    arity: str
    whole_value: bool = False
    date_spellings: tuple[str, ...] = ()
    summary: str = ""


OPERATORS: dict[str, Operator] = {
    op.name: op
    for op in (
        Operator("eq", ("is", "is equal to", "=", "=="), ("is not", "is not equal to", "!="),
                 "one", summary="equal"),
        Operator("in", ("is one of", "in"), ("is not one of", "not in"), "many",
                 summary="equal to one of the values"),
        Operator("gt", (">", "is greater than", "is after"), (), "one",
                 date_spellings=("is after",), summary="greater (numbers, strings, dates)"),
        Operator("ge", (">=", "is greater than or equal to"), (), "one",
                 summary="greater or equal"),
        Operator("lt", ("<", "is less than", "is before"), (), "one",
                 date_spellings=("is before",), summary="less (numbers, strings, dates)"),
        Operator("le", ("<=", "is less than or equal to"), (), "one", summary="less or equal"),
        Operator("between", ("is between",), ("is not between",), "two",
                 summary="A <= x <= B"),
        Operator("contains_any", ("contains", "contains any of"),
                 ("does not contain", "does not contain any of"), "many", whole_value=True,
                 summary="string: a substring; list: an element (any of the values)"),
        Operator("contains_all", ("contains all of",), ("does not contain all of",), "many",
                 whole_value=True, summary="every value contained"),
        Operator("starts_with", ("starts with",), ("does not start with",), "one",
                 summary="string prefix"),
        Operator("ends_with", ("ends with",), ("does not end with",), "one",
                 summary="string suffix"),
        Operator("matches", ("matches",), ("does not match",), "regex",
                 summary="RE2 pattern found somewhere in the string"),
        Operator("exists", ("exists", "is set"), ("does not exist", "doesn't exist", "is not set"),
                 "none", whole_value=True, summary="present (not absent, not None)"),
        Operator("empty", ("is empty",), ("is not empty",), "none", whole_value=True,
                 summary="empty string or empty list"),
        Operator("within_last", ("within last",), (), "duration",
                 summary="now - N <= x <= now"),
        Operator("more_than_ago", ("more than ago",), (), "duration",
                 summary="x < now - N (written `more than N UNIT ago`)"),
    )
}

#: Every spelling (words joined by one space) -> (canonical operator, negated).
SPELLINGS: dict[str, tuple[str, bool]] = {
    spelling: (op.name, negated)
    for op in OPERATORS.values()
    for negated, spellings in ((False, op.spellings), (True, op.negative_spellings))
    for spelling in spellings
}

#: Time units accepted after ``within last N`` / ``more than N``; singular -> plural.
UNITS: dict[str, str] = {
    unit[:-1]: unit for unit in ("minutes", "hours", "days", "weeks", "months", "years")
} | {unit: unit for unit in ("minutes", "hours", "days", "weeks", "months", "years")}

AGGREGATES = ("count", "sum", "avg", "min", "max")
TIME_FUNCTIONS = {"years_since": "years", "days_since": "days"}


def spelling(op: str, negated: bool = False) -> str:
    """The canonical spelling the printer writes for ``(op, negated)``."""
    operator = OPERATORS[op]
    return (operator.negative_spellings if negated else operator.spellings)[0]
