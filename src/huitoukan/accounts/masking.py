"""Masking of sensitive personal data (ID numbers, health and disability).

The one code path for it: templates use the `privacy` filters (accounts/templatetags/privacy.py),
exports and history diffs call `field_for`, and all of them end here. A field is sensitive when it
is in SENSITIVE_FIELDS; whether a user sees it is `can(user, capability)`.
"""

from .roles import Capability, can

MASK = "***"

#: Person fields that need a capability to be seen in clear, and that capability.
SENSITIVE_FIELDS = {
    "id_number": Capability.VIEW_ID_NUMBER,
    "health": Capability.VIEW_HEALTH,
    "disability_grade": Capability.VIEW_HEALTH,
}


def mask_id_number(value: str) -> str:
    """430524199001011234 → 430524********1234: the region part and the last four stay, so that
    staff can still tell people apart on a printed list."""
    if not value:
        return value
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def masks_id_number(user) -> bool:
    return not can(user, Capability.VIEW_ID_NUMBER)


def masks_health(user) -> bool:
    return not can(user, Capability.VIEW_HEALTH)


def id_number_for(user, value: str) -> str:
    return value if can(user, Capability.VIEW_ID_NUMBER) else mask_id_number(value)


def health_for(user, value):
    """Health or disability data: shown, or replaced by *** when there is something to hide
    (an empty value stays empty: that it is unknown is not sensitive)."""
    if can(user, Capability.VIEW_HEALTH):
        return value
    return MASK if value not in (None, "") else value


def field_for(user, field_name: str, value):
    """The value of a Person field as this user may see it; non-sensitive fields pass through."""
    capability = SENSITIVE_FIELDS.get(field_name)
    if capability is None or value in (None, ""):
        return value
    if capability == Capability.VIEW_ID_NUMBER:
        return id_number_for(user, value)
    return health_for(user, value)
