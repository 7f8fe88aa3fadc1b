"""Retention: the personal data of subjects whose cases have all been closed for longer than
PERSONAL_DATA_RETENTION_DAYS, and are under no legal hold, is erased (`erase_subject`).

The events stay, verifiable; only the subjects' keys go. The clock worker runs this once an
hour; `manage.py erase_due_personal_data --dry-run` reports what it would do first.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.actors import Actor
from cases.commands.erasure import erase_subject
from cases.errors import DomainError
from cases.holds import case_holds
from cases.models import Case, DataSubject

logger = logging.getLogger(__name__)

# How often the clock worker looks for subjects past their retention (seconds).
RETENTION_INTERVAL = 3600
_last_run = {"at": 0.0}


@dataclass
class RetentionReport:
    """What a retention run erased (or would): subject ids and case references only."""

    cutoff: dt.datetime
    erased: dict[uuid.UUID, list[str]] = field(default_factory=dict)
    held: dict[uuid.UUID, list[str]] = field(default_factory=dict)

    def lines(self) -> list[str]:
        lines = [
            f"Cases closed before {self.cutoff.isoformat(timespec='seconds')} "
            f"({settings.PERSONAL_DATA_RETENTION_DAYS} days of retention).",
            f"Data subjects due: {len(self.erased) + len(self.held)}; erased: {len(self.erased)}; "
            f"kept under a legal hold: {len(self.held)}.",
        ]
        lines += [f"erase {subject}: {', '.join(refs)}" for subject, refs in self.erased.items()]
        lines += [f"hold {subject}: {', '.join(refs)}" for subject, refs in self.held.items()]
        return lines


def retention_cutoff(now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(days=settings.PERSONAL_DATA_RETENTION_DAYS)


def due_subjects(now: dt.datetime) -> list[DataSubject]:
    """Subjects not yet erased with at least one case, every one of them closed before the cutoff."""
    cutoff = retention_cutoff(now)
    cases = Case.objects.filter(subject_id=OuterRef("pk"))
    kept = cases.filter(Q(closed_at__isnull=True) | Q(closed_at__gt=cutoff))
    return list(
        DataSubject.objects.filter(erased_at__isnull=True)
        .filter(Exists(cases))
        .exclude(Exists(kept))
        .only("id")
        .order_by("created_at")
    )


def erase_due_personal_data(*, now: dt.datetime | None = None, dry_run: bool = False) -> RetentionReport:
    now = now or timezone.now()
    report = RetentionReport(cutoff=retention_cutoff(now))
    actor = Actor.system(request_id="retention")
    reason = f"Retention period of {settings.PERSONAL_DATA_RETENTION_DAYS} days passed since the cases were closed."
    for subject in due_subjects(now):
        cases = list(Case.objects.filter(subject_id=subject.pk).order_by("created_at"))
        references = [case.reference for case in cases]
        if any(case_holds(case, now=now) for case in cases):
            report.held[subject.pk] = references
            continue
        if not dry_run:
            try:
                erase_subject(actor, subject.pk, reason=reason)
            except DomainError:
                # Held or erased meanwhile: the next run sees it as it is then.
                logger.info("retention: data subject %s not erased this time", subject.pk)
                continue
        report.erased[subject.pk] = references
    return report


def erase_due_personal_data_if_due() -> RetentionReport | None:
    """Run retention at most once per RETENTION_INTERVAL in this process (the clock worker)."""
    if time.monotonic() - _last_run["at"] < RETENTION_INTERVAL and _last_run["at"]:
        return None
    _last_run["at"] = time.monotonic()
    report = erase_due_personal_data()
    if report.erased or report.held:
        logger.info("retention: erased %s data subjects, %s kept under a hold", len(report.erased), len(report.held))
    return report
