"""Pages for the year's standards: list, create, edit, upload a YAML file, history of changes.

Everyone who may read the registry may read the standards it is judged by; only roles with
`edit_policy` change them.
"""

from django.contrib import messages
from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import CreateView, DetailView, FormView, ListView, UpdateView

from huitoukan.accounts.roles import Capability, can

from .forms import PolicyProfileForm, PolicyUploadForm
from .loading import PolicyFileError, load_policy_text
from .models import DEFAULTS, PolicyProfile


class CapabilityRequiredMixin(AccessMixin):
    """Anonymous: to the login page. Logged in without the capability: 403."""

    capability = Capability.VIEW_REGISTRY

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not can(request.user, self.capability):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_edit_policy"] = can(self.request.user, Capability.EDIT_POLICY)
        return context


def _parameter_fields():
    return [PolicyProfile._meta.get_field(name) for name in DEFAULTS]


class ProfileListView(CapabilityRequiredMixin, ListView):
    model = PolicyProfile
    template_name = "policy/profile_list.html"
    context_object_name = "profiles"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        fields = _parameter_fields()
        context["fields"] = fields
        context["rows"] = [(p, [getattr(p, f.name) for f in fields]) for p in context["profiles"]]
        return context


class ProfileFormMixin(CapabilityRequiredMixin):
    capability = Capability.EDIT_POLICY
    model = PolicyProfile
    form_class = PolicyProfileForm
    template_name = "policy/profile_form.html"
    success_url = reverse_lazy("policy:profile_list")
    default_reason = ""

    def form_valid(self, form):
        form.instance._change_reason = form.cleaned_data.get("change_reason") or str(self.default_reason)
        response = super().form_valid(form)
        messages.success(self.request, self.success_message % {"year": self.object.year})
        return response


class ProfileCreateView(ProfileFormMixin, CreateView):
    default_reason = gettext_lazy("Created in the web interface")
    success_message = gettext_lazy("The %(year)s policy profile was created.")

    def get_initial(self):
        # A new year starts from the latest year's values, which is what an office usually
        # adjusts; without any profile, from the defaults of DOMAIN.md §5.
        latest = PolicyProfile.objects.order_by("-year").first()
        if latest is None:
            return {}
        return {"year": latest.year + 1} | {key: getattr(latest, key) for key in DEFAULTS}


class ProfileUpdateView(ProfileFormMixin, UpdateView):
    success_message = gettext_lazy("The %(year)s policy profile was saved.")


class ProfileUploadView(CapabilityRequiredMixin, FormView):
    capability = Capability.EDIT_POLICY
    form_class = PolicyUploadForm
    template_name = "policy/profile_upload.html"
    success_url = reverse_lazy("policy:profile_list")

    def form_valid(self, form):
        try:
            profile, created = load_policy_text(form.text, source_name=form.cleaned_data["file"].name)
        except PolicyFileError as exc:
            form.add_error("file", str(exc))
            return self.form_invalid(form)
        message = (
            _("The %(year)s policy profile was created from the file.")
            if created
            else _("The %(year)s policy profile was updated from the file.")
        )
        messages.success(self.request, message % {"year": profile.year})
        return super().form_valid(form)


class ProfileHistoryView(CapabilityRequiredMixin, DetailView):
    model = PolicyProfile
    template_name = "policy/profile_history.html"
    context_object_name = "profile"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        records = list(
            self.object.history.select_related("history_user").order_by("history_date", "history_id")
        )
        labels = {"year": PolicyProfile._meta.get_field("year").verbose_name}
        labels |= {f.name: f.verbose_name for f in _parameter_fields()}
        entries, previous = [], None
        for record in records:
            if previous is None:
                changes = [(labels[name], None, getattr(record, name)) for name in labels]
            else:
                # Adjacent records diffed in memory: `diff_against(record.prev_record)` would
                # cost a query per row.
                delta = record.diff_against(previous, included_fields=list(labels))
                changes = [(labels[c.field], c.old, c.new) for c in delta.changes]
            entries.append({"record": record, "changes": changes})
            previous = record
        context["entries"] = list(reversed(entries))  # newest first, as a ledger is read
        return context
