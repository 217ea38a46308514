"""Explanations: the deciding membership rule, blocks and conditions with the values they read,
references expanded, rendering, JSON form, and the law that explain agrees with the compiled
code on every profile."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segrules import nodes as n
from segrules.book import Book
from segrules.errors import UnknownSegmentError
from segrules.explain import Explanation, explain, show
from segrules.loader import load, loads
from segrules.membership import MemoryMembership

ROOT = Path(__file__).parent.parent
SEED = (Path(__file__).parent / "cases" / "seed.seg").read_text()
NOW = dt.datetime(2026, 5, 1, 12, tzinfo=dt.UTC)
ADULT_IN_ALASKA = {"id": "c-1", "country": "United States", "state": "Alaska", "age": 34}
VIP = {
    "id": "c-42",
    "income": 200000,
    "country": "United Kingdom",
    "orders": [
        {"total": 400, "status": "paid", "placed_at": "2026-03-01"},
        {"total": 200.5, "status": "paid", "placed_at": "2026-04-01"},
        {"total": 999, "status": "refunded", "placed_at": "2024-01-01"},
    ],
    "birth_date": "1990-06-01",
    "interests": ["golf", "cooking"],
    "email": "Ann@EXAMPLE.com",
}
MOBILE = {"device": "mobile"}


@pytest.fixture(scope="module")
def book() -> Book:
    return loads(SEED)


@pytest.fixture(scope="module")
def examples() -> Book:
    return load(ROOT / "examples" / "segments")


def agree(book: Book, name: str, profile: object, **kwargs: Any) -> Explanation:
    """Explain, and check the explanation agrees with the compiled code."""
    found = explain(book, name, profile, **kwargs)
    assert found.matched == book.matches(name, profile, **kwargs)
    return found


# --- the rule that decided ----------------------------------------------------------------------


def test_disabled(book: Book) -> None:
    disabled = loads("segment old { disabled\n include everyone }")
    found = agree(disabled, "old", {}, now=NOW)
    assert (found.matched, found.rule) == (False, "disabled")
    assert found.reason == "the segment is disabled"
    assert found.children == ()


@pytest.mark.parametrize(("now", "shown"), [
    (dt.datetime(2025, 12, 31, 23, 59, tzinfo=dt.UTC), "2025-12-31T23:59:00+00:00"),
    (dt.date(2027, 1, 1), "2027-01-01T00:00:00+00:00"),  # `until` is exclusive
])
def test_outside_the_active_window(book: Book, now: dt.date, shown: str) -> None:
    found = agree(book, "north_america_adults", ADULT_IN_ALASKA, store="main", now=now)
    assert (found.matched, found.rule) == (False, "outside_window")
    assert found.reason == (
        f"outside its active window from 2026-01-01 until 2027-01-01 (now is {shown})")


def test_no_store_given(book: Book) -> None:
    found = agree(book, "north_america_adults", ADULT_IN_ALASKA, now=NOW)
    assert (found.matched, found.rule) == (False, "no_store")
    assert found.reason == 'no store given; it matches only in stores "main", "outlet"'


def test_store_not_listed(book: Book) -> None:
    found = agree(book, "north_america_adults", ADULT_IN_ALASKA, store="kiosk", now=NOW)
    assert (found.matched, found.rule) == (False, "store_not_listed")
    assert found.reason == 'store "kiosk" is not one of its stores "main", "outlet"'


def test_explicitly_excluded_in_the_file_beats_every_rule(book: Book) -> None:
    found = agree(book, "north_america_adults", {**ADULT_IN_ALASKA, "id": "c-2000"},
                  store="main", now=NOW)
    assert (found.matched, found.rule) == (False, "excluded_by_list")
    assert found.reason == 'customer "c-2000" is explicitly excluded (exclude customers)'


def test_explicitly_excluded_by_the_membership_store_beats_the_file_list(book: Book) -> None:
    members = MemoryMembership()
    members.exclude("north_america_adults", "c-1001")
    found = agree(book, "north_america_adults", {"id": "c-1001"}, store="main", now=NOW,
                  members=members)
    assert (found.matched, found.rule) == (False, "excluded_by_membership")
    assert found.reason == 'customer "c-1001" is explicitly excluded by the membership store'


def test_explicitly_included_in_the_file(book: Book) -> None:
    found = agree(book, "north_america_adults", {"age": 12}, customer_id="c-1001",
                  store="outlet", now=NOW)
    assert (found.matched, found.rule) == (True, "included_by_list")
    assert found.reason == 'customer "c-1001" is explicitly included (include customers)'


def test_explicitly_included_by_the_membership_store(book: Book) -> None:
    members = MemoryMembership()
    members.add("fraud_suspects", "c-7")
    found = agree(book, "fraud_suspects", {"id": "c-7"}, now=NOW, members=members)
    assert (found.matched, found.rule) == (True, "included_by_membership")
    assert found.reason == 'customer "c-7" is explicitly included by the membership store'


def test_no_include_block(book: Book) -> None:
    found = agree(book, "fraud_suspects", VIP, now=NOW, members=MemoryMembership())
    assert (found.matched, found.rule) == (False, "no_include_block")
    assert found.reason == "no include block, and the customer is not explicitly included"


def test_no_include_block_held(book: Book) -> None:
    found = agree(book, "north_america_adults", {"country": "Mexico", "age": 40},
                  store="main", now=NOW)
    assert (found.matched, found.rule) == (False, "no_include_held")
    assert found.reason == "no include block held"
    assert [(c.kind, c.matched) for c in found.children] == [
        ("include", False), ("include", False), ("exclude", False)]


def test_an_exclude_block_held(book: Book) -> None:
    minor = {"country": "Canada", "state": "Nova Scotia", "age": 16}
    found = agree(book, "north_america_adults", minor, store="main", now=NOW)
    assert (found.matched, found.rule) == (False, "exclude_held")
    assert found.reason == "include block 2 held, but exclude block 1 held"
    age_below_18 = found.children[2].children[0]
    assert (age_below_18.text, age_below_18.matched) == ("age < 18", True)
    assert age_below_18.seen[0].value == 16


def test_an_include_block_held(book: Book) -> None:
    found = agree(book, "north_america_adults", ADULT_IN_ALASKA, store="main", now=NOW)
    assert (found.matched, found.rule) == (True, "include_held")
    assert found.reason == "include block 1 held, no exclude block held"


def test_every_include_block_that_held_is_named() -> None:
    both = loads("segment s {\n include where a is 1\n include where b is 2\n"
                 " include where a is 3\n}")
    found = agree(both, "s", {"a": 1, "b": 2}, now=NOW)
    assert found.reason == "include blocks 1, 2 held, no exclude block held"


# --- blocks, conditions and the values they read --------------------------------------------------


def test_the_rendering_of_a_member(book: Book) -> None:
    found = explain(book, "north_america_adults", ADULT_IN_ALASKA, store="main", now=NOW)
    assert str(found) == "\n".join([
        "north_america_adults: member — include block 1 held, no exclude block held",
        "  include all {…}: true",
        '    ✓ country is "United States"                      (country = "United States")',
        '    ✓ state is one of "Alaska", "Florida", "Alabama"  (state = "Alaska")',
        "  include all {…}: false",
        '    ✗ country is "Canada"                                (country = "United States")',
        '    ✗ state is one of "British Columbia", "Nova Scotia"  (state = "Alaska")',
        "  exclude any {…}: false",
        "    ✗ age < 18            (age = 34)",
        "    ✗ age does not exist  (age = 34)",
    ])


def test_values_seen_by_aggregates_and_time_functions(book: Book) -> None:
    found = agree(book, "newsletter_vip", VIP, session=MOBILE, now=NOW)
    assert found.matched
    conditions = {c.text: c for c in found.children[0].children}
    seen = {s.text: s.value for c in conditions.values() for s in c.seen}
    assert seen['sum(orders.total where …)'] == 600.5
    assert seen["count(orders where …)"] == 2
    assert seen["years_since(birth_date)"] == 35
    assert seen["birth_date"] == "1990-06-01"
    assert seen["interests"] == ["golf", "cooking"]
    assert seen["session.device"] == "mobile"
    assert conditions['email ends with "@example.com" ignoring case'].matched
    rendered = str(found)
    assert "(years_since(birth_date) = 35, birth_date = \"1990-06-01\")" in rendered
    assert "(sum(orders.total where …) = 600.5)" in rendered


def test_a_failing_condition_shows_why(book: Book) -> None:
    poor = {**VIP, "orders": [{"total": 20, "status": "paid", "placed_at": "2026-03-01"}]}
    found = agree(book, "newsletter_vip", poor, session={"device": "desktop"}, now=NOW)
    assert (found.matched, found.rule) == (False, "no_include_held")
    failed = {c.text: c.seen for c in found.children[0].children if not c.matched}
    assert set(failed) == {
        'sum(orders.total where status is "paid") >= 500',
        "count(orders where placed_at within last 365 days) >= 2",
        'session.device is "mobile"',
    }
    assert failed['session.device is "mobile"'][0].value == "desktop"


def test_a_missing_attribute_is_shown_as_missing(book: Book) -> None:
    found = agree(book, "north_america_adults", {"country": "Canada", "state": "Nova Scotia"},
                  store="main", now=NOW)
    assert (found.matched, found.rule) == (False, "exclude_held")
    assert "✓ age does not exist  (age = missing)" in str(found)


def test_nested_blocks_keep_their_shape() -> None:
    nested = loads("segment s {\n include all {\n  any { a is 1\n b is 2 }\n"
                   "  none { c is 3 }\n  not (d is 4)\n }\n}")
    found = agree(nested, "s", {"a": 1, "c": 9, "d": 4}, now=NOW)
    block = found.children[0]
    assert [(c.text, c.matched) for c in block.children] == [
        ("any {…}", True), ("none {…}", True), ("not (…)", False)]
    assert [c.text for c in block.children[1].children] == ["c is 3"]
    assert block.children[2].children[0].text == "d is 4"


def test_computed_attributes_are_read_as_the_book_reads_them() -> None:
    def age(profile: Any, now: dt.datetime) -> int:
        return now.year - int(profile["born"])
    adults = loads("segment adults { include where age >= 18 }", attributes={"age": age})
    found = agree(adults, "adults", {"born": 2000}, now=NOW)
    assert found.matched
    assert found.children[0].children[0].seen[0].value == 26


# --- references -------------------------------------------------------------------------------


def test_in_segment_is_expanded_into_the_referenced_explanation(book: Book) -> None:
    found = agree(book, "newsletter_vip", VIP, session=MOBILE, now=NOW)
    reference = found.children[0].children[0]
    assert (reference.text, reference.matched) == ('in segment "High-Income Earners"', True)
    (inner,) = reference.children
    assert (inner.kind, inner.text, inner.rule) == ("segment", "High-Income Earners",
                                                    "include_held")
    assert inner.children[0].children[0].seen[0].value == 200000
    excluded = found.children[1]
    assert (excluded.kind, excluded.text, excluded.matched) == (
        "exclude", "exclude segment fraud_suspects", False)
    assert excluded.children[0].rule == "no_include_block"
    assert '    ✓ in segment "High-Income Earners"\n      "High-Income Earners": member' in str(
        found)


def test_not_in_segment_is_expanded_too(examples: Book) -> None:
    lapsed = {"orders": [{"status": "paid", "placed_at": "2025-01-10"}],
              "last_login_at": "2026-04-20"}
    found = agree(examples, "win_back_priority", lapsed, now=NOW)
    dormant = found.children[0].children[2]
    assert (dormant.text, dormant.matched) == ("not in segment dormant_accounts", True)
    assert dormant.children[0].text == "dormant_accounts"
    assert dormant.children[0].rule == "no_include_held"


def test_an_excluding_reference_decides(book: Book) -> None:
    members = MemoryMembership()
    members.add("fraud_suspects", "c-42")
    found = agree(book, "newsletter_vip", VIP, session=MOBILE, now=NOW, members=members)
    assert (found.matched, found.rule) == (False, "exclude_held")
    assert found.children[1].children[0].rule == "included_by_membership"


# --- the object ---------------------------------------------------------------------------------


def test_an_unknown_segment_is_a_key_error(book: Book) -> None:
    with pytest.raises(UnknownSegmentError) as caught:
        explain(book, "newsletter_vlp", {})
    assert isinstance(caught.value, KeyError)
    assert "did you mean `newsletter_vip`?" in str(caught.value)


def test_now_must_be_a_moment(book: Book) -> None:
    with pytest.raises(TypeError):
        explain(book, "fraud_suspects", {}, now="2026-01-01")  # type: ignore[arg-type]


def test_explanations_are_immutable(book: Book) -> None:
    found = explain(book, "newsletter_vip", VIP, session=MOBILE, now=NOW)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        found.matched = False  # type: ignore[misc]
    assert isinstance(found.children, tuple)


def test_to_dict_is_json(book: Book) -> None:
    profile = {**VIP, "birth_date": dt.date(1990, 6, 1), "income": Decimal("150000.50")}
    found = agree(book, "newsletter_vip", profile, session=MOBILE, now=NOW)
    data = json.loads(json.dumps(found.to_dict()))
    assert data["kind"] == "segment" and data["matched"] is True
    assert data["rule"] == "include_held"
    high_income = data["children"][0]["children"][0]["children"][0]
    assert high_income["children"][0]["children"][0]["seen"] == [
        {"text": "income", "value": "150000.50", "shown": "150000.50"}]
    years = data["children"][0]["children"][3]["seen"]
    assert years[1] == {"text": "birth_date", "value": "1990-06-01", "shown": "1990-06-01"}


@pytest.mark.parametrize(("value", "shown"), [
    (None, "missing"),
    (True, "true"),
    ('say "hi"', '"say \\"hi\\""'),
    (Decimal("1.50"), "1.50"),
    (dt.date(2026, 1, 31), "2026-01-31"),
    (list(range(7)), "[0, 1, 2, 3, 4, … 2 more]"),
    ({"a": 1}, "{a: 1}"),
    (object(), "<object>"),
])
def test_show(value: object, shown: str) -> None:
    assert show(value) == shown


# --- the law: explain agrees with the compiled code --------------------------------------------


@dataclass
class _Path:
    """What the book reads at one attribute path: the names below it, the literals it meets."""

    below: dict[str, _Path] = field(default_factory=dict)
    literals: list[object] = field(default_factory=list)

    def add(self, names: tuple[str, ...]) -> _Path:
        path = self
        for name in names:
            path = path.below.setdefault(name, _Path())
        return path


def _collect(expr: n.Expr, profile: _Path, session: _Path) -> None:
    if isinstance(expr, n.AllOf | n.AnyOf):
        for item in expr.items:
            _collect(item, profile, session)
    elif isinstance(expr, n.Not):
        _collect(expr.item, profile, session)
    elif isinstance(expr, n.Compare):
        path = _operand(expr.left, profile, session)
        if path is None:
            return
        for value in expr.values:
            if isinstance(value, n.String | n.Boolean | n.Date | n.DateTime):
                path.literals.append(value.value)
            if isinstance(value, n.Number):
                path.literals += [value.value, value.value - 1, value.value + 1,
                                  float(value.value)]
            if isinstance(value, n.Date | n.DateTime):
                path.literals.append(value.value.isoformat())


def _operand(node: n.Operand, profile: _Path, session: _Path) -> _Path | None:
    """The path whose values the condition compares (None: a computed number)."""
    if isinstance(node, n.Attr):
        return (session if node.root == "session" else profile).add(node.names)
    if isinstance(node, n.Aggregate):
        record = profile.add(node.items.names)
        field_path = record.add(node.value_path)
        if node.where is not None:
            _collect(node.where, record, session)
        return field_path if node.value_path else None
    _operand(node.operand, profile, session)
    return None


def _values(path: _Path, scalars: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    if path.literals:
        known = st.sampled_from(path.literals)
        scalars = st.one_of(known, known, known, scalars)
    if not path.below:
        return st.one_of(scalars, scalars, scalars, st.lists(scalars, max_size=3))
    return st.one_of(_record(path, scalars), st.lists(_record(path, scalars), max_size=4),
                     st.lists(_record(path, scalars), max_size=4), scalars)


_ABSENT = object()


def _record(path: _Path, scalars: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    # Each key is present three times in four: rules need most of their attributes to hold.
    entries = {name: st.one_of(_values(sub, scalars), _values(sub, scalars),
                               _values(sub, scalars), st.just(_ABSENT))
               for name, sub in path.below.items()}
    return st.fixed_dictionaries(entries).map(
        lambda record: {key: value for key, value in record.items() if value is not _ABSENT})


_RECENT = st.integers(min_value=-800, max_value=12000).map(
    lambda days: NOW - dt.timedelta(days=days))
_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10, max_value=200_000),
    st.floats(allow_nan=False), st.text(max_size=4), _RECENT,
    _RECENT.map(lambda moment: moment.isoformat()), _RECENT.map(lambda moment: moment.date()),
)


def _membership(entries: list[tuple[str, str, bool]]) -> MemoryMembership:
    members = MemoryMembership()
    for name, cid, excluded in entries:
        (members.exclude if excluded else members.add)(name, cid)
    return members


def _inputs(book: Book) -> st.SearchStrategy[dict[str, Any]]:
    """Profiles, sessions, stores, moments and membership stores that reach the book's rules."""
    profile, session = _Path(), _Path()
    ids: list[str] = ["c-1"]
    stores: list[str | None] = [None, "nowhere"]
    moments: list[dt.date] = [NOW, dt.datetime(2026, 11, 1, tzinfo=dt.UTC)]
    for segment in book.document.segments:
        for expr in (*segment.includes, *segment.excludes):
            _collect(expr, profile, session)
        ids += [*segment.include_customers, *segment.exclude_customers]
        stores += segment.stores
        moments += [m for m in (segment.active_from, segment.active_until) if m is not None]
    profile.below["id"] = _Path(literals=list(ids))
    entries = st.tuples(st.sampled_from(book.names), st.sampled_from(ids), st.booleans())
    return st.fixed_dictionaries({
        "profile": _record(profile, _SCALARS),
        "session": st.one_of(st.none(), _record(session, _SCALARS)),
        "store": st.sampled_from(stores),
        "now": st.sampled_from(moments),
        "members": st.one_of(st.none(), st.lists(entries, max_size=4).map(_membership)),
    })


def _check_all(book: Book, inputs: dict[str, Any]) -> None:
    profile = inputs.pop("profile")
    bound = {key: inputs.pop(key) for key in ("store", "members") if key in inputs}
    for name in book.names:
        matched = book.matches(name, profile, **inputs, **bound)
        assert explain(book, name, profile, **inputs, **bound).matched == matched, name
        assert book.predicate(name, **bound)(profile, **inputs) == matched, name


_SEED_BOOK = loads(SEED)
_EXAMPLES_BOOK = load(ROOT / "examples" / "segments")


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(_inputs(_SEED_BOOK))
def test_explain_agrees_with_matches_on_the_seed_book(inputs: dict[str, Any]) -> None:
    _check_all(_SEED_BOOK, inputs)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(_inputs(_EXAMPLES_BOOK))
def test_explain_agrees_with_matches_on_the_examples(inputs: dict[str, Any]) -> None:
    _check_all(_EXAMPLES_BOOK, inputs)


def _generated_customers(count: int) -> Iterator[dict[str, Any]]:
    spec = importlib.util.spec_from_file_location(
        "generate_customers", ROOT / "examples" / "generate_customers.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield from module.generate(count, seed=7)


def test_explain_agrees_with_matches_on_realistic_customers(examples: Book) -> None:
    sessions = [None, *json.loads((ROOT / "examples" / "sessions.json").read_text()).values()]
    reference = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    members = 0
    for index, customer in enumerate(_generated_customers(150)):
        for store in (None, "main", "outlet"):
            inputs = {"session": sessions[index % len(sessions)], "store": store,
                      "now": reference}
            for name in examples.names:
                found = explain(examples, name, customer, **inputs)
                assert found.matched == examples.matches(name, customer, **inputs), name
                members += found.matched
    assert members > 0  # the realistic profiles reach the rules, not only the gates
