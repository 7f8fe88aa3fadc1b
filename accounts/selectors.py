"""Reads about people: who works for an organisation."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import PROVIDER_ROLES, User


def active_staff(*, organisation_id: int) -> QuerySet[User]:
    """The organisation's members who may handle its cases now, by user name."""
    return User.objects.filter(organisation_id=organisation_id, role__in=PROVIDER_ROLES, is_active=True).order_by(
        "username"
    )
