"""What every workspace page shows besides its own content: which side the person works for,
the kinds they may open from the menu, and the standing notices of their organisation (the
services an open order suspends). Evaluated only when a template asks."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse

from accounts.actors import Actor
from cases.kinds import declarations, opened_on_their_own
from cases.models import Case
from notifications.inbox import unread_count


def workspace_notices(actor: Actor) -> list[str]:
    """The notices open cases of the person's organisation hold for every page of its staff."""
    if not actor.may_use_staff_workspace:
        return []
    notices = []
    for declaration in declarations():
        if declaration.workspace_notice is None:
            continue
        cases: QuerySet[Case] = Case.objects.for_actor(actor).filter(
            kind=declaration.kind, state__in=declaration.open_states
        )
        if declaration.workspace_notice_holders is not None:
            cases = declaration.workspace_notice_holders(cases)
        for case in cases.order_by("created_at"):
            text = str(declaration.workspace_notice(case))
            if text:
                notices.append(text)
    return notices


def workspace(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    actor = Actor.for_user(user)

    def openings() -> list[tuple[str, str]]:
        return [
            (str(d.opening.label), reverse("web:staff_open", kwargs={"kind": d.kind}))  # type: ignore[union-attr]
            for d in opened_on_their_own(actor.side)
        ]

    # Callables: a template calls each only where it uses it.
    return {
        "workspace_side": actor.side,
        "workspace_openings": openings,
        "workspace_notices": lambda: workspace_notices(actor),
        "workspace_unread": lambda: unread_count(actor),
    }
