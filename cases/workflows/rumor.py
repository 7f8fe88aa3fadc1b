"""The rumor-refutation (辟谣) workflow of article 11, and its declaration.

Staff open a refutation from the complaints about a false claim, or on its own: opened →
verifying (sources and findings recorded as they are found) → confirmed false, or not false
(closed with the reasons) → refutation published (the public text: the claim, the verdict in
plain words, the evidence, where the claim appeared) → reported to the regulator → closed.

A published refutation has a public page (`cases.web.views.refutations`); complaints filed
later about an address it lists are linked to it on intake, and their filers are shown it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cases import sla
from cases.compiled_queries import CompiledQuery
from cases.display import choice_field, date_field, text_field, url_list_field
from cases.errors import CommandInvalid
from cases.kinds import KindDeclaration, Opening, PublicNotice, StateWording, register
from cases.links import LinkType
from cases.models import Case, KindManager
from cases.projections import applies, when
from cases.workflows.base import Argument, assignment_transition, case_transition, choices_of, perform
from cases.workflows.validation import MAX_URLS, choice, optional_text, past_date, required_text, web_addresses

if TYPE_CHECKING:
    from accounts.actors import Actor
    from accounts.models import Organisation
    from cases.eventstore import Event

KIND = "rumor"

MAX_CLAIM = 1000
MAX_NAME = 200
MAX_TITLE = 60


class RumorState(models.TextChoices):
    OPENED = "opened", _("Opened")
    VERIFYING = "verifying", _("Verifying")
    CONFIRMED_FALSE = "confirmed_false", _("Confirmed false")
    PUBLISHED = "published", _("Refutation published")
    REPORTED = "reported", _("Reported to the regulator")
    CLOSED = "closed", _("Closed")


class RumorEvent(models.TextChoices):
    OPENED = "rumor.opened", _("Rumor refutation opened")
    VERIFICATION_STARTED = "rumor.verification_started", _("Verification started")
    SOURCE_RECORDED = "rumor.source_recorded", _("Source recorded")
    CONFIRMED_FALSE = "rumor.confirmed_false", _("Claim confirmed false")
    FOUND_NOT_FALSE = "rumor.found_not_false", _("Claim found not to be false")
    PUBLISHED = "rumor.published", _("Refutation published")
    REPORTED = "rumor.reported", _("Reported to the regulator")
    CLOSED = "rumor.closed", _("Rumor refutation closed")


OPEN_STATES = [
    RumorState.OPENED,
    RumorState.VERIFYING,
    RumorState.CONFIRMED_FALSE,
    RumorState.PUBLISHED,
    RumorState.REPORTED,
]
# States in which a refutation is still being prepared, and those in which it is public.
BEFORE_PUBLICATION = frozenset({RumorState.OPENED, RumorState.VERIFYING, RumorState.CONFIRMED_FALSE})
PUBLISHED_STATES = frozenset({RumorState.PUBLISHED, RumorState.REPORTED, RumorState.CLOSED})


class Verdict(models.TextChoices):
    FALSE = "false", _("False")
    FABRICATED = "fabricated", _("Fabricated with synthetic media")
    MISLEADING = "misleading", _("Misleading")


class RumorOutcome(models.TextChoices):
    FALSE = "false", _("Confirmed false")
    NOT_FALSE = "not_false", _("Not found to be false")


# The numeric side of a verdict on schema.org's Rating scale: 1 (false) to 5 (true). The words
# of the verdict are what readers see; the number lets machines compare fact checks.
WORST_RATING = 1
BEST_RATING = 5
RATING_VALUES = {Verdict.FALSE: 1, Verdict.FABRICATED: 1, Verdict.MISLEADING: 2}

MSG_CONTENT_URLS_REQUIRED = _("Give at least one web address where the claim appeared.")


def is_published(case: Case) -> bool:
    """Whether the case's refutation is public: published, and not withdrawn as not false."""
    return case.kind == KIND and case.state in PUBLISHED_STATES and case.outcome == RumorOutcome.FALSE


def short_title(claim: str) -> str:
    first_line = claim.splitlines()[0] if claim else ""
    return first_line[:MAX_TITLE] + ("…" if len(first_line) > MAX_TITLE else "")


def _addresses_of(sources: list[Case]) -> list[str]:
    # Where the complaints saw the claim is where it appeared; the first ones are kept if they
    # are many (staff may name the addresses themselves instead).
    found = [url for source in sources for url in source.details.get("content_urls") or []]
    return list(dict.fromkeys(found))[:MAX_URLS]


def _open(
    case: Case,
    *,
    actor: Actor,
    organisation: Organisation,
    sources: list[Case],
    claim: str,
    content_urls: list[str] | None = None,
) -> dict[str, Any]:
    """The data of a new refutation: the claim, and where it appeared."""
    claim = required_text("claim", claim, max_length=MAX_CLAIM)
    addresses = web_addresses("content_urls", content_urls or []) or _addresses_of(sources)
    return {"title": short_title(claim), "claim": claim, "content_urls": addresses}


class Rumor(Case):
    objects = KindManager(KIND)  # type: ignore[assignment, misc]  # a narrower manager than Case's
    States = RumorState

    class Meta:
        proxy = True
        verbose_name = _("rumor refutation")
        verbose_name_plural = _("rumor refutations")

    @case_transition(
        source=RumorState.OPENED,
        target=RumorState.VERIFYING,
        event=RumorEvent.VERIFICATION_STARTED,
        label=_("Start verification"),
    )
    def start_verification(self, *, actor: Actor) -> dict[str, Any]:
        return {}

    @case_transition(
        source=RumorState.VERIFYING,
        target=None,
        event=RumorEvent.SOURCE_RECORDED,
        label=_("Record a source"),
        public_label=_("Sources checked"),
        arguments={
            "source": Argument(
                _("Source consulted"),
                help=_("Who or what was asked or read, e.g. an official notice. Shown on the published refutation."),
            ),
            "source_urls": Argument(
                _("Web addresses of the source (optional)"),
                "urls",
                help=_("One per line. Shown on the published refutation."),
            ),
            "finding": Argument(_("What it shows (for the record)"), "long"),
        },
    )
    def record_source(
        self, *, actor: Actor, source: str, source_urls: list[str] | None = None, finding: str
    ) -> dict[str, Any]:
        return {
            "source": required_text("source", source, max_length=MAX_NAME),
            "source_urls": web_addresses("source_urls", source_urls or []),
            "finding": required_text("finding", finding),
        }

    @case_transition(
        source=RumorState.VERIFYING,
        target=RumorState.CONFIRMED_FALSE,
        event=RumorEvent.CONFIRMED_FALSE,
        label=_("Confirm the claim is false"),
        public_label=_("Claim confirmed false"),
        arguments={
            "verdict": Argument(_("Verdict"), "choice", choices_of(Verdict)),
            "findings": Argument(_("Why the claim is false (for the record)"), "long"),
        },
    )
    def confirm_false(self, *, actor: Actor, verdict: str, findings: str) -> dict[str, Any]:
        return {"verdict": choice("verdict", verdict, Verdict), "findings": required_text("findings", findings)}

    @case_transition(
        source=RumorState.VERIFYING,
        target=RumorState.CLOSED,
        event=RumorEvent.FOUND_NOT_FALSE,
        label=_("Close: the claim is not false"),
        public_label=_("Closed: the claim was not found false"),
        arguments={"reason": Argument(_("Why the claim is not false (for the record)"), "long")},
    )
    def find_not_false(self, *, actor: Actor, reason: str) -> dict[str, Any]:
        return {"reason": required_text("reason", reason)}

    @case_transition(
        source=RumorState.CONFIRMED_FALSE,
        target=RumorState.PUBLISHED,
        event=RumorEvent.PUBLISHED,
        label=_("Publish the refutation"),
        public_label=_("Refutation published"),
        arguments={
            "claim": Argument(
                _("The claim, as the refutation states it (optional)"),
                "long",
                help=_("Leave empty to use the claim recorded when the case was opened."),
            ),
            "explanation": Argument(
                _("The verdict in plain words"),
                "long",
                help=_("What is true, for readers who only read this."),
            ),
            "evidence": Argument(_("The evidence"), "long", help=_("What shows that the claim is false.")),
            "content_urls": Argument(
                _("Where the claim appeared (optional)"),
                "urls",
                help=_("One web address per line. Leave empty to use the addresses already recorded."),
            ),
            "claim_author": Argument(_("Who made the claim (optional)"), help=_("A person or an account.")),
            "claim_date": Argument(_("When the claim first appeared (optional)"), "date"),
        },
    )
    def publish(
        self,
        *,
        actor: Actor,
        claim: str = "",
        explanation: str,
        evidence: str,
        content_urls: list[str] | None = None,
        claim_author: str = "",
        claim_date: Any = None,
    ) -> dict[str, Any]:
        addresses = web_addresses("content_urls", content_urls or []) or list(self.details.get("content_urls") or [])
        if not addresses:
            raise CommandInvalid.single("content_urls", MSG_CONTENT_URLS_REQUIRED)
        return {
            "claim": optional_text("claim", claim, max_length=MAX_CLAIM) or self.description,
            "explanation": required_text("explanation", explanation),
            "evidence": required_text("evidence", evidence),
            "content_urls": addresses,
            "claim_author": optional_text("claim_author", claim_author, max_length=MAX_NAME),
            "claim_date": past_date("claim_date", claim_date, required=False),
        }

    @case_transition(
        source=RumorState.PUBLISHED,
        target=RumorState.REPORTED,
        event=RumorEvent.REPORTED,
        label=_("Record the report to the regulator"),
        public_label=_("Report to the regulator"),
        arguments={
            "authority": Argument(_("Authority reported to"), help=_("e.g. the provincial cyberspace administration")),
            "reported_on": Argument(_("Reported on"), "date"),
            "report_reference": Argument(_("Their reference for the report (optional)")),
        },
    )
    def report(self, *, actor: Actor, authority: str, reported_on: Any, report_reference: str = "") -> dict[str, Any]:
        return {
            "authority": required_text("authority", authority, max_length=MAX_NAME),
            "reported_on": past_date("reported_on", reported_on, required=True),
            "report_reference": optional_text("report_reference", report_reference, max_length=MAX_NAME),
        }

    @case_transition(
        source=RumorState.REPORTED,
        target=RumorState.CLOSED,
        event=RumorEvent.CLOSED,
        label=_("Close"),
    )
    def close(self, *, actor: Actor) -> dict[str, Any]:
        return {}

    assign = assignment_transition(OPEN_STATES)


# --- Apply functions ------------------------------------------------------------------------


@applies(RumorEvent.OPENED)
def _opened(case: Case, data: dict[str, Any], event: Event) -> None:
    case.kind = KIND
    case.organisation_id = data["organisation_id"]
    case.reference = data["reference"]
    case.title = data["title"]
    case.description = data["claim"]
    case.details = {"content_urls": data["content_urls"], "sources": []}
    case.first_response_due_at = when(data["first_response_due_at"])
    case.resolution_due_at = when(data["resolution_due_at"])
    case.due_at = case.first_response_due_at


@applies(RumorEvent.VERIFICATION_STARTED)
def _verification_started(case: Case, data: dict[str, Any], event: Event) -> None:
    case.first_responded_at = event.occurred_at
    case.due_at = case.resolution_due_at


@applies(RumorEvent.SOURCE_RECORDED)
def _source_recorded(case: Case, data: dict[str, Any], event: Event) -> None:
    source = {
        "source": data["source"],
        "urls": data["source_urls"],
        "finding": data["finding"],
        "recorded_at": event.occurred_at.isoformat(),
    }
    case.details = {**case.details, "sources": [*case.details.get("sources", []), source]}


@applies(RumorEvent.CONFIRMED_FALSE)
def _confirmed_false(case: Case, data: dict[str, Any], event: Event) -> None:
    case.outcome = RumorOutcome.FALSE
    case.details = {**case.details, "verdict": data["verdict"]}


@applies(RumorEvent.FOUND_NOT_FALSE)
def _found_not_false(case: Case, data: dict[str, Any], event: Event) -> None:
    case.outcome = RumorOutcome.NOT_FALSE
    case.resolved_at = event.occurred_at
    case.closed_at = event.occurred_at
    case.due_at = None


@applies(RumorEvent.PUBLISHED)
def _published(case: Case, data: dict[str, Any], event: Event) -> None:
    # Refuting promptly is the duty (article 11): publication is what the resolution deadline
    # measures.
    case.resolved_at = event.occurred_at
    case.due_at = None
    case.details = {
        **case.details,
        "content_urls": data["content_urls"],
        "publication": {
            "claim": data["claim"],
            "explanation": data["explanation"],
            "evidence": data["evidence"],
            "claim_author": data["claim_author"],
            "claim_date": data["claim_date"],
            "published_at": event.occurred_at.isoformat(),
        },
    }


@applies(RumorEvent.REPORTED)
def _reported(case: Case, data: dict[str, Any], event: Event) -> None:
    report = {"authority": data["authority"], "reported_on": data["reported_on"], "reference": data["report_reference"]}
    case.details = {**case.details, "report": report}


@applies(RumorEvent.CLOSED)
def _closed(case: Case, data: dict[str, Any], event: Event) -> None:
    case.closed_at = event.occurred_at


# --- How it reads, and what it means to others ----------------------------------------------


def address_key(url: str) -> str:
    """An address as compared with others: the same page whatever the scheme, the case of the
    host name, a trailing slash or a fragment."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # not an address at all (an old event, or an altered one): itself
        return url.strip()
    path = parts.path.rstrip("/") or "/"
    return parts.netloc.lower() + path + (f"?{parts.query}" if parts.query else "")


def refutations_at_addresses(case: Case) -> list[Case]:
    """The published refutations of the case's organisation that list an address the case
    names. A provider publishes few refutations, so they are compared here rather than kept
    in an index of their addresses."""
    wanted = {address_key(url) for url in case.details.get("content_urls") or []}
    if not wanted:
        return []
    published = _PUBLISHED_REFUTATIONS.rows(organisation_id=case.organisation_id)
    return [r for r in published if wanted & {address_key(url) for url in r.details.get("content_urls") or []}]


# Looked for on every filing that names an address.
_PUBLISHED_REFUTATIONS = CompiledQuery(
    lambda organisation_id: Rumor.objects.filter(
        organisation_id=organisation_id, state__in=PUBLISHED_STATES, outcome=RumorOutcome.FALSE
    ).order_by("resolved_at", "id"),
    organisation_id=int,
)


def public_page(case: Case) -> str | None:
    return reverse("web:refutation", kwargs={"reference": case.reference}) if is_published(case) else None


def public_notice(case: Case) -> PublicNotice | None:
    """What the filer of a complaint linked to this refutation reads about it."""
    if is_published(case):
        return PublicNotice(
            title=_("A refutation has been published"),
            text=_("We found the claim you reported to be false, and published a refutation (%(reference)s).")
            % {"reference": case.reference},
            url=public_page(case) or "",
            link_text=_("Read the refutation"),
        )
    if case.state in BEFORE_PUBLICATION:
        return PublicNotice(
            title=_("A refutation is under way"),
            text=_(
                "We are checking whether the claim you reported is false (%(reference)s). If it is, we will "
                "publish a refutation and link it here."
            )
            % {"reference": case.reference},
        )
    if case.outcome == RumorOutcome.NOT_FALSE:
        return PublicNotice(
            title=_("The claim has been checked"),
            text=_("We checked the claim you reported and did not find it to be false."),
        )
    return None


class SourceDetails(serializers.Serializer):
    source = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.source
    urls = serializers.ListField(child=serializers.URLField())
    finding = serializers.CharField()
    recorded_at = serializers.DateTimeField()


class PublicationDetails(serializers.Serializer):
    claim = serializers.CharField()
    explanation = serializers.CharField()
    evidence = serializers.CharField()
    claim_author = serializers.CharField(allow_blank=True)
    claim_date = serializers.DateField(allow_null=True)
    published_at = serializers.DateTimeField()


class ReportDetails(serializers.Serializer):
    authority = serializers.CharField()
    reported_on = serializers.DateField()
    reference = serializers.CharField(allow_blank=True)


class RumorDetails(serializers.Serializer):
    content_urls = serializers.ListField(child=serializers.URLField())
    sources = SourceDetails(many=True)
    verdict = serializers.ChoiceField(choices=Verdict.choices, required=False)
    publication = PublicationDetails(required=False)
    report = ReportDetails(required=False)


def _reports_owed(cases: Any) -> Any:
    """A published refutation is next reported to the regulator (article 11)."""
    return cases.filter(state=RumorState.PUBLISHED)


def _report_sent(case: Case, report: Case, actor: Actor) -> None:
    """A report sent through the tracker moves a published refutation to "reported"."""
    if case.state == RumorState.PUBLISHED:
        perform(
            case,
            "report",
            actor=actor,
            authority=report.details["regulator_name"][:MAX_NAME],
            reported_on=timezone.localdate(),
            report_reference=report.reference,
        )


DECLARATION = register(
    KindDeclaration(
        kind=KIND,
        label=_("Rumor refutation"),
        model=Rumor,
        reference_prefix="R",
        order=30,
        events=RumorEvent,
        states={
            RumorState.OPENED: StateWording(
                staff=_("Opened, verification not started"),
                public=_("Opened"),
                explanation=_("We are about to check this claim. Verification starts by %(due)s."),
            ),
            RumorState.VERIFYING: StateWording(
                staff=_("Verifying"),
                public=_("Being checked"),
                explanation=_("We are checking whether this claim is false. We will say what we found by %(due)s."),
            ),
            RumorState.CONFIRMED_FALSE: StateWording(
                staff=_("Confirmed false, refutation not yet published"),
                public=_("Found false"),
                explanation=_("The claim was found false. A refutation will be published by %(due)s."),
            ),
            RumorState.PUBLISHED: StateWording(
                staff=_("Refutation published, not yet reported"),
                public=_("Refutation published"),
                explanation=_("The claim was found false and a refutation has been published."),
            ),
            RumorState.REPORTED: StateWording(
                staff=_("Reported to the regulator"),
                public=_("Reported to the regulator"),
                explanation=_(
                    "The claim was found false, a refutation has been published, and the regulator has been told."
                ),
            ),
            RumorState.CLOSED: StateWording(
                staff=_("Closed"),
                public=_("Closed"),
                explanation=_("This check is finished. The result is shown in the history below."),
            ),
        },
        # Article 11 asks for refutation "promptly" (及时辟谣): a day to start, three working days
        # to publish.
        sla_defaults=(sla.Limit(24, sla.TimeUnit.HOURS), sla.Limit(3, sla.TimeUnit.WORKING_DAYS)),
        # Nobody files a refutation: staff open it. Complaint filers read about it through the
        # link to their complaint (`public_notice`), and everyone on its public page.
        public_events={},
        filer_notified=frozenset(),
        details=RumorDetails,
        outcomes=RumorOutcome,
        field_renders={
            "claim": text_field(_("Claim"), style="long"),
            "source": text_field(_("Source")),
            "source_urls": url_list_field(_("Source addresses")),
            "finding": text_field(_("Finding"), style="long"),
            "verdict": choice_field(_("Verdict"), Verdict),
            "findings": text_field(_("Why the claim is false"), style="long"),
            "reason": text_field(_("Why the claim is not false"), style="long"),
            "explanation": text_field(_("The verdict in plain words"), style="long"),
            "evidence": text_field(_("Evidence"), style="long"),
            "claim_author": text_field(_("Claim made by")),
            "claim_date": date_field(_("Claim first appeared on")),
            "authority": text_field(_("Reported to")),
            "reported_on": date_field(_("Reported on")),
            "report_reference": text_field(_("Their reference"), style="code"),
        },
        field_order=(
            "claim",
            "verdict",
            "source",
            "source_urls",
            "finding",
            "findings",
            "reason",
            "explanation",
            "evidence",
            "claim_author",
            "claim_date",
            "authority",
            "reported_on",
            "report_reference",
        ),
        open_states=frozenset(OPEN_STATES),
        description_heading=_("The claim"),
        opening=Opening(
            label=_("Open a rumor refutation"),
            event=RumorEvent.OPENED,
            state=RumorState.OPENED,
            link=LinkType.REFUTES,
            body=_open,
            from_kinds=frozenset({"complaint"}),
            arguments={
                "claim": Argument(
                    _("The claim to check"), "long", help=_("The false information, as briefly as it can be said.")
                ),
                "content_urls": Argument(
                    _("Where the claim appeared (optional)"),
                    "urls",
                    help=_("One web address per line. Leave empty to take the addresses the complaints name."),
                ),
            },
        ),
        intake_links=refutations_at_addresses,
        public_page=public_page,
        public_notice=public_notice,
        reported_under=_("Article 11: false information found and refuted"),
        reports_owed=_reports_owed,
        report_sent=_report_sent,
    )
)
