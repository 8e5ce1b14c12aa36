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
