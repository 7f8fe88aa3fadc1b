"""Admin: organisations and people, managed by administrators; a supervisor sees their own
organisation's members, read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.admin_access import RoleAdmin, administers
from accounts.models import Organisation, User
from tracker.admin_site import site

Fieldsets = tuple[tuple[Any, dict[str, Any]], ...]

# Admin access follows from the role, so Django's staff flag, groups and permissions decide
# nothing here; showing them would suggest they do.
_UNUSED_FIELDS = {"is_staff", "groups", "user_permissions"}


def _without(fieldsets: Fieldsets, hidden: set[str]) -> Fieldsets:
    kept = ((name, options, tuple(f for f in options["fields"] if f not in hidden)) for name, options in fieldsets)
    return tuple((name, {**options, "fields": fields}) for name, options, fields in kept if fields)


@admin.register(Organisation, site=site)
class OrganisationAdmin(RoleAdmin):
    list_display = ["name", "slug", "kind", "critical_infrastructure"]
    list_filter = ["kind", "critical_infrastructure"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    # A regulator's jurisdiction: the providers it supervises.
    filter_horizontal = ["supervised_providers"]


@admin.register(User, site=site)
class UserAdmin(RoleAdmin, BaseUserAdmin):
    shown_to_supervisors = True
    list_display = ["username", "email", "organisation", "role", "is_active"]
    list_filter = [("organisation", admin.RelatedOnlyFieldListFilter), "role", "is_active"]
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Organisation"), {"classes": ["wide"], "fields": ["organisation", "role"]}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        people = super().get_queryset(request)
        if administers(request.user):
            return people
        return people.filter(organisation_id=request.user.organisation_id)  # type: ignore[union-attr]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return super().get_fieldsets(request, obj)
        hidden = set(_UNUSED_FIELDS)
        if not request.user.is_superuser:  # only a superuser makes another
            hidden.add("is_superuser")
        if not administers(request.user):  # a supervisor only looks at who is who
            hidden.add("password")
        return (*_without(BaseUserAdmin.fieldsets, hidden), (_("Organisation"), {"fields": ("organisation", "role")}))
