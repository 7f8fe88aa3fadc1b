"""`{% history_entries rows %}`: the events of a case's history, each an entry of the page's
list, with its time, author, move between states, facts and place in the hash chain.

Written here rather than in the page's template: a page shows fifty events, and the template
engine's step-by-step look-ups of each entry's names took longer than the rest of the page.
Every value is escaped by `format_html`.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from cases.templatetags.fact_lists import fact_list
from cases.web.staff_history import HistoryRow, LabelFindingView

register = template.Library()

_ENTRY = """
<li class="history__entry history__entry--{verification}">
  <article aria-labelledby="event-{number}-title">
    <header class="history__header">
      <h3 id="event-{number}-title" class="history__title"><span class="history__number">{number}.</span> {title}</h3>
      <p class="history__meta">
        <time datetime="{iso}">{when}</time> ·
        {actor}{username}
        {states}
      </p>
    </header>
    {label_finding}{facts}
    <p class="history__hash">
      {hash_label} <code title="{hash}">{short_hash}…</code>
      <span class="history__verification history__verification--{verification}">{verification_text}</span>
    </p>
    <details class="history__hashes">
      <summary>{full_hashes_label}</summary>
      <dl class="facts facts--compact">
        <div class="facts__group"><dt>{hash_label}</dt><dd><code class="hash">{hash}</code></dd></div>
        <div class="facts__group"><dt>{previous_hash_label}</dt><dd><code class="hash">{previous_hash}</code></dd></div>
        <div class="facts__group"><dt>{event_type_label}</dt><dd><code>{event_type}</code></dd></div>
      </dl>
    </details>
  </article>
</li>"""


@register.simple_tag
def history_entries(rows: Iterable[HistoryRow]) -> SafeString:
    # Translated once for the page rather than once per event.
    labels = {
        "hash_label": _("Hash"),
        "full_hashes_label": _("Full hashes"),
        "previous_hash_label": _("Previous hash"),
        "event_type_label": _("Event type"),
    }
    return mark_safe("".join(_entry(row, labels) for row in rows))  # noqa: S308 - built by format_html


def _entry(row: HistoryRow, labels: dict[str, str]) -> SafeString:
    states: SafeString | str = ""
    if row.to_state:
        moved_from = format_html("{} → ", row.from_state) if row.from_state else ""
        states = format_html(" · {}<strong>{}</strong>", moved_from, row.to_state)
    return format_html(
        _ENTRY,
        verification=row.verification,
        number=row.number,
        title=row.title,
        iso=row.iso,
        when=row.when,
        actor=row.actor,
        username=format_html(" <strong>{}</strong>", row.username) if row.username else "",
        states=states,
        label_finding=label_finding(row.label_finding) if row.label_finding else "",
        facts=format_html('<dl class="facts facts--compact">{}</dl>', fact_list(row.facts)) if row.facts else "",
        hash=row.hash,
        short_hash=row.short_hash,
        verification_text=row.verification_text,
        previous_hash=row.previous_hash,
        event_type=row.event_type,
        **labels,
    )


def label_finding(finding: LabelFindingView) -> SafeString:
    """What a check of a file's label found: the headline, its facts, and any problem the
    label reader reported (in its own words, English)."""
    problem = ""
    if finding.problem:
        problem = format_html(
            '\n  <p class="label-finding__problem">{} <span lang="en">{}</span></p>',
            _("Problem reported by the label reader:"),
            finding.problem,
        )
    return format_html(
        '<div class="label-finding label-finding--{found}">\n  <p class="label-finding__headline"><strong>{headline}'
        "</strong></p>{facts}{problem}\n</div>",
        found="found" if finding.found else "none",
        headline=finding.headline,
        facts=format_html('\n  <dl class="facts facts--compact">{}</dl>', fact_list(finding.facts))
        if finding.facts
        else "",
        problem=problem,
    )
