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
