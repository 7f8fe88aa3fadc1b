"""Legal holds on a case's personal data: why it must be kept for now, and until when.

Kinds declare them (`KindDeclaration.legal_hold`): a case's own kind, and the kind of every
case linked to it (an open rectification order or incident holds the cases it involves).
Erasure (`cases.commands.erasure`) and retention are refused or skip a case while one applies;
the staff case page shows them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.kinds import LegalHold, as_kind, declared
from cases.links import case_links
from cases.models import Case


@dataclass(frozen=True)
class CaseHold:
    case: Case
    hold: LegalHold

    def describe(self) -> str:
        text = f"{self.hold.reference or self.case.reference}: {self.hold.reason}"
        if self.hold.until is not None:
            text += " " + str(_("(until %(date)s)") % {"date": timezone.localtime(self.hold.until).date().isoformat()})
        return text


def case_holds(case: Case, *, now: dt.datetime | None = None) -> list[CaseHold]:
    """The legal holds on a case's personal data: from its own kind, and from every case
    linked to it whose kind declares one (an open rectification order or incident)."""
    now = now or timezone.now()
    linked_ids = [link["case_id"] for link in case_links(case)]
    others = list(Case.objects.filter(pk__in=linked_ids)) if linked_ids else []
    holds = []
    for holder in [case, *others]:
        if not declared(holder.kind):
            continue
        rule = holder.declaration.legal_hold
        hold = rule(as_kind(holder), case) if rule is not None else None
        if hold is not None and (hold.until is None or hold.until > now):
            holds.append(CaseHold(holder, hold))
    return holds
