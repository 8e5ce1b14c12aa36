"""User management (county administrators) and the password change every user has."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .decorators import capability_required
from .forms import AdminSetPasswordForm, UserCreateForm, UserForm
from .roles import Capability, Role, capability_matrix
from .scope import manageable_users

manage_users = capability_required(Capability.MANAGE_USERS)


@manage_users
def user_list(request):
    users = manageable_users(request.user).prefetch_related("regions").order_by("-is_active", "username")
    query = request.GET.get("q", "").strip()
    if query:
        users = users.filter(Q(username__icontains=query) | Q(first_name__icontains=query))
    role = request.GET.get("role", "")
    if role in Role.values:
        users = users.filter(role=role)
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html", {
        "page": page, "query": query, "role": role, "roles": Role.choices,
    })


@manage_users
def user_create(request):
    form = UserCreateForm(request.POST or None, admin=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        messages.success(request, _("User %(name)s created.") % {"name": user.username})
        return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", _form_context(form, creating=True))


@manage_users
def user_edit(request, pk):
    target = get_object_or_404(manageable_users(request.user), pk=pk)
    form = UserForm(request.POST or None, instance=target, admin=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("User %(name)s saved.") % {"name": target.username})
        return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", _form_context(form, creating=False, target=target))


def _form_context(form, **extra):
    labels, rows = capability_matrix()
    return {"form": form, "capability_labels": labels, "role_matrix": rows, **extra}


@manage_users
def user_set_password(request, pk):
    target = get_object_or_404(manageable_users(request.user), pk=pk)
    form = AdminSetPasswordForm(target, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Password of %(name)s reset.") % {"name": target.username})
        return redirect("accounts:user_list")
    return render(request, "accounts/user_password.html", {"form": form, "target": target})


@manage_users
@require_POST
def user_toggle_active(request, pk):
    target = get_object_or_404(manageable_users(request.user), pk=pk)
    if target.pk == request.user.pk:
        messages.error(request, _("You cannot deactivate your own account."))
    else:
        # Deactivate rather than delete: history rows and export logs keep pointing at the account.
        target.is_active = not target.is_active
        target.save(update_fields=["is_active"])
        if target.is_active:
            messages.success(request, _("User %(name)s reactivated.") % {"name": target.username})
        else:
            messages.success(request, _("User %(name)s deactivated.") % {"name": target.username})
    return redirect("accounts:user_list")


@method_decorator(login_required, name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("web:home")

    def form_valid(self, form):
        messages.success(self.request, _("Your password has been changed."))
        return super().form_valid(form)
