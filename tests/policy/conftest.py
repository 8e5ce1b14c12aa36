"""Users of every role (no registry rows needed) and one invented profile."""

import pytest

from huitoukan.accounts.models import User
from huitoukan.accounts.roles import Role
from huitoukan.policy.models import PolicyProfile
from huitoukan.registry.models import Region


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def users(db):
    county = Region.objects.create(code="990201000000", name="样例县", level="county")
    made = {}
    for role in Role.values:
        user = User.objects.create_user(username=f"u_{role}", password="correct-horse-battery-9", role=role,
                                        first_name="", last_name="")
        user.regions.set([county])
        made[role] = user
    return made


@pytest.fixture
def profile(db):
    p = PolicyProfile(year=2020, poverty_line=4000, borderline_upper=6000)
    p._change_reason = "fixture"
    p.save()
    return p


@pytest.fixture
def as_user(client):
    def login(user, language="en"):
        client.force_login(user)
        # Most tests read the English msgids; the Chinese catalogue has tests of its own.
        if language:
            client.cookies["django_language"] = language
        return client

    return login
