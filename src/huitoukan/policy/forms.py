from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DEFAULTS, PolicyProfile

#: simple-history's change-reason column is 100 characters.
REASON_MAX_LENGTH = 100


class PolicyProfileForm(forms.ModelForm):
    """The year's standards. Validation is the model's (`PolicyProfile.clean`), so the page, the
    YAML loader and the admin refuse the same things."""

    change_reason = forms.CharField(
        label=_("Reason for the change"),
        max_length=REASON_MAX_LENGTH,
        help_text=_("Kept in the history of the profile, with who made the change and when."),
    )

    class Meta:
        model = PolicyProfile
        fields = ["year", *DEFAULTS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Look-backs record the profile they ran with; moving a profile to another year would
            # silently change what those runs mean. A new year is a new profile.
            self.fields["year"].disabled = True
        else:
            self.fields["change_reason"].required = False


class PolicyUploadForm(forms.Form):
    MAX_BYTES = 64 * 1024

    file = forms.FileField(label=_("YAML file"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Set here, not on the field: `%` on a lazy string would translate it once, at import.
        self.fields["file"].help_text = _("UTF-8 text, “key: value” per line. Known keys: %(keys)s.") % {
            "keys": ", ".join(["year", *DEFAULTS])
        }

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is too large for a policy profile (at most 64 KB)."))
        try:
            self.text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(_("The file is not UTF-8 text.")) from exc
        return upload
