"""The vocabularies of the problem ledger. Identifiers follow DOMAIN.md §3 and §6; the category and
severity identifiers are the ones rule files use (lookback/catalog.py), which a test keeps in step."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    DATA_QUALITY = "data_quality", _("data quality")
    GUARANTEE = "guarantee", _("two no-worries, three guarantees")
    EXIT = "exit", _("exit")
    IDENTIFICATION = "identification", _("identification")
    MONITORING = "monitoring", _("monitoring")
    ASSISTANCE = "assistance", _("assistance")


class Severity(models.TextChoices):
    SERIOUS = "serious", _("serious")
    GENERAL = "general", _("general")
    NOTICE = "notice", _("notice")


class Status(models.TextChoices):
    OPEN = "open", _("open")
    IN_PROGRESS = "in_progress", _("in progress")
    FIXED = "fixed", _("fixed, awaiting verification")
    CLOSED = "closed", _("closed")


class Source(models.TextChoices):
    LOOKBACK = "lookback", _("look-back run")
    SELF_CHECK = "self_check", _("self-check")
    CENSUS = "census", _("county census")
    SUPERVISION = "supervision", _("supervision")
    UNANNOUNCED = "unannounced", _("unannounced visit")
    AUDIT = "audit", _("audit")
    INSPECTION_TOUR = "inspection_tour", _("inspection tour")
    CROSS_CHECK = "cross_check", _("cross-county check")
    THIRD_PARTY = "third_party", _("third-party evaluation")


class TargetType(models.TextChoices):
    HOUSEHOLD = "household", _("household")
    PERSON = "person", _("person")
    VILLAGE = "village", _("village")
    # A person outside the registry (ENTRY_MISSED, 应纳未纳): no household or person row; keyed by a
    # hash of the ID number (lookback/engine/residents.py), placed by the address the record gives.
    RESIDENT = "resident", _("resident outside the registry")


class Action(models.TextChoices):
    """What a step in a problem's history did (ProblemEvent.action)."""

    RECORDED = "recorded", _("recorded")  # by hand or from an inspection's list
    SOURCE_ADDED = "source_added", _("found by another source")
    ASSIGNED = "assigned", _("assigned")
    STARTED = "started", _("rectification started")
    PROGRESS = "progress", _("progress reported")
    REPORTED_FIXED = "reported_fixed", _("reported fixed")
    VERIFIED = "verified", _("verified and closed")
    VERIFICATION_FAILED = "verification_failed", _("verification failed")
    REOPENED = "reopened", _("found again after closing")
    FOUND_AGAIN = "found_again", _("found again while awaiting verification")


class NoticeKind(models.TextChoices):
    ASSIGNED = "assigned", _("newly assigned")
    DEADLINE_NEAR = "deadline_near", _("deadline approaching")
    OVERDUE = "overdue", _("overdue")
    RETURNED = "returned", _("verification failed")
    REOPENED = "reopened", _("found again after closing")


#: Statuses in which a problem is still being worked by its town: the ones a deadline applies to.
WORKING_STATUSES = (Status.OPEN, Status.IN_PROGRESS)
#: Sources people record (every source but a look-back run).
HUMAN_SOURCES = tuple(value for value in Source.values if value != Source.LOOKBACK)
#: Sources that check a town from outside: what its own self-check should have found first.
OUTSIDE_SOURCES = tuple(value for value in HUMAN_SOURCES if value != Source.SELF_CHECK)
