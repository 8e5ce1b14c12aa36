"""Look-back runs and what each found. Every run is kept with its inputs (as-of date, policy values,
rule versions, a fingerprint of the registry snapshot), so that its result can be explained later
(DOMAIN.md §6)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Run(models.Model):
    class State(models.TextChoices):
        # Their own context: "running" of an import reads differently in Chinese.
        QUEUED = "queued", pgettext_lazy("look-back run", "queued")
        RUNNING = "running", pgettext_lazy("look-back run", "running")
        DONE = "done", pgettext_lazy("look-back run", "done")
        FAILED = "failed", pgettext_lazy("look-back run", "failed")

    class Engine(models.TextChoices):
        DUCKDB = "duckdb", "DuckDB"
        SPARK = "spark", "Spark"

    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.QUEUED,
                             db_index=True)
    as_of = models.DateField(_("as of"))
    engine = models.CharField(_("engine"), max_length=8, choices=Engine.choices, default=Engine.DUCKDB)
    # The region the run checked (null: the whole registry). Problems outside it are left alone.
    region = models.ForeignKey("registry.Region", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("region"))
    requested_rules = models.JSONField(_("requested rules"), default=list, blank=True)  # [] = all
    rule_versions = models.JSONField(_("rule versions"), default=dict, blank=True)  # {code: "v1:sha"}
    policy = models.ForeignKey("policy.PolicyProfile", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("policy profile"))
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)  # the values the rules ran with
    snapshot_fingerprint = models.CharField(_("registry fingerprint"), max_length=64, blank=True, default="")
    # The department data the run read: {kind: {"load", "linkage", "file", "as_of"}} (issue 4).
    datasets = models.JSONField(_("department datasets"), default=dict, blank=True)
    # Rules asked for but not run, and the tables they lacked: {code: [table, …]}.
    skipped_rules = models.JSONField(_("rules not run"), default=dict, blank=True)
    households = models.PositiveIntegerField(_("households checked"), default=0)
    people = models.PositiveIntegerField(_("people checked"), default=0)
    findings_count = models.PositiveIntegerField(_("findings"), default=0)
    new_problems = models.PositiveIntegerField(_("new problems"), default=0)
    no_longer_found = models.PositiveIntegerField(_("problems no longer found"), default=0)
    reopened = models.PositiveIntegerField(_("closed problems found again"), default=0)
    counts_by_rule = models.JSONField(_("findings by rule"), default=dict, blank=True)  # {code: n}
    duration = models.FloatField(_("duration (s)"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress %"), default=0)
    progress_note = models.CharField(max_length=200, blank=True, default="")
    error = models.TextField(_("error"), blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("started by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("look-back run")
        verbose_name_plural = _("look-back runs")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"#{self.pk} {self.as_of}"


class Finding(models.Model):
    """What one run found about one problem: the record of "each run that found it"."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="findings")
    problem = models.ForeignKey("rectification.Problem", on_delete=models.PROTECT, related_name="findings")
    code = models.CharField(_("problem code"), max_length=40)
    severity = models.CharField(_("severity"), max_length=10)
    message = models.TextField(_("description"))
    values = models.JSONField(_("values"), default=dict, blank=True)

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        constraints = [models.UniqueConstraint(fields=["run", "problem"], name="finding_unique_run_problem")]
        indexes = [models.Index(fields=["run", "code"])]


class Baseline(models.Model):
    """五个底子 (DOMAIN.md §2) of one village as one run counted them; the home page sums a user's
    villages from the latest finished run that covered them."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="baselines")
    village = models.ForeignKey("registry.Region", on_delete=models.PROTECT, related_name="+")
    households = models.PositiveIntegerField(default=0)
    people = models.PositiveIntegerField(default=0)  # living members
    not_lifted_people = models.PositiveIntegerField(default=0)
    stably_lifted_people = models.PositiveIntegerField(default=0)
    borderline_people = models.PositiveIntegerField(default=0)
    returned_people = models.PositiveIntegerField(default=0)
    newly_identified_people = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "village"], name="baseline_unique_run_village")]
