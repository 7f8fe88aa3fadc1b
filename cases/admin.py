"""Admin: cases and their events, read-only for everyone; changes go through commands, never
the admin. A supervisor sees only their own organisation's cases and those cases' events."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from accounts.actors import Actor
from accounts.admin_access import ReadOnlyAdmin, RoleAdmin, administers
from cases.eventstore import Event
from cases.models import Case, OfficialDay, SlaPolicy
from tracker.admin_site import site


def _visible_cases(request: HttpRequest, cases: QuerySet[Case]) -> QuerySet[Case]:
    """Every case to an administrator; to anyone else what the one scoping rule allows."""
    if administers(request.user):
        return cases
    return cases.for_actor(Actor.for_user(request.user))  # type: ignore[attr-defined,arg-type]


@admin.register(Case, site=site)
class CaseAdmin(ReadOnlyAdmin):
    shown_to_supervisors = True
    list_display = ["reference", "kind", "state", "priority", "organisation", "assignee", "due_at", "version"]
    # Only the organisations of cases listed: a supervisor must not learn the others' names.
    list_filter = ["kind", "state", "priority", ("organisation", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["reference", "title"]
    ordering = ["due_at"]
    readonly_fields = [f.name for f in Case._meta.fields]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Case]:
        return _visible_cases(request, super().get_queryset(request))

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Case | None = None,
    ) -> HttpResponse:
        # Reached only with a case get_queryset let through, so its events may be shown.
        if obj is not None:
            context["case_events"] = Event.objects.filter(stream_id=obj.pk).order_by("stream_version")
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)


@admin.register(Event, site=site)
class EventAdmin(ReadOnlyAdmin):
    shown_to_supervisors = True
    list_display = ["position", "stream_id", "stream_version", "type", "occurred_at", "short_hash"]
    list_filter = ["type"]
    search_fields = ["stream_id"]
    readonly_fields = [f.name for f in Event._meta.fields]
    show_full_result_count = False  # a count over a very large log is slow and not needed

    def get_queryset(self, request: HttpRequest) -> QuerySet[Event]:
        events = super().get_queryset(request)
        if administers(request.user):
            return events
        return events.filter(stream_id__in=_visible_cases(request, Case.objects.all()).values("pk"))

    @admin.display(description="hash")
    def short_hash(self, event: Event) -> str:
        return event.hash[:12]


@admin.register(SlaPolicy, site=site)
class SlaPolicyAdmin(RoleAdmin):
    """Saving a policy, new or changed, stores the next version of its kind's policy: the
    version a case was filed under stays as it was, so the case keeps its limits."""

    shown_to_supervisors = True
    list_display = [
        "kind",
        "version",
        "first_response_amount",
        "first_response_unit",
        "resolution_amount",
        "resolution_unit",
        "high_first_response_amount",
        "high_resolution_amount",
        "updated_at",
    ]
    list_filter = ["kind"]
    exclude = ["version"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # cases name the versions they were filed under

    def save_model(self, request: HttpRequest, obj: SlaPolicy, form: Any, change: bool) -> None:
        with transaction.atomic():
            latest = SlaPolicy.objects.select_for_update().filter(kind=obj.kind).order_by("-version").first()
            obj.pk = None
            obj._state.adding = True
            obj.version = latest.version + 1 if latest else 1
            obj.save()


@admin.register(OfficialDay, site=site)
class OfficialDayAdmin(RoleAdmin):
    """The State Council's schedule, where `holidays` lacks a year or has it wrong. Only
    administrators see it."""

    list_display = ["day", "working", "name", "notice"]
    list_filter = ["working"]
    date_hierarchy = "day"
