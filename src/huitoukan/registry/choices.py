"""The registry's enumerations, with the identifiers of DOMAIN.md §2.

Labels are English msgids translated to zh-hans in locale/. The Chinese words counties write in their
files (and their many variants) are *not* taken from these labels: the importer keeps its own
vocabulary in registry/importing/vocabulary.py, so that changing a label can never break an import.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    COUNTY = "county", _("county")
    TOWN = "town", _("town")
    VILLAGE = "village", _("village")
    HAMLET = "hamlet", _("hamlet")


class Sex(models.TextChoices):
    MALE = "male", _("male")
    FEMALE = "female", _("female")


class Relation(models.TextChoices):
    HEAD = "head", _("head of household")
    SPOUSE = "spouse", _("spouse")
    SON = "son", _("son")
    DAUGHTER = "daughter", _("daughter")
    DAUGHTER_IN_LAW = "daughter_in_law", _("daughter-in-law")
    SON_IN_LAW = "son_in_law", _("son-in-law")
    GRANDSON = "grandson", _("grandson")
    GRANDDAUGHTER = "granddaughter", _("granddaughter")
    PARENT = "parent", _("parent")
    SIBLING = "sibling", _("sibling")
    OTHER = "other", _("other relation")


class Health(models.TextChoices):
    HEALTHY = "healthy", _("healthy")
    CHRONIC = "chronic", _("chronic illness")
    SERIOUS_ILLNESS = "serious_illness", _("serious illness")
    DISABLED = "disabled", _("disabled")


class Labor(models.TextChoices):
    ORDINARY = "ordinary", _("ordinary labour")
    SKILLED = "skilled", _("skilled labour")
    WEAK = "weak", _("weak or half labour")
    LOST = "lost", _("lost labour capacity")
    NONE = "none", _("no labour capacity")


class Schooling(models.TextChoices):
    PRESCHOOL = "preschool", _("preschool")
    PRIMARY = "primary", _("primary school")
    JUNIOR = "junior", _("junior secondary")
    SENIOR = "senior", _("senior secondary")
    VOCATIONAL = "vocational", _("secondary vocational")
    COLLEGE = "college", _("higher vocational / college")
    UNIVERSITY = "university", _("university or above")
    NOT_IN_SCHOOL = "not_in_school", _("not in school")
    DROPPED_OUT = "dropped_out", _("dropped out")


class HouseholdType(models.TextChoices):
    ORDINARY = "ordinary", _("ordinary poor household")
    DIBAO = "dibao", _("dibao poor household")
    TEKUN = "tekun", _("tekun (five-guarantee) household")


class HouseholdStatus(models.TextChoices):
    NOT_LIFTED = "not_lifted", _("not lifted")
    LIFTED = "lifted", _("lifted")
    RETURNED = "returned", _("returned to poverty")
    UNSTABLE = "unstable", _("unstable lifted household")
    MARGINAL = "marginal", _("marginal household at risk")
    SUDDEN_HARDSHIP = "sudden_hardship", _("sudden severe hardship")
    RISK_CLEARED = "risk_cleared", _("risk cleared")


#: The monitoring categories (监测对象) of DOMAIN.md §2.
MONITORING_STATUSES = frozenset(
    {
        HouseholdStatus.UNSTABLE,
        HouseholdStatus.MARGINAL,
        HouseholdStatus.SUDDEN_HARDSHIP,
        HouseholdStatus.RISK_CLEARED,
    }
)


class MainCause(models.TextChoices):
    ILLNESS = "illness", _("illness")
    DISABILITY = "disability", _("disability")
    SCHOOLING = "schooling", _("schooling costs")
    DISASTER = "disaster", _("disaster")
    LAND = "land", _("lack of land")
    WATER = "water", _("lack of water")
    SKILLS = "skills", _("lack of skills")
    LABOR = "labor", _("lack of labour")
    CAPITAL = "capital", _("lack of capital")
    TRANSPORT = "transport", _("poor transport")
    MOTIVATION = "motivation", _("lack of motivation")


class HouseRating(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"
