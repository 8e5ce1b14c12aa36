"""Load a policy profile from YAML: `huitoukan policy load FILE` and the upload form on the policy
pages go through the same two functions, so that a file means the same thing wherever it is loaded.

    year: 2020
    poverty_line: 4000
    borderline_upper: 6000

Keys not given keep the profile's current value (its default for a new year). Nothing is written
unless the whole file is valid.
"""

from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import DEFAULTS, PolicyProfile


class PolicyFileError(ValueError):
    pass


def _integer_fields() -> set[str]:
    return {
        f.name for f in PolicyProfile._meta.get_fields()
        if f.name in DEFAULTS and f.get_internal_type().endswith("IntegerField")
    }


def _number(key: str, value) -> Decimal:
    # bool is an int to Python and `yes` is True to YAML 1.1: a flag is never a line or a count.
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise PolicyFileError(_("%(key)s is not a number: %(value)r") % {"key": key, "value": value})
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation as exc:
        raise PolicyFileError(_("%(key)s is not a number: %(value)r") % {"key": key, "value": value}) from exc
    if not number.is_finite():
        raise PolicyFileError(_("%(key)s is not a number: %(value)r") % {"key": key, "value": value})
    if number < 0:
        raise PolicyFileError(_("%(key)s cannot be negative: %(value)r") % {"key": key, "value": value})
    return number


def parse_policy_yaml(text: str) -> dict:
    """The file's values, checked and converted; raises PolicyFileError with a message for people."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyFileError(_("This is not valid YAML: %(error)s") % {"error": exc}) from exc
    if not isinstance(data, dict):
        raise PolicyFileError(_("The file should be a mapping of “key: value” lines, for example year: 2020"))
    unknown = sorted(str(k) for k in set(data) - set(DEFAULTS) - {"year"})
    if unknown:
        raise PolicyFileError(
            _("Unknown keys: %(unknown)s. Known keys: %(known)s")
            % {"unknown": ", ".join(unknown), "known": ", ".join(["year", *DEFAULTS])}
        )
    if data.get("year") is None:
        raise PolicyFileError(_("The year is missing (year: 2020)."))
    integers = _integer_fields()
    values = {}
    for key, value in data.items():
        if value is None:  # `key:` with nothing after it: keep the current value
            continue
        number = _number(key, value)
        if key == "year" or key in integers:
            if number != number.to_integral_value():
                raise PolicyFileError(_("%(key)s must be a whole number: %(value)r") % {"key": key, "value": value})
            values[key] = int(number)
        else:
            values[key] = number
    return values


def _validation_message(exc: ValidationError) -> str:
    """Django's error dict in the words of the form: "poverty line (…): message"."""
    if not hasattr(exc, "error_dict"):
        return "; ".join(exc.messages)
    parts = []
    for field, errors in exc.error_dict.items():
        try:
            label = str(PolicyProfile._meta.get_field(field).verbose_name)
        except FieldDoesNotExist:  # NON_FIELD_ERRORS
            label = ""
        for message in ValidationError(errors).messages:
            parts.append(f"{field} ({label}): {message}" if label else message)
    return "; ".join(parts)


@transaction.atomic
def load_policy_text(text: str, *, source_name: str = "") -> tuple[PolicyProfile, bool]:
    """Create or update the year's profile from YAML text. Returns (profile, created)."""
    values = parse_policy_yaml(text)
    year = values.pop("year")
    profile = PolicyProfile.objects.select_for_update().filter(year=year).first()
    created = profile is None
    if created:
        profile = PolicyProfile(year=year)
    for key, value in values.items():
        setattr(profile, key, value)
    try:
        profile.full_clean()
    except ValidationError as exc:
        raise PolicyFileError(_validation_message(exc)) from exc
    # The history row says where the values came from (留痕); the user, when there is one, is
    # recorded by simple-history's request middleware.
    profile._change_reason = (
        _("Loaded from file %(name)s") % {"name": source_name} if source_name else _("Loaded from YAML")
    )
    profile.save()
    return profile, created


def load_policy_file(path: Path | str) -> tuple[PolicyProfile, bool]:
    """Create or update the year's profile from a YAML file. Returns (profile, created)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PolicyFileError(_("The file is not UTF-8 text.")) from exc
    return load_policy_text(text, source_name=path.name)
