"""The forms of the rectification workflow on the web: a step (explanation and evidence files) and an
assignment (responsible unit, person, deadline), for one problem or for many from the list.

The forms only read what was typed; what may be done is decided by workflow.py and assignment.py,
whose refusals the views show next to the form that was sent."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from huitoukan.accounts.roles import ROLE_CAPABILITIES, Capability
from huitoukan.accounts.scope import managed_regions

from .workflow import STEPS

#: How the bulk form chooses its problems: the ticked rows, or every problem the filters match.
CHOSEN = "chosen"
ALL_MATCHING = "all"


class StepForm(forms.Form):
    action = forms.ChoiceField(choices=[(action, step.label) for action, step in STEPS.items()],
                               widget=forms.HiddenInput)
    note = forms.CharField(label=_("explanation"), required=False, max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 3}))


def rectifying_roles() -> list[str]:
    """Roles whose table (roles.py) lets them rectify: asked of the table, never named."""
    return [role for role, capabilities in ROLE_CAPABILITIES.items() if Capability.RECTIFY_PROBLEMS in capabilities]


def _people(region_q: Q):
    User = get_user_model()
    return (User.objects.filter(region_q, is_active=True, is_superuser=False, role__in=rectifying_roles())
            .distinct().order_by("username"))


def people_for_problem(problem):
    """Who could work `problem`: active users whose role rectifies and whose regions hold it (its
    county, town or village, or its household's hamlet). One query for all of them."""
    household = problem.household or (problem.person.household if problem.person_id else None)
    region_ids = [rid for rid in (problem.county_id, problem.town_id, problem.village_id,
                                  household.hamlet_id if household else None) if rid]
    return _people(Q(regions__in=region_ids))


def people_for_regions(user):
    """Who could work problems in `user`'s regions (the bulk form's choice; assign() checks each
    chosen problem against the person's regions)."""
    return _people(Q(regions__in=managed_regions(user)))


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, user):
        from .workflow import actor_name

        return f"{actor_name(user)} · {user.get_role_display()}"


class AssignForm(forms.Form):
    unit = forms.CharField(label=_("responsible unit"), required=False, max_length=100,
                           help_text=_("Left empty: the unit stays as it is."))
    person = PersonChoice(label=_("responsible person"), queryset=None, required=False,
                          empty_label=_("(leave as it is)"))
    deadline = forms.DateField(label=_("deadline"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                               help_text=_("Left empty: a problem without a deadline gets its severity's default."))
    note = forms.CharField(label=_("note"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, people, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people

    def assignment(self) -> dict:
        """The keyword arguments of assignment.assign: empty fields leave what is set."""
        data = self.cleaned_data
        return {"unit": data["unit"].strip() or None, "person": data["person"], "deadline": data["deadline"],
                "note": data["note"]}


class BulkAssignForm(AssignForm):
    which = forms.ChoiceField(label=_("problems"), initial=CHOSEN, widget=forms.RadioSelect, choices=[
        (CHOSEN, _("the ticked problems")), (ALL_MATCHING, _("all problems matching the filters")),
    ])
    problem = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any integer: the scope check is assign()'s, which refuses ids outside the user's regions.
        self.fields["problem"].valid_value = lambda value: str(value).isdigit()

    def clean(self):
        data = super().clean()
        if data.get("which") == CHOSEN and not data.get("problem"):
            raise forms.ValidationError(_("Tick the problems to assign, or choose all problems matching the filters."))
        return data
