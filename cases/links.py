"""Links between cases of one organisation: duplicates and related cases, recorded on both."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from cases.models import Case


class LinkType(models.TextChoices):
    DUPLICATE_OF = "duplicate_of", _("Duplicate of")
    DUPLICATED_BY = "duplicated_by", _("Has a duplicate")
    RELATED = "related", _("Related to")


# The link each side records: a duplicate's original records that it has a duplicate.
INVERSE = {
    LinkType.DUPLICATE_OF: LinkType.DUPLICATED_BY,
    LinkType.DUPLICATED_BY: LinkType.DUPLICATE_OF,
    LinkType.RELATED: LinkType.RELATED,
}


def case_links(case: Case) -> list[dict[str, Any]]:
    """{"link", "case_id", "reference"} for every case this one is linked to, oldest first."""
    return list(case.details.get("links") or [])
