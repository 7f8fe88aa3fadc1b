"""Reads of published rumor refutations, for their public pages, their ClaimReview data and
their feed. Only a refutation that was published (and not found to be false after all) is
ever read here; everything else about the case stays with staff."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.dateparse import parse_date, parse_datetime

from cases.kinds import choice_text
from cases.models import Case
from cases.references import normalise_reference
from cases.workflows.rumor import (
    BEST_RATING,
    PUBLISHED_STATES,
    RATING_VALUES,
    WORST_RATING,
    Rumor,
    RumorOutcome,
    Verdict,
)


@dataclass(frozen=True)
class Source:
    name: str
    urls: list[str]


@dataclass(frozen=True)
class PublishedRefutation:
    """A refutation as the public reads it."""

    reference: str
    title: str
    organisation: str
    claim: str
    claim_author: str
    claim_date: dt.date | None
    verdict: str
    explanation: str
    evidence: str
    sources: list[Source]
    content_urls: list[str]
    published_at: dt.datetime

    @property
    def verdict_label(self) -> str:
        return choice_text(Verdict, self.verdict)

    @property
    def rating(self) -> int:
        return RATING_VALUES.get(self.verdict, WORST_RATING)

    best_rating = BEST_RATING
    worst_rating = WORST_RATING


def published_cases() -> QuerySet[Case]:
    """Every published refutation, the latest first."""
    return (
        Rumor.objects.filter(state__in=PUBLISHED_STATES, outcome=RumorOutcome.FALSE)
        .select_related("organisation")
        .order_by("-resolved_at", "-id")
    )


def as_published(case: Case) -> PublishedRefutation:
    details = case.details
    publication = details["publication"]
    return PublishedRefutation(
        reference=case.reference,
        title=case.title,
        organisation=case.organisation.name,
        claim=publication["claim"],
        claim_author=publication["claim_author"],
        claim_date=parse_date(publication["claim_date"]) if publication["claim_date"] else None,
        verdict=details.get("verdict", Verdict.FALSE),
        explanation=publication["explanation"],
        evidence=publication["evidence"],
        sources=[Source(name=item["source"], urls=list(item["urls"])) for item in details.get("sources", [])],
        content_urls=list(details.get("content_urls") or []),
        published_at=parse_datetime(publication["published_at"]),  # type: ignore[arg-type]
    )


def published_refutation(reference: str) -> PublishedRefutation | None:
    case = published_cases().filter(reference=normalise_reference(reference)).first()
    return as_published(case) if case is not None else None
