"""What every public endpoint needs: who is acting, where a filing goes, where it is tracked."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from accounts.actors import Actor
from accounts.models import Organisation
from cases.errors import CommandInvalid
from cases.selectors import public_provider

if TYPE_CHECKING:
    from rest_framework.request import Request

    from cases.models import Case

MSG_PROVIDER_REQUIRED = _("Name the service provider this is about (its short name).")
MSG_PROVIDER_UNKNOWN = _("No service provider has the short name “%(slug)s”.")


def filing_organisation(*, slug: str = "") -> Organisation:
    """The provider organisation a public filing goes to (see selectors.public_provider); a
    regulator is never chosen: complaints are filed with the service provider."""
    organisation = public_provider(slug)
    if organisation is None:
        if slug:
            raise CommandInvalid.single("provider", MSG_PROVIDER_UNKNOWN % {"slug": slug})
        raise CommandInvalid.single("provider", MSG_PROVIDER_REQUIRED)
    return organisation


def public_actor(request: Request, *, tracking: Case | None = None) -> Actor:
    """The member of the public behind `request`, holding tracking access to `tracking` if given."""
    tracked = frozenset({tracking.id}) if tracking is not None else frozenset()
    return Actor.public(request_id=getattr(request, "request_id", ""), tracked_case_ids=tracked)
