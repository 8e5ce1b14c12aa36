"""The upload form: kind, as-of date, provider (optional) and the file."""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huitoukan.registry.importing.reading import SUFFIXES

from .kinds import KIND_CHOICES

MAX_UPLOAD_BYTES = 500 * 1024 * 1024


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind of data"), choices=KIND_CHOICES)
    as_of = forms.DateField(label=gettext_lazy("As of"), initial=timezone.localdate,
                            widget=forms.DateInput(attrs={"type": "date"}),
                            help_text=gettext_lazy("The date the data describe (the department's extraction date)."))
    provider = forms.CharField(label=gettext_lazy("Provider"), max_length=100, required=False,
                               help_text=gettext_lazy("Leave empty for the kind's usual department."))
    file = forms.FileField(label=gettext_lazy("File (.xlsx or .csv)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in SUFFIXES:
            raise forms.ValidationError(_("Only .xlsx and .csv files can be imported."))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than %(mb)s MB.") % {"mb": MAX_UPLOAD_BYTES // 2**20})
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        return upload
