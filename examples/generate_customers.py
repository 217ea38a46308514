"""Generate realistic, reproducible customer profiles for the example segments.

Every random choice comes from one ``random.Random(seed)`` and one seeded Faker, and every date
is placed relative to a fixed reference moment, ``REFERENCE`` (2026-11-01T00:00:00Z), never to
the clock: the same ``--seed`` and ``--count`` always write the same bytes, so results you get
from the examples are the results everyone gets. Evaluate the example segments with
``now=REFERENCE`` (``within last 365 days`` means "the year before 2026-11-01") to reproduce
them. Cities, states and postcodes come from small tables so that an address is consistent
(a Florida customer lives in Miami with a 33xxx ZIP) and so that ten thousand customers take
about two seconds; Faker supplies only names and street lines.

Usage: ``python examples/generate_customers.py --count 10000 --seed 42
--out examples/data/customers.jsonl``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import string
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from faker import Faker

REFERENCE = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
DEFAULT_OUT = Path(__file__).parent / "data" / "customers.jsonl"

# country -> (ISO code, Faker locale, share of customers, regions); a region is
# (name, share within the country, {city: postcode prefixes}).
Region = tuple[str, float, dict[str, list[str]]]
COUNTRIES: dict[str, tuple[str, str, float, list[Region]]] = {
    "United States": ("US", "en_US", 0.50, [
        ("California", 0.20, {"Los Angeles": ["900", "902"], "San Diego": ["921"],
                              "San Francisco": ["941"], "Sacramento": ["958"]}),
        ("Texas", 0.15, {"Houston": ["770"], "Austin": ["787"], "Dallas": ["752"],
                         "San Antonio": ["782"]}),
        ("Florida", 0.12, {"Miami": ["331"], "Orlando": ["328"], "Tampa": ["336"],
                           "Jacksonville": ["322"]}),
        ("New York", 0.13, {"New York": ["100", "101", "112"], "Buffalo": ["142"],
                            "Rochester": ["146"], "Albany": ["122"]}),
        ("Washington", 0.07, {"Seattle": ["981"], "Spokane": ["992"], "Tacoma": ["984"]}),
        ("Illinois", 0.08, {"Chicago": ["606"], "Springfield": ["627"], "Naperville": ["605"]}),
        ("Massachusetts", 0.06, {"Boston": ["021"], "Cambridge": ["021"], "Worcester": ["016"]}),
        ("Colorado", 0.06, {"Denver": ["802"], "Boulder": ["803"], "Colorado Springs": ["809"]}),
        ("Alabama", 0.05, {"Birmingham": ["352"], "Montgomery": ["361"], "Mobile": ["366"],
                           "Huntsville": ["358"]}),
        ("Alaska", 0.03, {"Anchorage": ["995"], "Fairbanks": ["997"], "Juneau": ["998"]}),
        ("Oregon", 0.05, {"Portland": ["972"], "Eugene": ["974"], "Salem": ["973"]}),
    ]),
    "Canada": ("CA", "en_CA", 0.15, [
        ("Ontario", 0.38, {"Toronto": ["M"], "Ottawa": ["K"], "Hamilton": ["L"]}),
        ("Quebec", 0.20, {"Montreal": ["H"], "Quebec City": ["G"], "Laval": ["H"]}),
        ("British Columbia", 0.20, {"Vancouver": ["V"], "Victoria": ["V"], "Kelowna": ["V"]}),
        ("Alberta", 0.12, {"Calgary": ["T"], "Edmonton": ["T"]}),
        ("Nova Scotia", 0.10, {"Halifax": ["B"], "Sydney": ["B"], "Truro": ["B"]}),
    ]),
    "United Kingdom": ("GB", "en_GB", 0.15, [
        ("England", 0.82, {"London": ["E", "EC", "N", "NW", "SE", "SW", "W", "WC"],
                           "Manchester": ["M"], "Birmingham": ["B"], "Leeds": ["LS"],
                           "Bristol": ["BS"]}),
        ("Scotland", 0.10, {"Edinburgh": ["EH"], "Glasgow": ["G"]}),
        ("Wales", 0.05, {"Cardiff": ["CF"], "Swansea": ["SA"]}),
        ("Northern Ireland", 0.03, {"Belfast": ["BT"]}),
    ]),
    "Germany": ("DE", "de_DE", 0.10, [
        ("Bavaria", 0.35, {"Munich": ["80", "81"], "Nuremberg": ["90"], "Augsburg": ["86"]}),
        ("Berlin", 0.25, {"Berlin": ["10", "12", "13"]}),
        ("Hamburg", 0.15, {"Hamburg": ["20", "22"]}),
        ("Hesse", 0.25, {"Frankfurt am Main": ["60"], "Wiesbaden": ["65"], "Kassel": ["34"]}),
    ]),
    "France": ("FR", "fr_FR", 0.05, [
        ("Île-de-France", 0.55, {"Paris": ["75"], "Versailles": ["78"],
                                 "Boulogne-Billancourt": ["92"]}),
        ("Auvergne-Rhône-Alpes", 0.25, {"Lyon": ["69"], "Grenoble": ["38"]}),
        ("Provence-Alpes-Côte d'Azur", 0.20, {"Marseille": ["13"], "Nice": ["06"]}),
    ]),
    "Australia": ("AU", "en_AU", 0.05, [
        ("New South Wales", 0.45, {"Sydney": ["20"], "Newcastle": ["23"]}),
        ("Victoria", 0.35, {"Melbourne": ["30"], "Geelong": ["32"]}),
        ("Queensland", 0.20, {"Brisbane": ["40"], "Gold Coast": ["42"]}),
    ]),
}

# Length of an all-digit postcode; Canadian and British ones have their own shapes.
POSTCODE_LENGTH = {"US": 5, "DE": 5, "FR": 5, "AU": 4}

INTERESTS = {
    "golf": 0.12, "sailing": 0.06, "hiking": 0.22, "camping": 0.14, "cycling": 0.15,
    "running": 0.18, "yoga": 0.16, "cooking": 0.24, "gardening": 0.14, "photography": 0.10,
    "travel": 0.26, "fashion": 0.20, "gaming": 0.15, "tech": 0.17, "fishing": 0.07,
    "skiing": 0.08, "home decor": 0.12,
}
AFFLUENT_INTERESTS = INTERESTS | {"golf": 0.40, "sailing": 0.22, "skiing": 0.18}
TAGS = {
    "newsletter": 0.30, "gift_buyer": 0.12, "student": 0.06, "beta_tester": 0.03,
    "wholesale": 0.02, "employee": 0.02, "chargeback": 0.01,
}
FREE_MAIL = {
    "US": ["gmail.com", "yahoo.com", "outlook.com", "icloud.com", "hotmail.com"],
    "CA": ["gmail.com", "outlook.com", "yahoo.ca", "hotmail.com"],
    "GB": ["gmail.com", "outlook.com", "btinternet.com", "yahoo.co.uk"],
    "DE": ["gmail.com", "gmx.de", "web.de", "t-online.de"],
    "FR": ["gmail.com", "orange.fr", "free.fr", "laposte.net"],
    "AU": ["gmail.com", "bigpond.com", "outlook.com"],
}
# Status of an order by age: recent orders can still be pending, old ones never are.
STATUS_RECENT = (["paid", "pending", "cancelled", "refunded"], [0.60, 0.30, 0.07, 0.03])
STATUS_SETTLED = (["paid", "refunded", "cancelled"], [0.85, 0.08, 0.07])
TIERS = ((3000.0, "platinum"), (1500.0, "gold"), (500.0, "silver"), (0.0, "bronze"))


def _iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _ascii(text: str) -> str:
    """Lower-case ASCII for an email local part: Müller -> mueller, José -> jose."""
    text = text.lower()
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, plain)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if ch in string.ascii_lowercase)


class CustomerGenerator:
    """Builds customers one at a time from one seeded random stream (and one seeded Faker)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.fake = Faker([locale for _, locale, *_ in COUNTRIES.values()])
        # One seed per locale: a shared seed would give every locale the same street lines.
        for _, locale, *_ in COUNTRIES.values():
            self.fake[locale].seed_instance(self.rng.getrandbits(32))
        self.next_order = 1

    def _pick(self, weights: dict[str, float]) -> list[str]:
        return [name for name, share in weights.items() if self.rng.random() < share]

    def _moment(self, start: dt.datetime, end: dt.datetime) -> dt.datetime:
        seconds = max(0, int((end - start).total_seconds()))
        return start + dt.timedelta(seconds=self.rng.randint(0, seconds))

    def _postcode(self, code: str, prefix: str) -> str:
        rng = self.rng
        if code == "CA":
            letters = "ABCEGHJKLMNPRSTVWXYZ"
            return (f"{prefix}{rng.randint(0, 9)}{rng.choice(letters)} "
                    f"{rng.randint(0, 9)}{rng.choice(letters)}{rng.randint(0, 9)}")
        if code == "GB":
            tail = "".join(rng.choice("ABDEFGHJLNPQRSTUWXYZ") for _ in range(2))
            return f"{prefix}{rng.randint(1, 20)} {rng.randint(1, 9)}{tail}"
        digits = POSTCODE_LENGTH[code] - len(prefix)
        return prefix + "".join(str(rng.randint(0, 9)) for _ in range(digits))

    def _order_total(self, affluent: bool) -> float:
        # Mostly everyday baskets around $65; one order in a hundred is a big-ticket item.
        if self.rng.random() < 0.01:
            return round(self.rng.uniform(400, 3000), 2)
        median = 95 if affluent else 65
        return round(min(self.rng.lognormvariate(math.log(median), 0.75), 1200.0), 2)

    def _orders(self, signup: dt.datetime, affluent: bool) -> list[dict[str, Any]]:
        rng = self.rng
        weights = [0.15, 0.30, 0.33, 0.22] if affluent else [0.25, 0.35, 0.28, 0.12]
        low, high = rng.choices([(0, 0), (1, 2), (3, 6), (7, 20)], weights)[0]
        count = rng.randint(low, high)
        start = max(signup, REFERENCE - dt.timedelta(days=3 * 365))
        placed = sorted(self._moment(start, REFERENCE) for _ in range(count))
        orders = []
        for moment in placed:
            recent = REFERENCE - moment < dt.timedelta(days=14)
            statuses, weights = STATUS_RECENT if recent else STATUS_SETTLED
            orders.append({
                "id": f"o-{self.next_order:07d}",
                "total": self._order_total(affluent),
                "status": rng.choices(statuses, weights)[0],
                "placed_at": _iso(moment),
            })
            self.next_order += 1
        return orders

    def customer(self, number: int) -> dict[str, Any]:
        """The customer with id ``c-<number>``; call in order, the stream is shared."""
        rng = self.rng
        names = list(COUNTRIES)
        country = rng.choices(names, [COUNTRIES[name][2] for name in names])[0]
        code, locale, _, regions = COUNTRIES[country]
        state, _, cities = rng.choices(regions, [region[1] for region in regions])[0]
        city = rng.choice(list(cities))
        fake = self.fake[locale]

        gender = rng.choices(["female", "male", "nonbinary", None], [0.49, 0.47, 0.03, 0.01])[0]
        first = fake.first_name_male() if gender == "male" else fake.first_name_female()
        last = fake.last_name()

        # Ages 16-85, most between 25 and 60; a few under-18s make the adult rules matter.
        age_days = int(rng.triangular(16, 85, 38) * 365.25)
        birth = (REFERENCE - dt.timedelta(days=age_days)).date()
        age = REFERENCE.year - birth.year - (
            (REFERENCE.month, REFERENCE.day) < (birth.month, birth.day))

        tags = self._pick(TAGS)
        domain = "example.com" if rng.random() < 0.3 else rng.choice(FREE_MAIL[code])
        if "employee" in tags and rng.random() < 0.6:
            domain = "staff.example.com"
        local = f"{_ascii(first)}.{_ascii(last)}"
        if rng.random() < 0.35:
            local += str(rng.randint(1, 99))
        # People type their address as they like: `ignoring case` exists for this. Some use
        # plus-addressing, and a few typos slip past the signup form.
        if rng.random() < 0.08:
            local, domain = local.title(), domain.capitalize()
        if rng.random() < 0.03:
            local += "+shop"
        if rng.random() < 0.015:
            domain = domain.replace(".", rng.choice([",", "", ".."]), 1)

        signup = self._moment(dt.datetime(2019, 1, 1, tzinfo=dt.UTC), REFERENCE)
        income: int | None = round(rng.lognormvariate(math.log(68000), 0.6) / 100) * 100
        if rng.random() < 0.1:
            income = None
        # Well-off customers order more, spend more and play golf or sail more often, so the
        # value and affinity segments overlap the way they do in a real store.
        affluent = income is not None and income >= 120_000
        interests = self._pick(AFFLUENT_INTERESTS if affluent else INTERESTS)
        orders = self._orders(signup, affluent)
        login_gap = dt.timedelta(days=min(rng.expovariate(1 / 75), 2000))
        last_login = max(signup, REFERENCE - login_gap)
        paid = sum(order["total"] for order in orders if order["status"] == "paid")
        tier = next(name for floor, name in TIERS if paid * rng.uniform(0.85, 1.15) >= floor)

        person: dict[str, Any] = {
            "id": f"c-{number:06d}",
            "first_name": first,
            "last_name": last,
            "email": f"{local}@{domain}",
            "gender": gender,
            "birth_date": birth.isoformat(),
            "age": age if rng.random() > 0.04 else None,
            "country": country,
            "state": state,
            "address": {
                "street": fake.street_address().replace("\n", ", "),
                "city": city,
                "postcode": self._postcode(code, rng.choice(cities[city])),
                "country_code": code,
            },
            "income": income,
            "interests": interests,
            "tags": tags,
            "loyalty_tier": tier,
            "email_opt_in": rng.random() < 0.62,
            "signup_at": _iso(signup),
            "last_login_at": _iso(last_login) if rng.random() > 0.05 else None,
            "orders": orders,
            "store": "outlet" if rng.random() < 0.22 else "main",
        }
        # Some profiles come from an older system that never recorded income at all.
        if income is None and rng.random() < 0.4:
            del person["income"]
        return person


def generate(count: int, seed: int = 42) -> Iterator[dict[str, Any]]:
    """Yield ``count`` customers, ids ``c-000001`` upward, identical for identical arguments."""
    generator = CustomerGenerator(seed)
    for number in range(1, count + 1):
        yield generator.customer(number)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="customers to write")
    parser.add_argument("--seed", type=int, default=42, help="random seed")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSONL file to write")
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as out:
        for person in generate(args.count, args.seed):
            out.write(json.dumps(person, ensure_ascii=False) + "\n")
    print(f"wrote {args.count} customers to {args.out}")


if __name__ == "__main__":
    main()
