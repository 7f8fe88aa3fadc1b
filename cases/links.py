"""Links between cases of one organisation: duplicates, related cases, and the links a kind
opened from other cases records with them (a refutation and the complaints it answers),
recorded on both."""

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
    REFUTES = "refutes", _("Refutes the claim of")
    REFUTED_BY = "refuted_by", _("Claim refuted by")
    REPORTS_ON = "reports_on", _("Reports to the regulator on")
    REPORTED_IN = "reported_in", _("Reported to the regulator in")
    PERSONAL_INFORMATION_OF = "personal_information_of", _("Personal-information request of the filer of")
    PERSONAL_INFORMATION_REQUESTED_IN = (
        "personal_information_requested_in",
        _("Filer's personal information requested in"),
    )


# The link each side records: a duplicate's original records that it has a duplicate.
INVERSE = {
    LinkType.DUPLICATE_OF: LinkType.DUPLICATED_BY,
    LinkType.DUPLICATED_BY: LinkType.DUPLICATE_OF,
    LinkType.RELATED: LinkType.RELATED,
    LinkType.REFUTES: LinkType.REFUTED_BY,
    LinkType.REFUTED_BY: LinkType.REFUTES,
    LinkType.REPORTS_ON: LinkType.REPORTED_IN,
    LinkType.REPORTED_IN: LinkType.REPORTS_ON,
    LinkType.PERSONAL_INFORMATION_OF: LinkType.PERSONAL_INFORMATION_REQUESTED_IN,
    LinkType.PERSONAL_INFORMATION_REQUESTED_IN: LinkType.PERSONAL_INFORMATION_OF,
}

# Links any two cases may have; the others join a kind to the kinds it is opened from.
FREE_LINKS = (LinkType.DUPLICATE_OF, LinkType.RELATED)


def case_links(case: Case) -> list[dict[str, Any]]:
    """{"link", "case_id", "reference"} for every case this one is linked to, oldest first."""
    return list(case.details.get("links") or [])


def link_allowed(link: str, kind: str, other_kind: str) -> bool:
    """Whether a case of `kind` may record `link` to one of `other_kind`.

    A link that a kind's opening records is only for that kind and the kinds it is opened
    from: "refutes" goes from a refutation to a complaint, "refuted by" back."""
    from cases.kinds import declarations

    for declaration in declarations():
        opening = declaration.opening
        if opening is None or not opening.link:  # opened only on its own, linked to nothing
            continue
        if link == opening.link:
            return kind == declaration.kind and other_kind in opening.from_kinds
        if link == INVERSE.get(LinkType(opening.link)):
            return kind in opening.from_kinds and other_kind == declaration.kind
    return True


def links_offered(kind: str) -> list[LinkType]:
    """The links staff may record on a case of `kind`, in the order a form lists them."""
    from cases.kinds import declarations

    offered = list(FREE_LINKS)
    for declaration in declarations():
        opening = declaration.opening
        if opening is None or not opening.link:  # opened only on its own, linked to nothing
            continue
        if kind == declaration.kind:
            offered.append(LinkType(opening.link))
        if kind in opening.from_kinds:
            offered.append(INVERSE[LinkType(opening.link)])
    return list(dict.fromkeys(offered))
