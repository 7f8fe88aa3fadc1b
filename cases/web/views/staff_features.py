"""The feature library (特征库) in the staff workspace: its entries filtered, searched and paged,
and the form to propose a new one. Approving, rejecting and retiring an entry happen on its
case page, like any other workflow step."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.actors import Actor
from cases.commands import feature_entry_propose
from cases.errors import CommandInvalid
from cases.feature_patterns import TextSyntax
from cases.feature_queries import entry_people, feature_page
from cases.models import Case
from cases.web.feature_forms import FeatureFilterForm, FeatureProposalForm
from cases.web.staff_access import staff_member_required
from cases.web.staff_display import case_url, staff_time
from cases.workflows.feature_entry import FeatureEntryState, value_label

TEMPLATE = "staff/features.html"
SHOWN_VALUE = 120


@dataclass(frozen=True)
class FeatureRow:
    entry: Case
    url: str
    sort: str
    value: str
    name: str
    category: str
    state: str
    in_force: bool
    proposed_by: str
    created: str
    created_iso: str


def _shown_value(entry: Case) -> str:
    value = str(entry.details.get("value", ""))
    if entry.details.get("syntax") == TextSyntax.KEYWORDS:
        value = " · ".join(value.split("\n"))
    return value[:SHOWN_VALUE] + ("…" if len(value) > SHOWN_VALUE else "")


def _name(entry: Case) -> str:
    """The entry's short name, unless it is only the start of what it matches."""
    start = entry.title.rstrip("…")
    return "" if str(entry.details.get("value", "")).startswith(start) else entry.title


def feature_rows(entries: list[Case]) -> list[FeatureRow]:
    people = entry_people(entries)
    rows = []
    for entry in entries:
        proposer = people.get(entry.details.get("proposed_by"))
        rows.append(
            FeatureRow(
                entry=entry,
                url=case_url(entry.id),
                sort=value_label(entry.details.get("sort", ""), entry.details.get("syntax", "")),
                value=_shown_value(entry),
                name=_name(entry),
                category=entry.declaration.category_text(entry.category),
                state=entry.state_label,
                in_force=entry.state == FeatureEntryState.APPROVED,
                proposed_by=proposer.username if proposer is not None else "",
                created=staff_time(entry.created_at),
                created_iso=entry.created_at.isoformat() if entry.created_at else "",
            )
        )
    return rows


@never_cache
@require_http_methods(["GET", "POST"])
@staff_member_required
def feature_library(request: HttpRequest, actor: Actor) -> HttpResponse:
    """GET: the library, newest first, filtered and paged by keyset. POST: propose an entry;
    it opens on its own case page, where someone else approves or rejects it."""
    if request.method == "POST":
        proposal = FeatureProposalForm(request.POST)
        if proposal.is_valid():
            try:
                entry = feature_entry_propose(actor=actor, **proposal.command_arguments())
            except CommandInvalid as exc:
                proposal.add_command_errors(exc.errors)
            else:
                messages.success(
                    request,
                    _("Entry %(reference)s was proposed. It matches nothing until someone else approves it.")
                    % {"reference": entry.reference},
                )
                return redirect(case_url(entry.id))
        context, _status = _library_context(actor, QueryDict(), proposal=proposal)
        return render(request, TEMPLATE, context, status=400)
    context, status = _library_context(actor, request.GET)
    return render(request, TEMPLATE, context, status=status)


def _library_context(
    actor: Actor, query: QueryDict, *, proposal: FeatureProposalForm | None = None
) -> tuple[dict[str, Any], int]:
    form = FeatureFilterForm(query)
    context: dict[str, Any] = {
        "form": form,
        "proposal": proposal or FeatureProposalForm(),
        "rows": [],
        "filtered": False,
    }
    if not form.is_valid():
        return context, 400
    page = feature_page(actor=actor, filters=form.filters(), cursor=query.get("cursor", ""))
    without_cursor = query.copy()
    without_cursor.pop("cursor", None)
    next_query = ""
    if page.next_cursor:
        following = without_cursor.copy()
        following["cursor"] = page.next_cursor
        next_query = following.urlencode()
    context.update(
        rows=feature_rows(page.entries),
        filtered=form.filtered,
        next_query=next_query,
        first_query=without_cursor.urlencode() if "cursor" in query else "",
        paged="cursor" in query,
    )
    return context, 200
