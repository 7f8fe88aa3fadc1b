"""Who may use the staff workspace: signed-in members of a provider's staff, and no one else."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.actors import Actor

StaffView = Callable[..., HttpResponse]


def staff_actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.user, request_id=getattr(request, "request_id", ""))  # type: ignore[arg-type]


def may_use_workspace(actor: Actor) -> bool:
    """A provider role and an organisation: the workspace shows one organisation's cases."""
    return actor.may_use_staff_workspace


def workspace_member_required(view: StaffView) -> StaffView:
    """Like `staff_member_required`, but also admitting a regulator's officer: for the pages
    about one case (an order, a report), which `cases.scope` limits to what each may see."""

    @login_required
    @wraps(view)
    def run(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        actor = staff_actor(request)
        if not actor.may_use_workspace:
            return render(request, "staff/forbidden.html", {"no_access": True}, status=403)
        return view(request, actor, *args, **kwargs)

    return run


def regulator_officer_required(view: StaffView) -> StaffView:
    """The regulator's pages: signed-in officers of a regulator only."""

    @login_required
    @wraps(view)
    def run(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        actor = staff_actor(request)
        if not actor.is_regulator_officer:
            return render(request, "staff/forbidden.html", {"no_access": True}, status=403)
        return view(request, actor, *args, **kwargs)

    return run


def staff_member_required(view: StaffView) -> StaffView:
    """Send anyone not signed in to the staff sign-in; refuse other signed-in people with a
    page that says why. The view receives the acting member of staff after the request."""

    @login_required
    @wraps(view)
    def run(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        actor = staff_actor(request)
        if not may_use_workspace(actor):
            return render(request, "staff/forbidden.html", {"no_access": True}, status=403)
        return view(request, actor, *args, **kwargs)

    return run
