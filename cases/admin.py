"""Admin: cases and their events, read-only for everyone; changes go through commands, never
the admin. A supervisor sees only their own organisation's cases and those cases' events."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from accounts.actors import Actor
from accounts.admin_access import ReadOnlyAdmin, RoleAdmin, administers
from accounts.models import Organisation, User
from cases.eventstore import Event
from cases.kinds import declarations
from cases.models import Case, OfficialDay, SlaPolicy
from tracker.admin_site import site


def _visible_cases(request: HttpRequest, cases: QuerySet[Case]) -> QuerySet[Case]:
    """Every case to an administrator; to anyone else what the one scoping rule allows."""
    if administers(request.user):
        return cases
    return cases.for_actor(Actor.for_user(request.user))  # type: ignore[attr-defined,arg-type]


class CappedPaginator(Paginator):
    """Counts at most `CAP` rows: a COUNT(*) over a million cases costs more than the page it
    numbers, and nobody pages that far (they filter or search). Past the cap the admin shows
    the capped number; the last pages are reached by narrowing the list."""

    CAP = 10_000

    @cached_property
    def count(self) -> int:
        cases: QuerySet[Case] = self.object_list  # type: ignore[assignment]  # the admin's queryset
        return cases.order_by()[: self.CAP].count()


class KindFilter(admin.SimpleListFilter):
    """The registered kinds, from their declarations: not a DISTINCT over every case."""

    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(d.kind, str(d.label)) for d in declarations()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Case]) -> QuerySet[Case]:
        return queryset.filter(kind=self.value()) if self.value() else queryset


class StateFilter(admin.SimpleListFilter):
    """The states the kinds declare (of the chosen kind, once one is chosen)."""

    title = _("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        kind = request.GET.get("kind", "")
        states: dict[str, str] = {}
        for declaration in declarations():
            if not kind or declaration.kind == kind:
                for state in declaration.states:
                    states.setdefault(state, declaration.staff_state(state) if kind else state)
        return sorted(states.items())

    def queryset(self, request: HttpRequest, queryset: QuerySet[Case]) -> QuerySet[Case]:
        state = self.value()
        if not state:
            return queryset
        kinds = [d.kind for d in declarations() if state in d.states]
        if len(kinds) == 1:
            # Said with its kind, a state is one stretch of the (organisation, kind, state,
            # due_at, ...) index, already in the list's order; alone, the database would walk
            # every case in that order to find it.
            queryset = queryset.filter(kind=kinds[0])
        return queryset.filter(state=state)


class OrganisationFilter(admin.SimpleListFilter):
    """Every organisation to an administrator; only their own to anyone else, who must not
    learn the others' names. Read from the organisations, not from a million cases."""

    title = _("organisation")
    parameter_name = "organisation__id__exact"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        from accounts.models import Organisation

        organisations = Organisation.objects.order_by("name")
        if not administers(request.user):
            organisations = organisations.filter(pk__in=[getattr(request.user, "organisation_id", None)])
        return [(str(o.pk), o.name) for o in organisations]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Case]) -> QuerySet[Case]:
        value = self.value()
        return queryset.filter(organisation_id=value) if value else queryset


@admin.register(Case, site=site)
class CaseAdmin(ReadOnlyAdmin):
    shown_to_supervisors = True
    list_display = ["reference", "kind", "state", "priority", "organisation", "assignee", "due_at", "version"]
    list_filter = [KindFilter, StateFilter, "priority", OrganisationFilter]
    search_fields = ["reference", "title"]
    # The order of the queue's (organisation, due_at, created_at, id) index, so the first page
    # is read from it instead of sorting a million rows; one organisation's staff see theirs
    # in deadline order.
    ordering = ["organisation_id", "due_at", "created_at", "id"]
    readonly_fields = [f.name for f in Case._meta.fields]
    paginator = CappedPaginator
    list_per_page = 50  # as the queue: a hundred rows cost twice as much to draw
    show_full_result_count = False  # a second COUNT(*), of every case

    def get_queryset(self, request: HttpRequest) -> QuerySet[Case]:
        # The list shows the assignee's and the organisation's names: one join, those columns.
        cases = super().get_queryset(request).select_related("organisation", "assignee")
        cases = cases.defer(
            *[f"assignee__{f.name}" for f in User._meta.concrete_fields if f.name not in ("id", "username")]
        )
        if administers(request.user):
            # Every case is of one of the organisations: said as a list of them, a filter on
            # kind or state reads each organisation's stretch of the (organisation, kind, state,
            # ...) index, where without it the database walks the whole index (the count of a
            # state at a million cases: 40 ms instead of 3).
            cases = cases.filter(organisation_id__in=list(Organisation.objects.order_by().values_list("pk", flat=True)))
        return _visible_cases(request, cases)

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
