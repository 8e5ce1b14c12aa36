from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LookbackConfig(AppConfig):
    name = "huitoukan.lookback"
    label = "lookback"
    verbose_name = _("Look-back")

    def ready(self):
        from huitoukan.registry.signals import registry_imported

        from .snapshot_cache import refresh_after_import

        # An import is followed by a look-back more often than not: read the registry once, now.
        registry_imported.connect(refresh_after_import, dispatch_uid="lookback.snapshot_cache")
