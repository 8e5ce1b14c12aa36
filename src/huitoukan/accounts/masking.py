"""Masking of sensitive personal data (ID numbers, health and disability)."""

from .roles import Capability, can


def mask_id_number(value: str) -> str:
    """430524199001011234 → 430524********1234: the region part and the last four stay, so that
    staff can still tell people apart on a printed list."""
    if not value:
        return value
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def id_number_for(user, value: str) -> str:
    return value if can(user, Capability.VIEW_ID_NUMBER) else mask_id_number(value)


def health_for(user, value: str) -> str:
    return value if can(user, Capability.VIEW_HEALTH) else ("***" if value else value)
