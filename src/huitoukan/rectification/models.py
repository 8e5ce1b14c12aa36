"""The problem ledger (问题台账): one problem per (rule code, target), whoever found it.

A look-back run's findings become problems here (rectification/ledger.py, set-based); people's
findings (self-checks, inspections, issue 5) join the same problem when code and target agree, so
that "found again" and "found by both" are facts of one record rather than two rows to reconcile.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .choices import Category, Severity, Source, Status, TargetType


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
