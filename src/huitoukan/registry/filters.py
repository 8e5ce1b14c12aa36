"""The household list's search and filters, as a form bound to the query string (GET), so that
every filtered page has a URL that can be bookmarked, shared, exported and opened without JS."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from huitoukan.accounts.scope import scoped_regions

from .choices import HouseholdStatus, HouseholdType, MainCause, RegionLevel
from .models import Region


def _blank(label):
    return [("", label)]


class PlainSelect(forms.Select):
    """A select whose options are written straight to HTML. Django renders each option through a
    template of its own, which costs ~0.3 ms an option: a county's village select has hundreds."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        chosen = "" if value is None else str(value)
        options = format_html_join(
            "", '<option value="{}"{}>{}</option>',
            ((str(v), mark_safe(" selected") if str(v) == chosen else "", label) for v, label in self.choices),
        )
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(attrs), options)


class RegionSelect(forms.ModelChoiceField):
    widget = PlainSelect

    def label_from_instance(self, region):
        return region.name


class HouseholdFilterForm(forms.Form):
    q = forms.CharField(
        label=_("search"), required=False, max_length=50,
        widget=forms.TextInput(attrs={
            "type": "search", "placeholder": _("member name, ID number (or its last digits), household number"),
            "autocomplete": "off",
        }),
    )
    county = RegionSelect(label=_("county"), queryset=None, required=False, empty_label=_("all counties"))
    town = RegionSelect(label=_("town"), queryset=None, required=False, empty_label=_("all towns"))
    village = RegionSelect(label=_("village"), queryset=None, required=False, empty_label=_("all villages"))
    status = forms.ChoiceField(label=_("status"), required=False, widget=PlainSelect,
                               choices=_blank(_("all statuses")) + HouseholdStatus.choices)
    household_type = forms.ChoiceField(label=_("household type"), required=False, widget=PlainSelect,
                                       choices=_blank(_("all types")) + HouseholdType.choices)
    main_cause = forms.ChoiceField(label=_("main cause"), required=False, widget=PlainSelect,
                                   choices=_blank(_("all causes")) + MainCause.choices)

    #: Filters that narrow by a field of the same name (the regions are handled apart).
    FIELD_FILTERS = ("status", "household_type", "main_cause")

    def __init__(self, data, *, user):
        super().__init__(data, label_suffix="")
        regions = list(scoped_regions(user).filter(
            level__in=[RegionLevel.COUNTY, RegionLevel.TOWN, RegionLevel.VILLAGE]
        ).order_by("code").values("id", "level", "parent_id"))
        by_level = {level: [r["id"] for r in regions if r["level"] == level] for level in RegionLevel.values}
        self.fields["county"].queryset = Region.objects.filter(id__in=by_level[RegionLevel.COUNTY])
        self.fields["town"].queryset = Region.objects.filter(id__in=by_level[RegionLevel.TOWN])
        # Villages follow the chosen town (server side, so that it works without JS: choose the
        # town, press 查询, and the village list narrows).
        town_id = self.data.get("town") if hasattr(self.data, "get") else None
        villages = [r for r in regions if r["level"] == RegionLevel.VILLAGE]
        if town_id and str(town_id).isdigit():
            villages = [r for r in villages if r["parent_id"] == int(town_id)] or villages
        self.fields["village"].queryset = Region.objects.filter(id__in=[r["id"] for r in villages])
        # One county is the common case: its select would offer one choice, so it is not shown.
        self.show_county = len(by_level[RegionLevel.COUNTY]) > 1

    def filters(self) -> dict:
        """The valid, non-empty filters as plain values (for the query, links and the export log).
        An invalid field (a village of another town left in the URL) is dropped, not the whole set."""
        self.is_valid()
        out = {}
        for name, value in self.cleaned_data.items():
            if value in ("", None):
                continue
            out[name] = value.pk if hasattr(value, "pk") else value
        return out
