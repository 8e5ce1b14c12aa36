"""Forms of the intake pages: a problem recorded by hand, and an inspection's findings list."""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import intake
from .choices import Severity, Source

MAX_LIST_BYTES = 20 * 1024 * 1024
LIST_SUFFIXES = (".xlsx", ".csv")


def source_choices(user) -> list[tuple[str, str]]:
    return [(value, Source(value).label) for value in intake.allowed_sources(user)]


class RoundSourceMixin(forms.Form):
    source = forms.ChoiceField(label=gettext_lazy("Source"))
    round = forms.CharField(label=gettext_lazy("Round"), max_length=60,
                            help_text=gettext_lazy("Such as 2026年第一轮 or 2026年3月乡镇自查."))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["source"].choices = source_choices(user)


class ProblemForm(RoundSourceMixin):
    code = forms.ChoiceField(label=gettext_lazy("Problem"))
    household_no = forms.CharField(label=gettext_lazy("Household number"), required=False, max_length=40)
    id_number = forms.CharField(label=gettext_lazy("ID number"), required=False, max_length=40)
    village = forms.ModelChoiceField(label=gettext_lazy("Village"), queryset=None, required=False)
    description = forms.CharField(label=gettext_lazy("Description"), widget=forms.Textarea(attrs={"rows": 4}))
    severity = forms.ChoiceField(label=gettext_lazy("Severity"), required=False,
                                 help_text=gettext_lazy("Leave empty for the code's own severity."))
    found_on = forms.DateField(label=gettext_lazy("Found on"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    field_order = ("code", "household_no", "id_number", "village", "source", "round", "description", "severity",
                   "found_on")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.codes = intake.known_codes()
        self.fields["code"].choices = [("", "—")] + [(c.code, c.label) for c in self.codes.values()]
        self.fields["village"].queryset = intake.scoped_villages(user).order_by("code")
        self.fields["severity"].choices = [("", "—"), *Severity.choices]

    def clean_found_on(self):
        found_on = self.cleaned_data.get("found_on")
        if found_on and found_on > timezone.localdate():
            raise forms.ValidationError(_("The date found lies in the future."))
        return found_on

    def clean(self):
        data = super().clean()
        code = self.codes.get(data.get("code") or "")
        if code is None or self.errors:
            return data
        village = data.get("village")
        try:
            data["target"] = intake.resolve_target(
                self.user, code, household_no=data.get("household_no", ""), id_number=data.get("id_number", ""),
                village=village.code if village else "")
        except intake.TargetError as error:
            self.add_error(error.field or None, error.message)
        return data


class ListUploadForm(RoundSourceMixin):
    file = forms.FileField(label=gettext_lazy("Findings list (.xlsx or .csv)"))

    field_order = ("file", "source", "round")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in LIST_SUFFIXES:
            raise forms.ValidationError(_("Only .xlsx and .csv files can be imported."))
        if upload.size > MAX_LIST_BYTES:
            raise forms.ValidationError(_("The file is larger than %(mb)s MB.") % {"mb": MAX_LIST_BYTES // 2**20})
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        return upload
