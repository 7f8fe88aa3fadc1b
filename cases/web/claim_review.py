"""A published refutation as schema.org ClaimReview data (JSON-LD), with the properties
schema.org defines and those Google's fact-check guidelines require or recommend."""

from __future__ import annotations

import json
from typing import Any

from django.utils.safestring import SafeString, mark_safe

from cases.refutations import PublishedRefutation
from cases.sla import CHINA_TIME

# Inside <script>, "</script>" or "<!--" in the data would end or confuse the element: the
# characters that start them are written as JSON escapes, which read back the same.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def claim_review(refutation: PublishedRefutation, *, url: str, author_url: str) -> dict[str, Any]:
    """The ClaimReview of `refutation`, published at `url` by its organisation (whose public
    pages are at `author_url`). The verdict's words are in the language of the request; the
    claim and the refutation are as staff wrote them, in whatever language that was, so the
    review names no language of its own."""
    claim: dict[str, Any] = {
        "@type": "Claim",
        "appearance": [{"@type": "CreativeWork", "url": address} for address in refutation.content_urls],
    }
    if refutation.content_urls:
        claim["firstAppearance"] = {"@type": "CreativeWork", "url": refutation.content_urls[0]}
    if refutation.claim_author:
        claim["author"] = {"@type": "Person", "name": refutation.claim_author}
    if refutation.claim_date:
        claim["datePublished"] = refutation.claim_date.isoformat()
    verdict = refutation.verdict_label
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": url,
        "claimReviewed": refutation.claim,
        "datePublished": refutation.published_at.astimezone(CHINA_TIME).date().isoformat(),
        "author": {"@type": "Organization", "name": refutation.organisation, "url": author_url},
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": refutation.rating,
            "bestRating": refutation.best_rating,
            "worstRating": refutation.worst_rating,
            "alternateName": verdict,
            "name": verdict,
        },
        "itemReviewed": claim,
    }


def json_ld_script(data: dict[str, Any]) -> SafeString:
    """`data` in a <script type="application/ld+json"> element."""
    text = json.dumps(data, ensure_ascii=False, indent=2).translate(_SCRIPT_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308 - escaped above
