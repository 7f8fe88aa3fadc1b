"""Start-up checks: the vault's master keys open the subject keys stored with them.

Run by every management command that checks the system (`serve`, `migrate`, `check`,
`run_clock`, `dispatch_outbox`…), so that a wrong or missing `PERSONAL_DATA_KEYS` stops the
process at start with a clear message, rather than failing later at the first read.
"""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError

from cases import vault


@register()
def master_keys_open_stored_subject_keys(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    from cases.personal_data import DataSubject

    try:
        vault.master_keys()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="cases.E101")]
    try:
        key_ids = set(DataSubject.objects.exclude(wrapped_key="").values_list("key_id", flat=True).distinct())
        errors = []
        for key_id in sorted(key_ids):
            # One stored key per master key is enough: a wrong key opens none of them.
            sample = DataSubject.objects.filter(key_id=key_id).exclude(wrapped_key="").only("id", "wrapped_key").first()
            if sample is None:
                continue
            try:
                vault.unwrap_key(sample.wrapped_key, sample.id, key_id)
            except vault.VaultError as exc:
                errors.append(Error(f"PERSONAL_DATA_KEYS: {exc}.", id="cases.E102"))
        return errors
    except DatabaseError:
        return []  # no database yet (before the first migrate): nothing is wrapped
