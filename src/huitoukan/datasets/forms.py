"""The upload form: kind, as-of date, provider (optional) and the file."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from huitoukan.registry.views_import import UploadForm as SpreadsheetUploadForm

from .kinds import KIND_CHOICES

MAX_UPLOAD_BYTES = 500 * 1024 * 1024


class UploadForm(SpreadsheetUploadForm):
    max_upload_bytes = MAX_UPLOAD_BYTES  # department files are larger than a county's registry
    field_order = ["kind", "as_of", "provider", "file"]

    kind = forms.ChoiceField(label=gettext_lazy("Kind of data"), choices=KIND_CHOICES)
    as_of = forms.DateField(label=gettext_lazy("As of"), initial=timezone.localdate,
                            widget=forms.DateInput(attrs={"type": "date"}),
                            help_text=gettext_lazy("The date the data describe (the department's extraction date)."))
    provider = forms.CharField(label=gettext_lazy("Provider"), max_length=100, required=False,
                               help_text=gettext_lazy("Leave empty for the kind's usual department."))
    file = forms.FileField(label=gettext_lazy("File (.xlsx or .csv)"))

