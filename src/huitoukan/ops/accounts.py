"""Creating the first administrator of an installation."""

import secrets

from django.db import transaction

from huitoukan.accounts.models import User
from huitoukan.accounts.roles import Role
from huitoukan.registry.choices import RegionLevel
from huitoukan.registry.models import Region


def new_password() -> str:
    # Readable in a terminal and strong enough: 16 characters from a 57-letter alphabet.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(16))


@transaction.atomic
def create_county_admin(username: str) -> tuple[User, str | None]:
    """Create a county administrator responsible for every county in the registry.

    Returns (user, password); password is None when the user already existed (its password is
    never shown again: reset it with `huitoukan manage changepassword`)."""
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user, None
    password = new_password()
    user = User.objects.create_user(username=username, password=password, role=Role.COUNTY_ADMIN)
    user.regions.set(Region.objects.filter(level=RegionLevel.COUNTY))
    return user, password
