"""Reports a provider owes its regulators (articles 7, 10 and 11), and their declaration.

Provider staff send a report from the case it is about (a complaint handled with measures, a
refuted rumor, a major incident) to a regulator whose jurisdiction includes them. The report
is a case of the provider addressed to that regulator: its officers see it, and through it
the history of the case it is about, as it stood when the report was sent (pinned by version
and hash, and downloadable as a verifiable export), never the provider's other cases. The
regulator acknowledges receipt. The case reported on records that the report was sent (the
incident's reporting clock stops), as its kind declares.

sent → (regulator) acknowledged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from cases import sla
from cases.display import DisplayContext, Fact, fact, staff_time, text_field
from cases.errors import CommandInvalid
from cases.kinds import KindDeclaration, Opening, StateWording, declaration_of, register
from cases.links import LinkType
from cases.models import Case, KindManager
from cases.projections import applies
from cases.scope import supervising_regulators
from cases.workflows.base import Argument, assignment_transition, case_transition, regulator_of_case
from cases.workflows.validation import optional_text, required_text
from ledger.checkpoints import latest_checkpoint

if TYPE_CHECKING:
    from accounts.actors import Actor
    from accounts.models import Organisation
    from cases.eventstore import Event

KIND = "regulator_report"

MAX_SUMMARY = 5000
MAX_TITLE = 200


class ReportState(models.TextChoices):
    SENT = "sent", _("Sent")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")


class ReportEvent(models.TextChoices):
    SENT = "report.sent", _("Report sent to the regulator")
    ACKNOWLEDGED = "report.acknowledged", _("Receipt acknowledged by the regulator")


MSG_NOT_SUPERVISING = _("Choose a regulator whose jurisdiction includes your organisation.")
MSG_ONE_CASE = _("A report is about exactly one case.")
MSG_NOT_REPORTED = _("Cases of this kind are not reported to a regulator.")


def regulator_choices(actor: Actor) -> list[tuple[str, str]]:
    """The regulators the member of staff's organisation reports to, by short name."""
    if actor.organisation_id is None or not actor.is_provider_staff:
        return []
    return [(slug, name) for slug, name in supervising_regulators(actor.organisation_id).values_list("slug", "name")]


class RegulatorReport(Case):
    objects = KindManager(KIND)  # type: ignore[assignment, misc]  # a narrower manager than Case's
    States = ReportState

    class Meta:
        proxy = True
        verbose_name = _("report to a regulator")
        verbose_name_plural = _("reports to regulators")

    @case_transition(
        source=ReportState.SENT,
        target=ReportState.ACKNOWLEDGED,
        event=ReportEvent.ACKNOWLEDGED,
        label=_("Acknowledge receipt"),
        permission=regulator_of_case,
        arguments={"note": Argument(_("Note to the provider"), "long", help=_("Optional."))},
    )
    def acknowledge(self, *, actor: Actor, note: str = "") -> dict[str, Any]:
        return {"note": optional_text("note", note, max_length=MAX_SUMMARY)}

    assign = assignment_transition([ReportState.SENT])


@applies(ReportEvent.SENT)
def _sent(case: Case, data: dict[str, Any], event: Event) -> None:
    case.kind = KIND
    case.organisation_id = data["organisation_id"]
    case.counterpart_organisation_id = data["regulator_id"]
    case.reference = data["reference"]
    case.title = data["title"]
    case.category = data["source_kind"]
    case.description = data["summary"]
    case.details = {
        "regulator_name": data["regulator_name"],
        "reported_under": data["reported_under"],
        "source_case_id": data["source_case_id"],
        "source_reference": data["source_reference"],
        "source_version": data["source_version"],
        "source_head_hash": data["source_head_hash"],
        "acknowledged_at": None,
    }
    # Nothing is due from the provider once it is sent; the regulator acknowledges in its time.
    case.first_response_due_at = case.resolution_due_at = case.due_at = None


@applies(ReportEvent.ACKNOWLEDGED)
def _acknowledged(case: Case, data: dict[str, Any], event: Event) -> None:
    case.details = {**case.details, "acknowledged_at": event.occurred_at.isoformat()}
    case.first_responded_at = case.resolved_at = case.closed_at = event.occurred_at


def _send(
    case: Case,
    *,
    actor: Actor,
    organisation: Organisation,
    sources: list[Case],
    regulator: str,
    summary: str,
    title: str = "",
) -> dict[str, Any]:
    """A report about one case of the organisation, to a regulator supervising it, pinning the
    case's history as it stands now."""
    if len(sources) != 1:
        raise CommandInvalid.single("also_from", MSG_ONE_CASE)
    source = sources[0]
    source_declaration = declaration_of(source.kind)
    if not source_declaration.reported_under:
        raise CommandInvalid.single("kind", MSG_NOT_REPORTED)
    addressed = supervising_regulators(organisation.pk).filter(slug=regulator).first()
    if addressed is None:
        raise CommandInvalid.single("regulator", MSG_NOT_SUPERVISING)
    default_title = f"{source.reference} · {source.title}"
    return {
        "regulator_id": addressed.pk,
        "regulator_name": addressed.name,
        "title": optional_text("title", title, max_length=MAX_TITLE) or default_title[:MAX_TITLE],
        "summary": required_text("summary", summary, max_length=MAX_SUMMARY),
        "source_kind": source.kind,
        "reported_under": str(source_declaration.reported_under),
        "source_case_id": str(source.id),
        "source_reference": source.reference,
        "source_version": source.version,
        "source_head_hash": source.last_event_hash,
        # The regulator keeps it: any later checkpoint must be proven to extend it.
        "checkpoint": latest_checkpoint(),
    }


def _after_sending(report: Case, sources: list[Case], actor: Actor) -> None:
    """The case reported on records, as its kind declares, that its report went out."""
    for source in sources:
        recorded = declaration_of(source.kind).report_sent
        if recorded is not None:
            recorded(source, report, actor)


def _facts(case: Case) -> list[Fact]:
    details = case.details
    facts = [
        fact(_("Sent to"), details["regulator_name"]),
        fact(_("Duty"), details["reported_under"]),
        fact(_("Case reported on"), details["source_reference"], style="code"),
        fact(
            _("Its history as sent"),
            _("%(count)s events, ending in %(hash)s")
            % {
                "count": details["source_version"],
                "hash": details["source_head_hash"][:16] + "…",
            },
        ),
    ]
    if details.get("acknowledged_at"):
        facts.append(fact(_("Receipt acknowledged at"), staff_time(details["acknowledged_at"])))
    return facts


def _carried(case: Case) -> tuple[Any, int]:
    return case.details["source_case_id"], case.details["source_version"]


def _render_version(event: Event, value: Any, context: DisplayContext) -> list[Fact]:
    return [fact(_("Events of the case included"), value)] if value else []


class ReportDetails(serializers.Serializer):
    regulator_name = serializers.CharField()
    reported_under = serializers.CharField()
    source_case_id = serializers.UUIDField()
    source_reference = serializers.CharField()
    source_version = serializers.IntegerField(min_value=1)
    source_head_hash = serializers.CharField(min_length=64, max_length=64)
    acknowledged_at = serializers.DateTimeField(allow_null=True)


DECLARATION = register(
    KindDeclaration(
        kind=KIND,
        label=_("Report to a regulator"),
        model=RegulatorReport,
        reference_prefix="B",
        order=45,
        events=ReportEvent,
        states={
            ReportState.SENT: StateWording(
                staff=_("Sent, awaiting acknowledgement"),
                public=_("Sent"),
                explanation=_("The report has been sent to the regulator."),
            ),
            ReportState.ACKNOWLEDGED: StateWording(
                staff=_("Acknowledged by the regulator"),
                public=_("Acknowledged"),
                explanation=_("The regulator acknowledged receipt of the report."),
            ),
        },
        sla_defaults=(sla.Limit(1, sla.TimeUnit.WORKING_DAYS), sla.Limit(1, sla.TimeUnit.WORKING_DAYS)),
        public_events={},
        filer_notified=frozenset(),
        details=ReportDetails,
        field_renders={
            "regulator_name": text_field(_("Sent to")),
            "reported_under": text_field(_("Duty")),
            "source_reference": text_field(_("Case reported on"), style="code"),
            "source_version": _render_version,
            "source_head_hash": text_field(_("Hash of its last event"), style="code"),
            "summary": text_field(_("Summary"), style="long"),
            "checkpoint": text_field(_("Signed checkpoint of the log"), style="code"),
            "note": text_field(_("Note"), style="long"),
        },
        field_order=("regulator_name", "reported_under", "source_reference", "source_version", "source_head_hash"),
        folded_fields=frozenset({"regulator_id", "source_case_id", "source_kind"}),
        open_states=frozenset({ReportState.SENT}),
        description_heading=_("Summary"),
        opening=Opening(
            label=_("Report to a regulator"),
            event=ReportEvent.SENT,
            state=ReportState.SENT,
            body=_send,
            link=LinkType.REPORTS_ON,
            from_kinds=frozenset({"complaint", "rumor", "incident"}),
            standalone=False,
            after=_after_sending,
            hint=_(
                "The regulator receives the summary and this case's history as it stands now, "
                "and nothing else of your organisation's cases."
            ),
            arguments={
                "regulator": Argument(_("Regulator"), "choice", choices_for=regulator_choices),
                "summary": Argument(_("Summary for the regulator"), "long"),
                "title": Argument(_("Title"), help=_("Leave empty to use the case's reference and title.")),
            },
        ),
        facts=_facts,
        addressed_to_regulator=True,
        # Once sent, nothing is due of the provider.
        sla_targets=False,
        runs_deadlines=False,
        carried_history=_carried,
    )
)
