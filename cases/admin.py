"""Admin: cases and their events, read-only. Changes go through commands, never the admin."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from cases.eventstore import Event
from cases.models import Case, SlaPolicy


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["reference", "kind", "state", "priority", "organisation", "assignee", "due_at", "version"]
    list_filter = ["kind", "state", "priority", "organisation"]
    search_fields = ["reference", "title"]
    ordering = ["due_at"]
    readonly_fields = [f.name for f in Case._meta.fields]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None) -> Any:
        events = Event.objects.filter(stream_id=object_id).order_by("stream_version")
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "case_events": events})


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["position", "stream_id", "stream_version", "type", "occurred_at", "short_hash"]
    list_filter = ["type"]
    search_fields = ["stream_id"]
    readonly_fields = [f.name for f in Event._meta.fields]
    show_full_result_count = False  # a count over a very large log is slow and not needed

    @admin.display(description="hash")
    def short_hash(self, event: Event) -> str:
        return event.hash[:12]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ["kind", "first_response_amount", "first_response_unit", "resolution_amount", "resolution_unit"]
