"""Forms of user management. An administrator hands out only regions inside their own scope and
never the superuser flag; the region choices are computed per administrator."""

from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from huitoukan.registry.choices import RegionLevel

from .models import User
from .scope import managed_regions


class RegionChoiceField(forms.ModelMultipleChoiceField):
    """Regions labelled with their path (乡镇 / 村), so that two villages of the same name in two
    towns can be told apart."""

    def label_from_instance(self, region):
        parts = [a.name for a in region.ancestors() if a.level != RegionLevel.COUNTY] + [region.name]
        return f"{' / '.join(parts)} ({region.get_level_display()})"


class UserForm(forms.ModelForm):
    full_name = forms.CharField(label=_("full name"), max_length=150, required=False)
    regions = RegionChoiceField(
        label=_("regions"), queryset=None, required=False,
        widget=forms.SelectMultiple(attrs={"size": 14}),
        help_text=_("The user sees these regions and everything below them."),
    )

    class Meta:
        model = User
        fields = ("username", "full_name", "role", "phone", "regions")

    def __init__(self, *args, admin, **kwargs):
        super().__init__(*args, **kwargs)
        self.admin = admin
        regions = managed_regions(admin).select_related("parent__parent__parent").order_by("code")
        self.fields["regions"].queryset = regions
        if self.instance.pk:
            self.fields["full_name"].initial = self.instance.first_name
            # Regions outside the administrator's scope cannot be on the account (manageable_users
            # guarantees it), so the initial selection is entirely among the choices.

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("regions") and cleaned.get("role"):
            self.add_error("regions", _("Give the user at least one region; without one they see nothing."))
        return cleaned

    def save(self, commit=True):
        user = super().save(commit=False)
        user.first_name = self.cleaned_data.get("full_name", "")
        if commit:
            user.save()
            self.save_m2m()
        return user


class UserCreateForm(UserForm):
    password1 = forms.CharField(label=_("password"), strip=False, widget=forms.PasswordInput(attrs={
        "autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("password again"), strip=False, widget=forms.PasswordInput(attrs={
        "autocomplete": "new-password"}))

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            probe = User(username=cleaned.get("username", ""), first_name=cleaned.get("full_name", ""))
            try:
                validate_password(p1, probe)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned

    def save(self, commit=True):
        user = super().save(commit=False)
        user.set_password(self.cleaned_data["password1"])
        if commit:
            user.save()
            self.save_m2m()
        return user


class AdminSetPasswordForm(SetPasswordForm):
    """An administrator resets a user's password; the user should change it at next login."""
