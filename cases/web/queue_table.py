"""The rows of the queue's table, written here rather than in the page's template.

A queue page has fifty rows of eight cells. The template engine looks up each of a row's
thirty-odd names step by step, and drawing the rows that way took longer than the rest of the
page; one format string per row does the same in a fraction of the time. The markup is the
template's, and every value is escaped by `format_html`.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from cases.templatetags.fact_lists import countdown
from cases.web.staff_display import QueueRow


def queue_table_rows(rows: Iterable[QueueRow], *, selected: set[str]) -> SafeString:
    """The `<tr>` of each row; `selected`: the ids of the cases ticked (kept when the page comes
    back with an error)."""
    # Words that repeat down the page, translated once for it.
    matches = format_html(' <strong class="tag tag--match">{}</strong>', _("Matches the feature library"))
    unassigned = format_html('<span class="muted">{}</span>', _("Unassigned"))
    overdue = format_html(' <strong class="overdue">{}</strong>', _("Overdue"))
    no_deadline = format_html('<span class="muted">{}</span>', _("No deadline running"))
    return mark_safe(  # noqa: S308 - each part is built by format_html, which escapes every value
        "".join(_row(row, row.case_id in selected, matches, unassigned, overdue, no_deadline) for row in rows)
    )


def _row(
    row: QueueRow,
    ticked: bool,
    matches: SafeString,
    unassigned: SafeString,
    overdue: SafeString,
    no_deadline: SafeString,
) -> str:
    select = ""
    if row.assignable:
        select = format_html(
            '\n          <input type="checkbox" name="case" value="{id}" id="select-{id}"'
            ' aria-labelledby="select-column reference-{id}"{checked}>'
            '\n          <input type="hidden" name="version-{id}" value="{version}">\n        ',
            id=row.case_id,
            checked=mark_safe(" checked") if ticked else "",
            version=row.version,
        )
    priority = (
        format_html('<strong class="priority priority--high">{}</strong>', row.priority) if row.urgent else row.priority
    )
    due = no_deadline
    if row.due:
        due = format_html(
            '<time datetime="{iso}">{due}</time>{overdue}\n            <br>{left}{due_for}\n          ',
            iso=row.due_iso,
            due=row.due,
            overdue=overdue if row.overdue else "",
            left=countdown(row.due_iso, row.left),
            due_for=format_html('<br><span class="due-for">{}</span>', row.due_for) if row.due_for else "",
        )
    return format_html(
        '\n      <tr{row_class}>\n        <td class="queue__select">{select}</td>'
        '\n        <th scope="row" id="reference-{id}"><a class="reference" href="{url}">{reference}</a></th>'
        "\n        <td>{kind}</td>\n        <td>{title}{match}</td>\n        <td>{state}</td>"
        "\n        <td>{priority}</td>\n        <td>{assignee}</td>"
        '\n        <td class="queue__due">\n          {due}\n        </td>\n      </tr>',
        row_class=mark_safe(' class="queue__row--overdue"') if row.overdue else "",
        select=select,
        id=row.case_id,
        url=row.url,
        reference=row.reference,
        kind=row.kind,
        title=row.title,
        match=matches if row.feature_match else "",
        state=row.state,
        priority=priority,
        assignee=row.assignee or unassigned,
        due=due,
    )
