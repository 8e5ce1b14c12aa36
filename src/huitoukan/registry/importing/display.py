"""Values as people read them: choice codes as their (translated) labels, yes/no, plain numbers."""

from __future__ import annotations

from functools import cache

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _

from ..models import Household, Person


@cache
def _choices(field_name: str) -> dict | None:
    for model in (Person, Household):
        try:
            field = model._meta.get_field(field_name)
        except FieldDoesNotExist:
            continue
        return dict(field.choices) if field.choices else None
    return None


def display_value(field_name: str, value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    choices = _choices(field_name)
    if choices and value in choices:
        return str(choices[value])
    return str(value)
