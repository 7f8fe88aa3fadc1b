"""Who may use the admin, and for what: derived from the role alone, never from a staff flag
someone would have to remember to set.

Administrators (the role, or a superuser) manage organisations, people and their roles. A
provider supervisor signs in to look, read-only, at their own organisation. Everyone else gets
no admin at all.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from accounts.models import Role


def administers(user: Any) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    return bool(user.is_superuser or user.role == Role.ADMINISTRATOR)


def supervises(user: Any) -> bool:
    """A provider supervisor with an organisation, whose part of the admin they may look at."""
    if not (user.is_authenticated and user.is_active):
        return False
    return user.role == Role.SUPERVISOR and user.organisation_id is not None


def may_use_admin(user: Any) -> bool:
    return administers(user) or supervises(user)


class RoleAdmin(admin.ModelAdmin):
    """Administrators may do whatever this admin allows. Supervisors may only look, and only
    if `shown_to_supervisors`; `get_queryset` narrows what they see to their organisation."""

    shown_to_supervisors = False

    def may_look(self, request: HttpRequest) -> bool:
        return administers(request.user) or (self.shown_to_supervisors and supervises(request.user))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.may_look(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.may_look(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return administers(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return administers(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return administers(request.user)


class ReadOnlyAdmin(RoleAdmin):
    """What only commands write (cases, their events): nobody adds, changes or deletes here."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
