"""The problem list's search and filters, a form bound to the query string (GET): every filtered
list has a URL to bookmark, share, export and open without JavaScript. The region selects are the
household list's (town, and villages that follow the chosen town)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from huitoukan.registry.filters import HouseholdFilterForm, PlainSelect, RegionSelect

from .choices import Category, Severity, Source, Status
from .queries import ASSIGNED_TO_ME, NO_LONGER_FOUND, STILL_FOUND, UNASSIGNED, YES


def _blank(label):
    return [("", label)]


class ProblemFilterForm(forms.Form):
    q = forms.CharField(
        label=_("search"), required=False, max_length=50,
        widget=forms.TextInput(attrs={
            "type": "search", "autocomplete": "off",
            "placeholder": _("household number, head of household or problem number"),
        }),
    )
    code = forms.ChoiceField(label=_("problem code"), required=False, widget=PlainSelect)
    category = forms.ChoiceField(label=_("category"), required=False, widget=PlainSelect,
                                 choices=_blank(_("all categories")) + Category.choices)
    severity = forms.ChoiceField(label=_("severity"), required=False, widget=PlainSelect,
                                 choices=_blank(_("all severities")) + Severity.choices)
    county = RegionSelect(label=_("county"), queryset=None, required=False, empty_label=_("all counties"))
    town = RegionSelect(label=_("town"), queryset=None, required=False, empty_label=_("all towns"))
    village = RegionSelect(label=_("village"), queryset=None, required=False, empty_label=_("all villages"))
    status = forms.ChoiceField(label=pgettext_lazy("problem", "status"), required=False, widget=PlainSelect,
                               choices=_blank(_("all statuses")) + Status.choices)
    source = forms.ChoiceField(label=_("source"), required=False, widget=PlainSelect,
                               choices=_blank(_("all sources")) + Source.choices)
    found = forms.ChoiceField(label=_("latest run"), required=False, widget=PlainSelect, choices=[
        ("", _("found or not")), (STILL_FOUND, _("still found")), (NO_LONGER_FOUND, _("no longer found")),
    ])
    overdue = forms.ChoiceField(label=_("deadline"), required=False, widget=PlainSelect, choices=[
        ("", _("overdue or not")), (YES, _("overdue")),
    ])
    recurring = forms.ChoiceField(label=_("recurring"), required=False, widget=PlainSelect, choices=[
        ("", _("recurring or not")), (YES, _("recurring (found again after closing)")),
    ])
    assigned = forms.ChoiceField(label=_("responsible"), required=False, widget=PlainSelect, choices=[
        ("", _("anyone or nobody")), (ASSIGNED_TO_ME, _("assigned to me")),
        (UNASSIGNED, _("unassigned (no unit, no person)")),
    ])
    # Set by the run page's links ("what this run found"); not shown as a field of its own.
    run = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, data, *, user, codes):
        super().__init__(data, label_suffix="")
        self.fields["code"].choices = _blank(_("all codes")) + list(codes)
        # The region selects and their rules are the household list's, so both lists agree.
        regions = HouseholdFilterForm(data, user=user)
        for name in ("county", "town", "village"):
            self.fields[name] = regions.fields[name]
        self.show_county = regions.show_county

    def filters(self) -> dict:
        """The valid, non-empty filters as plain values; an invalid one is dropped, not the set."""
        self.is_valid()
        out = {}
        for name, value in self.cleaned_data.items():
            if value in ("", None):
                continue
            out[name] = value.pk if hasattr(value, "pk") else value
        return out
