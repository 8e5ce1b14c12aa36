from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from .roles import Role


class User(AbstractUser):
    """A user of the platform: a role (what they may do) and regions (where they may do it).

    A user with the county in `regions` sees the whole county; a town cadre has their town; a
    village cadre their villages. Superusers see everything (used for set-up only).
    """

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.LEADER)
    regions = models.ManyToManyField(
        "registry.Region", verbose_name=_("regions"), blank=True, related_name="users"
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True, default="")

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")


class ExportLog(models.Model):
    """One export of personal data (留痕): who took which rows out of the system, when, with which
    filters, and whether ID numbers left masked. Written before the file is sent, so that an export
    interrupted half-way is still on record."""

    user = models.ForeignKey(
        "accounts.User", verbose_name=_("user"), null=True, on_delete=models.SET_NULL, related_name="exports"
    )
    # Kept as text too: the log must still say who it was if the account is ever renamed.
    username = models.CharField(_("username"), max_length=150)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, blank=True, default="")
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    what = models.CharField(_("what"), max_length=100, help_text=_("e.g. registry.households"))
    file_format = models.CharField(_("format"), max_length=10, default="csv")
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    id_numbers_masked = models.BooleanField(_("ID numbers masked"), default=True)
    health_masked = models.BooleanField(_("health data masked"), default=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("export log entry")
        verbose_name_plural = _("export log")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.username} {self.what} ({self.row_count})"
