"""Fixtures for the web, accounts and browser tests: a county in scope, a second county out of
everybody's scope but its own, and one user per role. Import them into a conftest with
`from tests.scope_fixtures import *`."""

import pytest
from django.test import Client

from huitoukan.accounts.roles import Role
from tests.factories import build_county, make_user

__all__ = ["client_for", "county", "fast_passwords", "other_county", "role_names", "users"]

role_names = [value for value in Role.values]


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Argon2 is slow on purpose; tests that are not about hashing use a fast hasher (the
    accounts tests check that the real setting is Argon2)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def county(db):
    """示例县 (439901): towns 松林乡 and 石门镇, two villages each, three households a village."""
    return build_county(towns=2, villages_per_town=2, households_per_village=3, seed=1)


@pytest.fixture
def other_county(db):
    """邻县 (439902): nobody in `users` has it."""
    return build_county(towns=1, villages_per_town=1, households_per_village=3, seed=2, code="439902", name="邻县")


@pytest.fixture
def users(county):
    """One user per role. Town cadre: the first town; village cadre and helper: the first village
    of the first town; everyone else: the county."""
    town, village = county.towns[0], county.villages_of(county.towns[0])[0]
    regions = {
        Role.COUNTY_ADMIN: [county.county],
        Role.TOWN_CADRE: [town],
        Role.VILLAGE_CADRE: [village],
        Role.HELPER: [village],
        Role.INSPECTOR: [county.county],
        Role.DATA_PROVIDER: [county.county],
        Role.LEADER: [county.county],
    }
    return {role: make_user(f"u_{role}", role, regions[role], first_name=f"测试{role}")
            for role in Role.values}


@pytest.fixture
def client_for():
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make
