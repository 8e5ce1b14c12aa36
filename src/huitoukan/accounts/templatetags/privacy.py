"""The template face of accounts/masking.py and accounts/roles.py.

    {% load privacy %}
    {{ person.id_number|id_for:request.user }}
    {{ person.get_health_display|health_for:request.user }}
    {% masked person "disability_grade" as grade %}{{ grade }}
    {% if request.user|can:"manage_users" %}…{% endif %}
"""

from django import template

from huitoukan.accounts import masking
from huitoukan.accounts.roles import can as _can

register = template.Library()


@register.filter
def id_for(value, user):
    return masking.id_number_for(user, value)


@register.filter
def health_for(value, user):
    return masking.health_for(user, value)


@register.simple_tag(takes_context=True)
def masked(context, obj, field_name):
    """The display value of `obj.field_name` (choice label when it has choices), masked for the
    request's user."""
    value = getattr(obj, field_name, "")
    display = getattr(obj, f"get_{field_name}_display", None)
    shown = display() if callable(display) and value else value
    return masking.field_for(context["request"].user, field_name, shown)


@register.filter
def can(user, capability):
    """`{% if request.user|can:"manage_users" %}` — the template face of roles.can."""
    return _can(user, capability)
