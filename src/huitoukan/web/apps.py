from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    """Pages that cut across contexts: the home page and the shared layout."""

    name = "huitoukan.web"
    label = "web"
    verbose_name = _("Web")
