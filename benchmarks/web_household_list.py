"""Timings of the household list at county scale (ARCHITECTURE.md: ≤ 500,000 people).

    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python benchmarks/web_household_list.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/web_bench .venv/bin/python benchmarks/web_household_list.py

Builds (once) a synthetic county of 20 towns × 15 villages × 500 households (≈150,000 households,
≈500,000 people) with tests/factories.py, then requests the list as a county administrator and as
a town cadre through Django's test client — whole requests: scope, filters, search, count, page,
template. Prints the median of five runs of each. SQLite plans well only with statistics: run
`ANALYZE` once after a large import (the numbers in docs/web.md are with and without).
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huitoukan.settings")
os.environ.setdefault("HUITOUKAN_TESTING", "1")
os.environ.setdefault("HUITOUKAN_ALLOWED_HOSTS", "testserver")

import django

django.setup()

from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from tests.factories import build_county, make_user

from huitoukan.accounts.models import User
from huitoukan.accounts.roles import Role
from huitoukan.registry.models import Household, Person, Region


def timed(client, url, runs=5, cold=False):
    times = []
    for _ in range(runs):
        if cold:
            cache.clear()
        start = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times) * 1000


def main():
    call_command("migrate", verbosity=0)
    if not Household.objects.exists():
        start = time.perf_counter()
        build_county(towns=20, villages_per_town=15, households_per_village=500, seed=7)
        print(f"built in {time.perf_counter() - start:.0f} s")
    print(f"{Household.objects.count():,} households, {Person.objects.count():,} people")
    county = Region.objects.get(level="county")
    town = Region.objects.filter(level="town").order_by("code")[3]
    admin = User.objects.filter(username="bench-admin").first() or make_user(
        "bench-admin", Role.COUNTY_ADMIN, [county])
    cadre = User.objects.filter(username="bench-town").first() or make_user("bench-town", Role.TOWN_CADRE, [town])
    person = Person.objects.filter(household__town=town).order_by("id")[1000]
    pages = Household.objects.count() // 50
    url = reverse("registry:household_list")
    cases = [
        ("county admin, page 1", admin, url),
        ("county admin, filtered (town + status)", admin, f"{url}?town={town.pk}&status=lifted"),
        ("county admin, filtered (cause), page 20", admin, f"{url}?main_cause=illness&page=20"),
        ("county admin, search name prefix", admin, f"{url}?q={person.name[:2]}"),
        ("county admin, search full ID number", admin, f"{url}?q={person.id_number}"),
        ("county admin, search ID last 6 digits", admin, f"{url}?q={person.id_number[-6:]}"),
        ("county admin, search household number", admin, f"{url}?q={person.household.household_no}"),
        (f"county admin, deep page {pages // 2}", admin, f"{url}?page={pages // 2}"),
        (f"county admin, last page {pages}", admin, f"{url}?page={pages}"),
        ("town cadre, page 1", cadre, url),
        ("town cadre, search ID last 4 digits", cadre, f"{url}?q={person.id_number[-4:]}"),
        ("county admin, home page (counted)", admin, reverse("web:home"), True),
        ("county admin, home page (cached)", admin, reverse("web:home")),
        ("town cadre, home page (counted)", cadre, reverse("web:home"), True),
    ]
    for label, user, target, *cold in cases:
        client = Client()
        client.force_login(user)
        print(f"{label:45s} {timed(client, target, cold=bool(cold)):8.1f} ms")


if __name__ == "__main__":
    main()
