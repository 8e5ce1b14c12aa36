"""The year's standards (DOMAIN.md §5): lines and thresholds set per year by the county.

They are configuration, never constants in code: rules read them from the profile a look-back runs
with, and the run records which profile that was.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

#: Defaults of DOMAIN.md §5 for keys a county does not set.
DEFAULTS = {
    "poverty_line": 4000,
    "borderline_upper": 6000,
    "monitoring_line": 6000,
    "dibao_line": 4000,
    "medical_cost_threshold": 20000,
    "visit_interval_days": 92,
    "team_days_poor_village": 20,
    "team_days_other_village": 10,
    "fund_stagnant_days": 90,
    "deadline_days_serious": 15,
    "deadline_days_general": 30,
    "deadline_days_notice": 60,
}


class PolicyProfile(models.Model):
    # A typo such as 202 or 20200 would otherwise become a profile no look-back ever picks.
    year = models.PositiveSmallIntegerField(
        _("year"), unique=True, validators=[MinValueValidator(1990), MaxValueValidator(2100)]
    )
    poverty_line = models.DecimalField(
        _("poverty line (yuan per capita)"), max_digits=10, decimal_places=2, default=DEFAULTS["poverty_line"]
    )
    borderline_upper = models.DecimalField(
        _("borderline upper bound (yuan per capita)"), max_digits=10, decimal_places=2,
        default=DEFAULTS["borderline_upper"],
    )
    monitoring_line = models.DecimalField(
        _("monitoring line (yuan per capita)"), max_digits=10, decimal_places=2,
        default=DEFAULTS["monitoring_line"],
    )
    dibao_line = models.DecimalField(
        _("dibao line (yuan per capita)"), max_digits=10, decimal_places=2, default=DEFAULTS["dibao_line"]
    )
    medical_cost_threshold = models.DecimalField(
        _("medical self-pay warning threshold (yuan)"), max_digits=10, decimal_places=2,
        default=DEFAULTS["medical_cost_threshold"],
    )
    visit_interval_days = models.PositiveSmallIntegerField(
        _("maximum days between helper visits"), default=DEFAULTS["visit_interval_days"]
    )
    team_days_poor_village = models.PositiveSmallIntegerField(
        _("work-team days a month in a poor village"), default=DEFAULTS["team_days_poor_village"]
    )
    team_days_other_village = models.PositiveSmallIntegerField(
        _("work-team days a month in another village"), default=DEFAULTS["team_days_other_village"]
    )
    fund_stagnant_days = models.PositiveSmallIntegerField(
        _("days before undisbursed funds count as stagnant"), default=DEFAULTS["fund_stagnant_days"]
    )
    # Rectification deadlines a problem gets when it is assigned without one (issue 5).
    deadline_days_serious = models.PositiveSmallIntegerField(
        _("days to rectify a serious problem"), default=DEFAULTS["deadline_days_serious"],
        validators=[MinValueValidator(1)],
    )
    deadline_days_general = models.PositiveSmallIntegerField(
        _("days to rectify a general problem"), default=DEFAULTS["deadline_days_general"],
        validators=[MinValueValidator(1)],
    )
    deadline_days_notice = models.PositiveSmallIntegerField(
        _("days to rectify a notice"), default=DEFAULTS["deadline_days_notice"],
        validators=[MinValueValidator(1)],
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("policy profile")
        verbose_name_plural = _("policy profiles")
        ordering = ["-year"]

    def __str__(self):
        return str(self.year)

    def clean(self):
        if (
            self.borderline_upper is not None
            and self.poverty_line is not None
            and self.borderline_upper < self.poverty_line
        ):
            raise ValidationError(
                {"borderline_upper": _("The borderline upper bound cannot be below the poverty line.")}
            )

    def as_parameters(self) -> dict:
        """The profile as plain values, the form rules receive their parameters in."""
        return {"year": self.year} | {key: getattr(self, key) for key in DEFAULTS}

    @classmethod
    def for_date(cls, as_of):
        """The profile of the as-of date's year, else the latest earlier one."""
        return cls.objects.filter(year__lte=as_of.year).order_by("-year").first()
