"""`{% fact_list facts %}`: facts as the label and value groups of a `<dl>`.

Written here rather than in an included template: the case page draws a few facts for each of
the fifty events of its history, and an include with a chain of conditions for every value
took more of the page's time than anything else on it. Every value is escaped by
`format_html`.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from cases.display import Fact, Item

register = template.Library()


@register.simple_tag
def countdown(moment: str, left: str) -> SafeString:
    """The time left until a deadline (`moment`, ISO 8601), kept current by
    static/js/countdown.js. A timer is not read out as it changes."""
    return format_html('<span class="countdown" role="timer" data-countdown="{}">{}</span>', moment, left)


@register.simple_tag
def fact_list(facts: Iterable[Fact]) -> SafeString:
    """Each label with all its values in one group: a fact may have any number of values, and
    each stays beside its label (see .facts in public.css)."""
    return mark_safe(  # noqa: S308 - each group is built by format_html, which escapes every value
        "".join(
            format_html(
                '\n  <div class="facts__group">\n    <dt>{}</dt>{}\n  </div>',
                fact.label,
                mark_safe("".join(format_html("\n      <dd>{}</dd>", _value(item)) for item in fact.items)),  # noqa: S308
            )
            for fact in facts
        )
    )


def _value(item: Item) -> SafeString | str:
    if item.style == "url":
        return format_html(
            '<a href="{}" rel="noopener noreferrer nofollow" class="external">{}</a>', item.href, item.text
        )
    if item.href:
        css = mark_safe(' class="reference"') if item.style == "code" else ""
        return format_html('<a href="{}"{}>{}</a>', item.href, css, item.text)
    if item.style == "code":
        return format_html("<code>{}</code>", item.text)
    if item.style == "long":
        return format_html('<span class="user-text">{}</span>', linebreaksbr(item.text, autoescape=True))
    if item.style == "deadline":
        return format_html(
            '<time datetime="{}">{}</time> {}', item.moment, item.text, countdown(item.moment, item.left)
        )
    return item.text
