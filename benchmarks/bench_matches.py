"""How much a compiled segment costs against the function an engineer would write by hand.

Run: ``.venv/bin/python benchmarks/bench_matches.py [customers]``. Evaluates the SPEC §1
segment ``north_america_adults`` for generated dict profiles through ``book.matches`` and
through a handwritten equivalent, checks they agree on every customer, and prints the
per-call times and the ratio (target: at most 1.5), and the same for the segment bound once
with ``book.predicate`` (target: at most 1.2). Also times ``segments_for`` on the whole
SPEC §1 book. Timings use the real clock, as a storefront would: ``now`` is not passed.

An aggregate row measures what exact money sums cost: ``big_golfers`` (a sum over orders of
float totals with cents, a list test and a date window) against the function an engineer would
write, which rounds a float sum to cents.

Peer engines, measured in the same run when installed (``pip install -e ".[bench]"``): the
GrowthBook SDK's ``evalCondition`` (MongoDB-style conditions) and ``rule-engine``; for the
aggregate row, zen-engine's expression language (``bench_zen.py``), given the Python profiles
(their dates converted on each call) and given JSON data prepared before timing (target:
segrules at least 4x faster). They get the same rules; the store, window and explicit-list
checks around them are the handwritten ones, so only rule evaluation differs. Where their
missing-value semantics differ from ours the disagreements are counted and printed, not hidden.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import math
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

import segrules.loader as loader

# The SPEC §1 seed file, verbatim.
SPEC_TEXT = (Path(__file__).resolve().parents[1] / "tests" / "cases" / "seed.seg").read_text()

_STORES = frozenset(("main", "outlet"))
_FROM = dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp()
_UNTIL = dt.datetime(2027, 1, 1, tzinfo=dt.UTC).timestamp()
_US = frozenset(("Alaska", "Florida", "Alabama"))
_CA = frozenset(("British Columbia", "Nova Scotia"))


def handwritten(profile: dict[str, object], store: str | None = None) -> bool:
    """``north_america_adults`` as an engineer would write it for dict profiles."""
    if store not in _STORES or not _FROM <= time.time() < _UNTIL:
        return False
    cid = profile.get("id")
    if cid == "c-2000":
        return False
    if cid in ("c-1001", "c-1002"):
        return True
    country, state = profile.get("country"), profile.get("state")
    if not ((country == "United States" and state in _US)
            or (country == "Canada" and state in _CA)):
        return False
    age = profile.get("age")
    return isinstance(age, int) and age >= 18


BIG_GOLFERS = """
segment big_golfers {
    include where sum(orders.total) >= 500 and interests contains "golf"
        and registered_at within last 365 days
}
"""
_YEAR = dt.timedelta(days=365)


def handwritten_big_golfers(profile: dict[str, object]) -> bool:
    """``big_golfers`` by hand: a float sum rounded to cents, as money code usually does."""
    orders = profile.get("orders")
    if not isinstance(orders, list):
        return False
    totals = [o.get("total") for o in orders if isinstance(o, dict)]
    total = round(math.fsum(t for t in totals if type(t) in (int, float)), 2)
    if not total >= 500:
        return False
    interests = profile.get("interests")
    if not (isinstance(interests, list) and "golf" in interests):
        return False
    registered = profile.get("registered_at")
    now = dt.datetime.now(dt.UTC)
    return isinstance(registered, dt.datetime) and now - _YEAR <= registered <= now


def _header(profile: dict[str, object], store: str | None) -> bool | None:
    """The handwritten store, window and explicit-list checks: a verdict, or None for rules.

    ``handwritten`` repeats these lines inline on purpose: the baseline pays no extra call.
    """
    if store not in _STORES or not _FROM <= time.time() < _UNTIL:
        return False
    cid = profile.get("id")
    if cid == "c-2000":
        return False
    if cid in ("c-1001", "c-1002"):
        return True
    return None


_RULES_GROWTHBOOK = {"$and": [
    {"$or": [
        {"country": "United States", "state": {"$in": ["Alaska", "Florida", "Alabama"]}},
        {"country": "Canada", "state": {"$in": ["British Columbia", "Nova Scotia"]}},
    ]},
    {"$nor": [{"age": {"$lt": 18}}, {"age": {"$exists": False}}]},
]}
_RULES_RULE_ENGINE = (
    '((country == "United States" and state in ["Alaska", "Florida", "Alabama"])'
    ' or (country == "Canada" and state in ["British Columbia", "Nova Scotia"]))'
    " and age != null and age >= 18"
)


def peers() -> dict[str, Callable[[dict[str, object]], bool]]:
    """The peer engines that are installed, each wrapped in the same handwritten header."""
    found: dict[str, Callable[[dict[str, object]], bool]] = {}
    try:
        from growthbook.core import evalCondition
    except ImportError:
        print("growthbook not installed: pip install -e '.[bench]'")
    else:
        def growthbook(p: dict[str, object]) -> bool:
            verdict = _header(p, "main")
            return evalCondition(p, _RULES_GROWTHBOOK) if verdict is None else verdict

        found["growthbook evalCondition"] = growthbook
    try:
        import rule_engine
    except ImportError:
        print("rule-engine not installed: pip install -e '.[bench]'")
    else:
        rule = rule_engine.Rule(_RULES_RULE_ENGINE,
                                context=rule_engine.Context(default_value=None))

        def rule_engine_(p: dict[str, object]) -> bool:
            verdict = _header(p, "main")
            return bool(rule.matches(p)) if verdict is None else verdict

        found["rule-engine"] = rule_engine_
    return found


def customers(count: int, seed: int = 7) -> list[dict[str, object]]:
    rng = random.Random(seed)
    countries = ["United States", "Canada", "Mexico", "France"]
    states = ["Alaska", "Florida", "Texas", "British Columbia", "Nova Scotia", "Ontario"]
    today = dt.datetime.now(dt.UTC)
    people: list[dict[str, object]] = []
    for index in range(count):
        person: dict[str, object] = {
            "id": rng.choice(["c-1001", "c-2000"]) if rng.random() < 0.01 else f"c-{index}",
            "country": rng.choice(countries),
            "state": rng.choice(states),
            "income": rng.randrange(20_000, 300_000),
            "email": f"user{index}@{rng.choice(['example.com', 'EXAMPLE.COM', 'mail.org'])}",
            "interests": rng.sample(["golf", "sailing", "chess", "tennis"], 2),
            "birth_date": (today - dt.timedelta(days=rng.randrange(3000, 30000))).date(),
            "registered_at": today - dt.timedelta(days=rng.randrange(1, 730)),
            "orders": [
                {"total": rng.randrange(1000, 40000) / 100,
                 "status": rng.choice(["paid", "refunded"]),
                 "placed_at": (today - dt.timedelta(days=rng.randrange(1, 800))).isoformat()}
                for _ in range(rng.randrange(0, 5))
            ],
        }
        if rng.random() < 0.9:
            person["age"] = rng.randrange(10, 90)
        people.append(person)
    return people


def per_call(functions: list[Callable[[dict[str, object]], object]],
             people: list[dict[str, object]], rounds: int = 7) -> list[float]:
    """Best-of-``rounds`` seconds per customer for each function, rounds interleaved so a
    noisy neighbour slows every contender alike."""
    best = [float("inf")] * len(functions)
    for _ in range(rounds):
        for index, function in enumerate(functions):
            start = time.perf_counter()
            for person in people:
                function(person)
            best[index] = min(best[index], time.perf_counter() - start)
    return [seconds / len(people) for seconds in best]


def main(count: int) -> None:
    book = loader.loads(SPEC_TEXT, "spec.seg")
    people = customers(count)
    if not _FROM <= time.time() < _UNTIL:
        print("note: the clock is outside the segment's window; every call stops there")
    matches = book.matches
    disagree = sum(
        matches("north_america_adults", p, store="main") != handwritten(p, store="main")
        for p in people
    )
    bound = book.predicate("north_america_adults", store="main")
    disagree += sum(bound(p) != handwritten(p, store="main") for p in people)
    hand, ours, pred = per_call([lambda p: handwritten(p, store="main"),
                                 lambda p: matches("north_america_adults", p, store="main"),
                                 bound], people)
    print(f"customers: {count}, disagreements: {disagree}")
    print(f"{'handwritten':24} {hand * 1e9:8.0f} ns/call")
    print(f"{'book.matches':24} {ours * 1e9:8.0f} ns/call   ratio {ours / hand:.2f}")
    print(f"{'book.predicate(...)(p)':24} {pred * 1e9:8.0f} ns/call   ratio {pred / hand:.2f}")
    others = peers()
    for label, function in others.items():
        wrong = sum(function(p) != handwritten(p, store="main") for p in people)
        (each,) = per_call([function], people, 3)
        print(f"{label:24} {each * 1e9:8.0f} ns/call   {each / hand:.1f}x handwritten, "
              f"{each / ours:.1f}x segrules   ({wrong} disagreements)")
    golfers = loader.loads(BIG_GOLFERS, "big_golfers.seg")
    wrong = sum(golfers.matches("big_golfers", p) != handwritten_big_golfers(p) for p in people)
    contenders: list[Callable[[dict[str, object]], object]] = [
        handwritten_big_golfers, lambda p: golfers.matches("big_golfers", p)]
    zen: dict[str, Callable[[dict[str, object]], object]] = {}
    if importlib.util.find_spec("zen") is None:
        print("zen-engine not installed: pip install -e '.[bench]'")
    else:
        from bench_zen import jsonlike, zen_big_golfers, zen_big_golfers_on_profiles

        ready = {id(p): jsonlike(p) for p in people}
        given_json = zen_big_golfers()
        zen = {"zen-engine": zen_big_golfers_on_profiles(),
               "zen, JSON given": lambda p: given_json(ready[id(p)])}
    hand, ours, *theirs = per_call([*contenders, *zen.values()], people)
    print(f"{'aggregate: handwritten':24} {hand * 1e9:8.0f} ns/call")
    print(f"{'aggregate: book.matches':24} {ours * 1e9:8.0f} ns/call   ratio {ours / hand:.2f}"
          f"   ({wrong} disagreements)")
    for (label, function), each in zip(zen.items(), theirs, strict=True):
        wrong = sum(bool(function(p)) != handwritten_big_golfers(p) for p in people)
        print(f"{'aggregate: ' + label:24} {each * 1e9:8.0f} ns/call   "
              f"{each / hand:.1f}x handwritten, {each / ours:.1f}x segrules   "
              f"({wrong} disagreements)")
    session = {"device": "mobile"}
    (each,) = per_call([lambda p: book.segments_for(p, session=session, store="main")],
                       people, 3)
    print(f"{'book.segments_for':24} {each * 1e9:8.0f} ns/call   ({len(book)} segments)")
    print(f"evaluation errors: {book.evaluation_errors}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
