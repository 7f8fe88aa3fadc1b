"""Reads of the per-account index: every enforcement measure an organisation took against one
account, with the case that took it and the appeal that reversed it.

Measures are read through `cases.scope`, so staff never see what another organisation did
to an account of the same name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cases.kinds import as_kind
from cases.measures import MAX_ACCOUNT
from cases.models import Case, EnforcementMeasure
from cases.scope import visible_cases, visible_measures

if TYPE_CHECKING:
    from accounts.actors import Actor


@dataclass(frozen=True)
class AccountMeasure:
    measure: EnforcementMeasure
    case: Case
    # The appeal named as having reversed the measure, when the caller may see it.
    reversing_appeal: Case | None = None


def account_measures(*, actor: Actor, account: str) -> list[AccountMeasure]:
    """The organisation's measures against `account` (matched exactly), latest first."""
    if not actor.is_provider_staff or actor.organisation_id is None or not account or len(account) > MAX_ACCOUNT:
        return []
    visible = visible_cases(actor)
    rows = list(
        visible_measures(actor)
        .filter(account=account)
        .select_related("case")
        .order_by("-taken_at", "case_id", "number")
    )
    appeal_references = sorted({row.reversed_by for row in rows if row.reversed_by})
    appeals = (
        {case.reference: as_kind(case) for case in visible.filter(reference__in=appeal_references)}
        if appeal_references
        else {}
    )
    return [
        AccountMeasure(measure=row, case=as_kind(row.case), reversing_appeal=appeals.get(row.reversed_by))
        for row in rows
    ]
