"""The queue: the organisation's cases by queue (mine, unassigned, all, each kind) with their
counts, "next case", and assigning the cases ticked in the queue to one member of staff."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.actors import Actor
from cases.commands import case_assign_many, case_take_next
from cases.commands.staff import AssignmentOutcome
from cases.errors import CommandInvalid
from cases.kinds import opened_on_their_own
from cases.staff_queries import DUE_AT_RISK, DUE_OVERDUE, assignable_staff, queue_counts, queue_page
from cases.web.queue_table import queue_table_rows
from cases.web.staff_access import staff_member_required
from cases.web.staff_display import case_url, opening_links, queue_rows, queue_tabs
from cases.web.staff_forms import AccountSearchForm, BulkAssignForm, QueueFilterForm

TEMPLATE = "staff/queue.html"


@never_cache
@require_GET
@staff_member_required
def staff_queue(request: HttpRequest, actor: Actor) -> HttpResponse:
    """The organisation's cases, due first, filtered and paged by keyset."""
    context, status = _queue_context(actor, request.GET)
    return render(request, TEMPLATE, context, status=status)


@never_cache
@require_POST
@staff_member_required
def take_next(request: HttpRequest, actor: Actor) -> HttpResponseRedirect:
    """Give the member of staff the most urgent case nobody has taken, and open it."""
    case = case_take_next(actor=actor)
    if case is None:
        messages.info(request, _("No unclaimed case is waiting."))
        return redirect("web:staff_queue")
    messages.success(request, _("Case %(reference)s is now assigned to you.") % {"reference": case.reference})
    return redirect(case_url(case.id))


@never_cache
@require_POST
@staff_member_required
def assign_selected(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Assign the cases ticked in the queue, each at the version its row showed, then go back
    to the same page of the queue and say what became of each."""
    staff = assignable_staff(actor=actor)
    form = BulkAssignForm(request.POST, staff=staff)
    query = QueryDict(request.POST.get("query", "")[:2000])
    if not QueueFilterForm(query).is_valid():
        query = QueryDict()  # a damaged "where the queue was": back to its start
    if form.is_valid():
        try:
            outcome = case_assign_many(
                actor=actor, assignee_id=form.cleaned_data["assignee"], versions=form.cleaned_data["versions"]
            )
        except CommandInvalid as exc:
            for messages_of_field in exc.errors.values():
                for message in messages_of_field:
                    form.add_error("assignee", message)
        else:
            assignee = next(user.get_username() for user in staff if user.pk == form.cleaned_data["assignee"])
            _report(request, outcome, assignee)
            return redirect(_queue_url(query))
    context, _status = _queue_context(actor, query, bulk_form=form, staff=staff)
    return render(request, TEMPLATE, context, status=400)


def _queue_context(
    actor: Actor, query: QueryDict, *, bulk_form: BulkAssignForm | None = None, staff: list[Any] | None = None
) -> tuple[dict[str, Any], int]:
    form = QueueFilterForm(query)
    staff = assignable_staff(actor=actor) if staff is None else staff
    if bulk_form is None:
        bulk_form = BulkAssignForm(staff=staff, initial={"query": query.urlencode()})
    valid = form.is_valid()
    filters = form.filters() if valid else None
    context: dict[str, Any] = {
        "form": form,
        "bulk_form": bulk_form,
        # Ticked again when the page comes back with an error, so the choice is not lost.
        "selected": set(bulk_form.ticked()),
        "search_form": AccountSearchForm(),
        "tabs": queue_tabs(queue_counts(actor=actor), filters),
        # The kinds of case staff open themselves, rather than receive, each with its form.
        "openings": opening_links(opened_on_their_own(actor.side)),
        "rows": [],
        "filtered": False,
    }
    if filters is None:
        return context, 400
    page = queue_page(actor=actor, filters=filters, cursor=query.get("cursor", ""))
    without_cursor = query.copy()
    without_cursor.pop("cursor", None)
    rows = queue_rows(page.cases, now=timezone.now())
    context.update(
        rows=rows,
        table_rows=queue_table_rows(rows, selected=context["selected"]),
        filtered=any((filters.kind, filters.state, filters.assigned_to_me, filters.unassigned, filters.due)),
        due_links=_due_links(without_cursor, filters.due),
        next_query=_with_cursor(without_cursor, page.next_cursor),
        previous_query=_with_cursor(without_cursor, page.previous_cursor),
        first_query=without_cursor.urlencode(),
    )
    return context, 200


def _due_links(query: QueryDict, current: str) -> list[dict[str, Any]]:
    """The at-risk and overdue lists of the queue shown (its other filters kept)."""
    links = []
    for value, label in ((DUE_AT_RISK, _("At risk")), (DUE_OVERDUE, _("Overdue")), ("", _("Any deadline"))):
        linked = query.copy()
        linked.pop("due", None)
        if value:
            linked["due"] = value
        links.append({"label": label, "query": linked.urlencode(), "current": value == current})
    return links


def _with_cursor(query: QueryDict, cursor: str) -> str:
    if not cursor:
        return ""
    query = query.copy()
    query["cursor"] = cursor
    return query.urlencode()


def _queue_url(query: QueryDict) -> str:
    # Re-encoded from the parsed query: only a query string of the queue's own page comes back.
    encoded = query.urlencode()
    return reverse("web:staff_queue") + (f"?{encoded}" if encoded else "")


def _report(request: HttpRequest, outcome: AssignmentOutcome, assignee: str) -> None:
    if outcome.assigned:
        messages.success(
            request,
            _("Assigned to %(assignee)s: %(references)s.")
            % {"assignee": assignee, "references": ", ".join(outcome.assigned)},
        )
    if outcome.changed:
        messages.warning(
            request,
            _("Not assigned, changed since you loaded the page: %(references)s.")
            % {"references": ", ".join(outcome.changed)},
        )
    if outcome.finished:
        messages.warning(
            request,
            _("Not assigned, no longer being handled: %(references)s.") % {"references": ", ".join(outcome.finished)},
        )
    for reference, reason in outcome.refused:
        messages.error(
            request, _("%(reference)s was not assigned: %(reason)s") % {"reference": reference, "reason": reason}
        )
