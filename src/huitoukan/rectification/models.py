"""The problem ledger (问题台账): one problem per (rule code, target), whoever found it.

A look-back run's findings become problems here (rectification/ledger.py, set-based); people's
findings (self-checks, inspections, issue 5) join the same problem when code and target agree, so
that "found again" and "found by both" are facts of one record rather than two rows to reconcile.
"""

import os
import uuid

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .choices import Action, Category, NoticeKind, Severity, Source, Status, TargetType
from .evidence import KINDS as EVIDENCE_KINDS


class Problem(models.Model):
    code = models.CharField(_("problem code"), max_length=40)
    target_type = models.CharField(_("target type"), max_length=10, choices=TargetType.choices)
    # household_no, Person.source_key or a village's region code: what stays the same across imports.
    target_key = models.CharField(_("target"), max_length=120)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices, db_index=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))  # the latest finding's message
    values = models.JSONField(_("values"), default=dict, blank=True)  # the latest finding's values

    household = models.ForeignKey(
        "registry.Household", null=True, blank=True, on_delete=models.PROTECT, related_name="problems",
        verbose_name=_("household"),
    )
    person = models.ForeignKey(
        "registry.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="problems",
        verbose_name=_("person"),
    )
    # Denormalised like Household's, so that scoping the ledger is one indexed filter.
    county = models.ForeignKey("registry.Region", null=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("county"))
    town = models.ForeignKey("registry.Region", null=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("town"))
    village = models.ForeignKey("registry.Region", null=True, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("village"))

    status = models.CharField(pgettext_lazy("problem", "status"), max_length=12, choices=Status.choices, default=Status.OPEN,
                              db_index=True)
    # False once a run that checked this code over this target's region no longer finds it; the
    # problem stays open until someone verifies the fix (issue 5), but the ledger can say so.
    still_found = models.BooleanField(_("found by the latest run"), default=True)
    first_found_at = models.DateTimeField(_("first found"))
    last_found_at = models.DateTimeField(_("last found"))
    first_run = models.ForeignKey("lookback.Run", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("first found by run"))
    last_run = models.ForeignKey("lookback.Run", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("last found by run"))
    not_found_by = models.ForeignKey("lookback.Run", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("not found again by run"))

    # Who works it and by when (交办). The unit is free text ("石门镇人民政府", "县医保局"): the
    # responsible unit is often not a region. The person is an account, so that notices reach them.
    responsible_unit = models.CharField(_("responsible unit"), max_length=100, blank=True, default="")
    responsible_person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("responsible person"),
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True, db_index=True)
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)

    # 屡改屡犯: closed once (or more) and found again. The closures stay in the events.
    recurring = models.BooleanField(_("recurring"), default=False, db_index=True)
    recurrence_count = models.PositiveSmallIntegerField(_("times found again after closing"), default=0)
    # When it last went back to open (found again after closing, or a failed verification): a report
    # of "fixed" must bring evidence newer than this.
    reopened_at = models.DateTimeField(_("reopened"), null=True, blank=True)
    fixed_at = models.DateTimeField(_("reported fixed"), null=True, blank=True)
    fixed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("reported fixed by"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name=_("verified by"))

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        ordering = ["-last_found_at", "id"]
        constraints = [models.UniqueConstraint(fields=["code", "target_key"], name="problem_unique_code_target")]
        indexes = [
            models.Index(fields=["town", "status"]),
            models.Index(fields=["village", "status"]),
            models.Index(fields=["code", "status"]),
            models.Index(fields=["responsible_person", "status"]),
        ]

    def __str__(self):
        return f"{self.number} {self.code}"

    @property
    def number(self) -> str:
        """问题编号: what people write on paper and say on the phone."""
        return f"WT{self.pk:07d}" if self.pk else ""


class ProblemSource(models.Model):
    """Who found a problem: a look-back run, or a self-check, census, inspection… (DOMAIN.md §6)."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="sources")
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, db_index=True)
    round = models.CharField(_("round"), max_length=60, blank=True, default="")
    # What the inspection wrote and when it found it (a run's own finding is in lookback.Finding).
    description = models.TextField(_("description"), blank=True, default="")
    found_on = models.DateField(_("found on"), null=True, blank=True)
    run = models.ForeignKey("lookback.Run", null=True, blank=True, on_delete=models.PROTECT,
                            related_name="+", verbose_name=_("run"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("recorded by"))
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("problem source")
        verbose_name_plural = _("problem sources")
        constraints = [
            models.UniqueConstraint(fields=["problem", "source", "round"], name="problem_source_unique"),
        ]


class ProblemEvent(models.Model):
    """One step of a problem's history (留痕): who, when, what, from which status to which, why, and
    (through Evidence) with which proof. Never edited or deleted; a problem's history is its events
    in order. The runs that found a problem are its Findings (lookback), not events."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    from_status = models.CharField(_("from"), max_length=12, choices=Status.choices, blank=True, default="")
    to_status = models.CharField(_("to"), max_length=12, choices=Status.choices, blank=True, default="")
    note = models.TextField(_("explanation"), blank=True, default="")
    # What else the step set or came from: assignment values, the run or source and round that found
    # a closed problem again, the closure it undid.
    details = models.JSONField(_("details"), default=dict, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("by"))
    # Kept as text as well: the record must name the person even if the account is renamed or removed.
    actor_name = models.CharField(_("by (name)"), max_length=150, blank=True, default="")
    at = models.DateTimeField(_("time"), db_index=True)

    class Meta:
        verbose_name = _("problem event")
        verbose_name_plural = _("problem events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["problem", "at"]), models.Index(fields=["action", "at"])]

    def __str__(self):
        return f"{self.problem_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class EvidenceStorage(FileSystemStorage):
    """Evidence lives under DATA_DIR/uploads/evidence, outside the web root and with no URL of its
    own: it is served only by the evidence view, which checks the user may see the problem."""

    # Read from the settings at each use, not fixed at import: tests and deployments move MEDIA_ROOT.
    @property
    def base_location(self):
        return os.path.join(settings.MEDIA_ROOT, "evidence")

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def deconstruct(self):  # keep migrations free of a machine's path
        return ("huitoukan.rectification.models.EvidenceStorage", (), {})

    def url(self, name):
        # FileSystemStorage would fall back to MEDIA_URL (unset: "", so "2026/05/….png", a relative
        # link that resolves against whatever page shows it). Evidence has no public address: a page
        # links to the evidence view, which checks the user may see the problem. Refusing here makes
        # a template's `{{ item.file.url }}` fail loudly instead of printing a link that leaks or 404s.
        raise NotImplementedError("evidence files have no URL; link to the evidence view")


def evidence_path(instance, filename: str) -> str:
    # A random name: the uploader's file name is kept in the row, never trusted as a path.
    # Folders by the county's month (TIME_ZONE), not UTC's: the first hours of a month in China are
    # still the previous month in UTC.
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    if suffix not in EVIDENCE_KINDS:  # only checked files are stored; never let a name choose a suffix
        suffix = "bin"
    return f"{timezone.localtime(instance.uploaded_at):%Y/%m}/{uuid.uuid4().hex}.{suffix}"


class Evidence(models.Model):
    """A file proving a step (photo of the renovated house, the signed form, the corrected table)."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="evidence")
    event = models.ForeignKey(ProblemEvent, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="evidence", verbose_name=_("step"))
    file = models.FileField(_("file"), upload_to=evidence_path, storage=EvidenceStorage, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded"))

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name


class Notice(models.Model):
    """An in-app notice to one user about one problem: newly assigned, deadline near, returned…
    `key` makes a notice idempotent (a deadline's notice is keyed by that deadline, so moving the
    deadline gives a new notice, and a rerun of the reminder none)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices")
    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(_("kind"), max_length=16, choices=NoticeKind.choices)
    key = models.CharField(max_length=40, blank=True, default="")
    message = models.CharField(_("message"), max_length=300, blank=True, default="")
    created_at = models.DateTimeField(_("time"), db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "problem", "kind", "key"], name="notice_unique")]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return f"{self.user_id} {self.kind} {self.problem_id}"
