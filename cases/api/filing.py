"""What every public endpoint needs: who is acting, where a filing goes, where it is tracked."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.actors import Actor
from accounts.models import Organisation
from cases.errors import CommandInvalid

if TYPE_CHECKING:
    from rest_framework.request import Request

    from cases.models import Case

MSG_PROVIDER_REQUIRED = _("Name the service provider this is about (its short name).")
MSG_PROVIDER_UNKNOWN = _("No service provider has the short name “%(slug)s”.")


def filing_organisation(*, slug: str = "") -> Organisation:
    """The provider organisation a public filing goes to.

    With a slug, the provider of that short name. Without one, the only provider there is: an
    installation serving one provider asks nothing of the public, and once there are several
    the filer must say which, rather than the product guessing. A regulator is never chosen:
    complaints are filed with the service provider.
    """
    providers = Organisation.objects.filter(kind=Organisation.Kind.PROVIDER)
    if slug:
        organisation = providers.filter(slug=slug).first()
        if organisation is None:
            raise CommandInvalid.single("provider", MSG_PROVIDER_UNKNOWN % {"slug": slug})
        return organisation
    candidates = list(providers.order_by("pk")[:2])
    if len(candidates) != 1:
        raise CommandInvalid.single("provider", MSG_PROVIDER_REQUIRED)
    return candidates[0]


def public_actor(request: Request, *, tracking: Case | None = None) -> Actor:
    """The member of the public behind `request`, holding tracking access to `tracking` if given."""
    tracked = frozenset({tracking.id}) if tracking is not None else frozenset()
    return Actor.public(request_id=getattr(request, "request_id", ""), tracked_case_ids=tracked)


def tracking_url(reference: str, token: str) -> str:
    """The web tracking link. The token sits in the fragment, which browsers never send to a
    server, so it stays out of access logs and Referer headers."""
    return f"{settings.PUBLIC_BASE_URL}/track/{reference}/#{token}"
