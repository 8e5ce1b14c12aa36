"""The registry (建档立卡): regions, households, people, helpers, work teams.

Households and people keep their full history through django-simple-history: every change, from
the web or from an import, leaves a historical row saying who, when and what. Bulk imports write
those rows set-based (see registry/importing/writer.py) rather than through the per-object signals.
"""

import builtins

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .choices import (
    Health,
    HouseholdStatus,
    HouseholdType,
    HouseRating,
    Labor,
    MainCause,
    RegionLevel,
    Relation,
    Schooling,
    Sex,
)

MONEY = {"max_digits": 14, "decimal_places": 2, "null": True, "blank": True}


class Region(models.Model):
    """A county, town, village or hamlet. Codes are the 12-digit statistical division codes
    (hamlets: village code + 3 digits) when the file gives them."""

    code = models.CharField(_("region code"), max_length=15, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=8, choices=RegionLevel.choices, db_index=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent region"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    is_poor_village = models.BooleanField(_("poor village"), default=False)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name", "level"], name="region_unique_name_in_parent"),
        ]

    def __str__(self):
        return self.name

    def ancestors(self):
        """From the county down to this region's parent."""
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))


class AssistingUnit(models.Model):
    """帮扶单位: the organisation a helper comes from."""

    name = models.CharField(_("name"), max_length=200, unique=True)

    class Meta:
        verbose_name = _("assisting unit")
        verbose_name_plural = _("assisting units")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Helper(models.Model):
    """帮扶责任人: the cadre responsible for a household. One helper usually has several."""

    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=30, blank=True, default="")
    unit = models.ForeignKey(
        AssistingUnit, verbose_name=_("assisting unit"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="helpers",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user account"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="helper_profile",
    )

    class Meta:
        verbose_name = _("helper")
        verbose_name_plural = _("helpers")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "phone"], name="helper_unique_name_phone"),
        ]

    def __str__(self):
        return self.name


class WorkTeam(models.Model):
    """驻村工作队: the resident work team sent to one or more villages."""

    name = models.CharField(_("name"), max_length=200)
    unit = models.ForeignKey(
        AssistingUnit, verbose_name=_("sending unit"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="work_teams",
    )
    villages = models.ManyToManyField(Region, verbose_name=_("villages"), related_name="work_teams")

    class Meta:
        verbose_name = _("work team")
        verbose_name_plural = _("work teams")
        ordering = ["name"]

    def __str__(self):
        return self.name


class WorkTeamMember(models.Model):
    class Role(models.TextChoices):
        FIRST_SECRETARY = "first_secretary", _("first secretary")
        LEADER = "leader", _("team leader")
        MEMBER = "member", _("team member")

    team = models.ForeignKey(WorkTeam, on_delete=models.CASCADE, related_name="members")
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=30, blank=True, default="")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)

    class Meta:
        verbose_name = _("work team member")
        verbose_name_plural = _("work team members")

    def __str__(self):
        return self.name


class Household(models.Model):
    """户: one registry household. The region links are denormalised (county, town, village) so
    that every scoped query is a plain indexed filter."""

    household_no = models.CharField(_("household number"), max_length=40, unique=True)
    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("county"))
    town = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("town"))
    village = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="households", verbose_name=_("village")
    )
    hamlet = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("hamlet")
    )
    head_name = models.CharField(_("head of household"), max_length=50, blank=True, default="", db_index=True)
    household_size = models.PositiveSmallIntegerField(_("household size"), null=True, blank=True)
    household_type = models.CharField(
        _("household type"), max_length=12, choices=HouseholdType.choices, blank=True, default="", db_index=True
    )
    status = models.CharField(_("status"), max_length=16, choices=HouseholdStatus.choices, db_index=True)
    identified_year = models.PositiveSmallIntegerField(_("year identified"), null=True, blank=True)
    exit_year = models.PositiveSmallIntegerField(_("year lifted"), null=True, blank=True)
    main_cause = models.CharField(
        _("main cause"), max_length=12, choices=MainCause.choices, blank=True, default="", db_index=True
    )
    # 两不愁三保障 indicators kept on the household; education and medical come from the members.
    food_clothing = models.BooleanField(_("food and clothing secure"), null=True, blank=True)
    water_safe = models.BooleanField(_("drinking water safe"), null=True, blank=True)
    house_rating = models.CharField(
        _("house safety rating"), max_length=1, choices=HouseRating.choices, blank=True, default=""
    )
    house_renovated = models.BooleanField(_("dilapidated house renovated"), null=True, blank=True)
    wage = models.DecimalField(_("wage income"), **MONEY)
    business = models.DecimalField(_("business income"), **MONEY)
    business_expense = models.DecimalField(_("business expense"), **MONEY)
    property = models.DecimalField(_("property income"), **MONEY)
    transfer = models.DecimalField(_("transfer income"), **MONEY)
    net_income = models.DecimalField(_("net household income"), **MONEY)
    per_capita_income = models.DecimalField(_("per-capita net income"), **MONEY)
    helper = models.ForeignKey(
        Helper, null=True, blank=True, on_delete=models.SET_NULL, related_name="households",
        verbose_name=_("helper"),
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True, default="")
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["household_no"]
        indexes = [
            models.Index(fields=["town", "household_no"]),
            models.Index(fields=["village", "household_no"]),
        ]

    def __str__(self):
        return f"{self.household_no} {self.head_name}"

    # `property` is a field here (财产性收入), so the decorator must be named in full.
    @builtins.property
    def computed_net_income(self):
        """Net income from its parts (DOMAIN.md §2); None when no part is known."""
        parts = [self.wage, self.business, self.property, self.transfer]
        if all(p is None for p in parts + [self.business_expense]):
            return None
        total = sum((p or 0) for p in parts) - (self.business_expense or 0)
        return total


class Person(models.Model):
    """家庭成员: one member of a household. `source_key` is how an import recognises the same
    person in a newer export: the person number when the file has one, else household number and
    ID number, else household number and name."""

    source_key = models.CharField(max_length=120, unique=True)
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="members", verbose_name=_("household")
    )
    person_no = models.CharField(_("person number"), max_length=40, blank=True, default="")
    name = models.CharField(_("name"), max_length=50, db_index=True)
    id_number = models.CharField(_("ID number"), max_length=40, blank=True, default="", db_index=True)
    sex = models.CharField(_("sex"), max_length=6, choices=Sex.choices, blank=True, default="")
    relation = models.CharField(_("relation to head"), max_length=16, choices=Relation.choices)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, blank=True, default="")
    education_level = models.CharField(_("education level"), max_length=30, blank=True, default="")
    schooling = models.CharField(_("schooling"), max_length=16, choices=Schooling.choices, blank=True, default="")
    health = models.CharField(_("health"), max_length=16, choices=Health.choices, blank=True, default="")
    disability_grade = models.CharField(_("disability grade"), max_length=10, blank=True, default="")
    labor = models.CharField(_("labour skill"), max_length=10, choices=Labor.choices, blank=True, default="")
    migrant_months = models.DecimalField(_("months as migrant worker"), max_digits=4, decimal_places=1,
                                         null=True, blank=True)
    medical_insured = models.BooleanField(_("basic medical insurance"), null=True, blank=True)
    deceased = models.BooleanField(_("deceased"), default=False)
    phone = models.CharField(_("phone"), max_length=30, blank=True, default="")
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["household_id", "id"]

    def __str__(self):
        return self.name


class RegistryImport(models.Model):
    """One attempt to import a registry file: kept whether it succeeded or not, so that the office
    can always say which file the registry came from (留痕)."""

    class State(models.TextChoices):
        UPLOADED = "uploaded", _("uploaded")
        PREVIEWED = "previewed", _("checked")
        INVALID = "invalid", _("has errors")
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("imported")
        FAILED = "failed", _("failed")

    file_name = models.CharField(_("file name"), max_length=255)
    stored_path = models.CharField(max_length=500, blank=True, default="")
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.UPLOADED)
    dry_run = models.BooleanField(_("dry run"), default=False)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    # [{"row": 7, "column": "户编号", "reason": "..."}]; capped when huge, count stays exact.
    errors = models.JSONField(_("errors"), default=list, blank=True)
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    # {"households_created": .., "households_updated": .., "people_created": .., ...}
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress %"), default=0)
    progress_note = models.CharField(max_length=200, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("imported by"),
    )
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("registry import")
        verbose_name_plural = _("registry imports")
        ordering = ["-created_at"]

    def __str__(self):
        return self.file_name


class RegistryGeneration(models.Model):
    """Which state of the registry's tables a copy of them may claim to be (one row).

    Database triggers on regions, helpers, households and people (migration 0002) raise `generation`
    on the first write after `clean` was set, and clear `clean`: every way of writing counts — the
    ORM, an import's bulk SQL, a queryset update, the admin, a SQL console. A columnar copy of the
    registry (lookback/snapshot_cache.py) is valid while the row still shows the `token`,
    `generation` and `clean` it was read with. `token` is new whenever the row is made again (a
    test database flush empties this table with the others), so no copy of an earlier row's
    counting can ever match. See lookback/snapshot_cache.py for the protocol."""

    token = models.CharField(max_length=32)
    generation = models.BigIntegerField(default=0)
    clean = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("registry generation")
        verbose_name_plural = _("registry generations")

    def __str__(self):
        return f"{self.token}-{self.generation}"
