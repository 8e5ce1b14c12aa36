"""The form that starts a look-back run: as-of date, region, rules, engine.

The region is one the user answers for (their own regions and everything below them), by default
the highest of their own: a town cadre's run covers their town, a county administrator's their
county. Rules are offered grouped by category, all ticked by default."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huitoukan.accounts.scope import managed_regions
from huitoukan.rectification.choices import Category
from huitoukan.registry.choices import RegionLevel
from huitoukan.registry.filters import PlainSelect

from .models import Run

LEVEL_ORDER = {RegionLevel.COUNTY: 0, RegionLevel.TOWN: 1, RegionLevel.VILLAGE: 2}
WHOLE_REGISTRY = ""


def group_rules(rules) -> list[tuple[str, str, list]]:
    """(category, label, rules) in the order of the categories, rules by code."""
    labels = dict(Category.choices)
    groups: dict[str, list] = {}
    for rule in rules:
        groups.setdefault(rule.category, []).append(rule)
    order = list(labels)
    return [(category, labels.get(category, category), sorted(groups[category], key=lambda r: r.code))
            for category in sorted(groups, key=lambda c: (order.index(c) if c in order else len(order), c))]


class RunForm(forms.Form):
    as_of = forms.DateField(label=_("as of"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                            help_text=_("Ages and the year's standards are taken at this date."))
    region = forms.ChoiceField(label=_("region"), widget=PlainSelect)
    rules = forms.MultipleChoiceField(label=_("rules"), widget=forms.CheckboxSelectMultiple,
                                      error_messages={"required": _("Choose at least one rule.")})
    engine = forms.ChoiceField(label=_("engine"), choices=Run.Engine.choices, initial=Run.Engine.DUCKDB,
                               widget=forms.RadioSelect)

    def __init__(self, data=None, *, user, rules):
        super().__init__(data, label_suffix="")
        self.user = user
        self.rule_groups = group_rules(rules)
        self.fields["rules"].choices = [(r.code, f"{r.code} {r.title}") for r in rules]
        regions = self._regions(user)
        self.regions = {str(r.pk): r for r in regions}
        choices = [(str(r.pk), "\u3000" * LEVEL_ORDER[r.level] + r.name) for r in regions]
        if user.is_superuser:
            choices.insert(0, (WHOLE_REGISTRY, _("the whole registry")))
        self.fields["region"].choices = choices
        self.fields["region"].required = not user.is_superuser
        self.initial = {
            "as_of": timezone.localdate(),
            "region": self._default_region(user, regions),
            "rules": [r.code for r in rules],
            "engine": Run.Engine.DUCKDB,
        }

    @staticmethod
    def _regions(user) -> list:
        """Counties, towns and villages the user answers for, as a tree (by code)."""
        return list(managed_regions(user).filter(level__in=list(LEVEL_ORDER)).order_by("code"))

    @staticmethod
    def _default_region(user, regions) -> str:
        if user.is_superuser:
            return WHOLE_REGISTRY
        own = sorted(user.regions.filter(level__in=list(LEVEL_ORDER)), key=lambda r: (LEVEL_ORDER[r.level], r.code))
        return str(own[0].pk) if own else ""

    def clean_as_of(self):
        as_of = self.cleaned_data["as_of"]
        if as_of > timezone.localdate() + dt.timedelta(days=366):
            raise forms.ValidationError(_("The as-of date is more than a year ahead."))
        return as_of

    def clean_region(self):
        value = self.cleaned_data["region"]
        return self.regions.get(value) if value else None

    def rule_codes(self):
        """None when every rule is chosen (the run records "all"), else the chosen codes."""
        chosen = self.cleaned_data["rules"]
        every = [code for code, _label in self.fields["rules"].choices]
        return None if set(chosen) == set(every) else sorted(chosen)
