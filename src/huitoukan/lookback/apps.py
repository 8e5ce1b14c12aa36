from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LookbackConfig(AppConfig):
    name = "huitoukan.lookback"
    label = "lookback"
    verbose_name = _("Look-back")
