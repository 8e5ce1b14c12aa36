"""The household list as CSV: scoped and filtered exactly like the page (same query), masked per
role (same masking functions), logged before the first byte leaves (accounts.audit.log_export).

CSV with a UTF-8 BOM, because that is what Excel on a county office's Windows PC opens correctly;
rows are streamed so that a whole county (150,000 households) never sits in memory.
"""

import csv

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _

from huitoukan.accounts import masking

from .choices import HouseholdStatus, HouseholdType, MainCause, Relation
from .models import Person

BOM = "\ufeff"


class _Echo:
    def write(self, value):
        return value


def header() -> list[str]:
    return [
        _("household number"), _("county"), _("town"), _("village"), _("head of household"),
        _("head's ID number"), _("household size"), _("household type"), _("status"), _("main cause"),
        _("year identified"), _("year lifted"), _("net household income"), _("per-capita net income"),
        _("helper"), _("helper's phone"), _("phone"),
    ]


def with_head_id(queryset):
    head = Person.objects.filter(household=OuterRef("pk"), relation=Relation.HEAD, deceased=False)
    return queryset.select_related("county").annotate(
        head_id_number=Subquery(head.order_by("pk").values("id_number")[:1])
    )


def _labels() -> dict:
    return {
        name: {value: str(label) for value, label in choices.choices}
        for name, choices in (("status", HouseholdStatus), ("household_type", HouseholdType),
                              ("main_cause", MainCause))
    }


def rows(queryset, user, labels: dict):
    for h in with_head_id(queryset).iterator(chunk_size=2000):
        yield [
            h.household_no, h.county.name, h.town.name, h.village.name, h.head_name,
            masking.field_for(user, "id_number", h.head_id_number or ""),
            h.household_size if h.household_size is not None else "",
            labels["household_type"].get(h.household_type, h.household_type),
            labels["status"].get(h.status, h.status),
            labels["main_cause"].get(h.main_cause, h.main_cause),
            h.identified_year or "", h.exit_year or "",
            h.net_income if h.net_income is not None else "",
            h.per_capita_income if h.per_capita_income is not None else "",
            h.helper.name if h.helper else "", h.helper.phone if h.helper else "", h.phone,
        ]


def stream_csv(queryset, user):
    """An iterator of CSV lines. Labels are translated now, while the request's language is
    active, not later when the server pulls the rows."""
    writer = csv.writer(_Echo())
    first = BOM + writer.writerow([str(h) for h in header()])
    labels = _labels()

    def lines():
        yield first
        for row in rows(queryset, user, labels):
            yield writer.writerow([_neutralise(v) for v in row])

    return lines()


def _neutralise(value):
    """A cell starting with = + - @ is a formula to Excel; names and numbers from an import could
    carry one (CSV injection). Negative numbers stay numbers."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
