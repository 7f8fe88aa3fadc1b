import pkgutil
from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_delete, post_save

        from accounts.models import Organisation
        from cases import checks, workflows  # noqa: F401  (checks register as they are imported)
        from cases.postgres_client import read_timestamps_in_c, remember_long_statements
        from cases.reference_data import forget_on_change
        from cases.sla import OfficialDay, SlaPolicy

        # Every module of cases.workflows is imported; a case kind's module registers its
        # declaration (`cases.kinds.register`) as it is imported. Adding a kind is adding a module.
        for module in pkgutil.iter_modules(workflows.__path__):
            import_module(f"{workflows.__name__}.{module.name}")
        connection_created.connect(read_timestamps_in_c, dispatch_uid="cases.postgres_client")
        remember_long_statements()
        # What every filing reads is kept for a moment; a change to it is seen at once here.
        for model in (Organisation, SlaPolicy, OfficialDay):
            for signal in (post_save, post_delete):
                signal.connect(forget_on_change, sender=model, dispatch_uid=f"reference data {model.__name__}")
