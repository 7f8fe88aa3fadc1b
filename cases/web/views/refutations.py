"""Published rumor refutations (article 11): the list, a page per refutation carrying its
schema.org ClaimReview data, and the list as an Atom feed."""

from __future__ import annotations

from typing import Any

from django.contrib.syndication.views import Feed
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import linebreaks
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cases.refutations import PublishedRefutation, as_published, published_cases, published_refutation
from cases.web.claim_review import claim_review, json_ld_script

PAGE_SIZE = 20
FEED_SIZE = 50


def refutation_url(reference: str) -> str:
    return reverse("web:refutation", kwargs={"reference": reference})


@require_GET
def refutation_list(request: HttpRequest) -> HttpResponse:
    """Every published refutation, the latest first, a page at a time."""
    page = Paginator(published_cases(), PAGE_SIZE).get_page(request.GET.get("page"))
    refutations = [as_published(case) for case in page.object_list]
    return render(request, "public/refutations.html", {"page": page, "refutations": refutations})


@require_GET
def refutation_page(request: HttpRequest, reference: str) -> HttpResponse:
    """One published refutation, with its ClaimReview data for search engines and fact-check
    tools. Anything not published is not found."""
    refutation = published_refutation(reference)
    if refutation is None:
        raise Http404
    if reference != refutation.reference:  # typed in lower case, or without dashes
        return redirect("web:refutation", reference=refutation.reference, permanent=True)
    url = request.build_absolute_uri(refutation_url(refutation.reference))
    data = claim_review(refutation, url=url, author_url=request.build_absolute_uri(reverse("web:home")))
    context = {"refutation": refutation, "canonical_url": url, "claim_review": json_ld_script(data)}
    return render(request, "public/refutation.html", context)


class RefutationFeed(Feed):
    """The latest published refutations as an Atom feed: one entry per refutation, which stays
    as it was published (so its `updated` is when it was published)."""

    feed_type = Atom1Feed

    def title(self) -> str:
        return _("Rumor refutations")

    def subtitle(self) -> str:
        return _("Claims we found false, with the evidence, as we publish them.")

    def link(self) -> str:
        return reverse("web:refutations")

    def feed_url(self) -> str:
        return reverse("web:refutations_feed")

    def items(self) -> list[PublishedRefutation]:
        return [as_published(case) for case in published_cases()[:FEED_SIZE]]

    def item_title(self, item: PublishedRefutation) -> str:
        return _("%(verdict)s: %(title)s") % {"verdict": item.verdict_label, "title": item.title}

    def item_description(self, item: PublishedRefutation) -> str:
        # Atom readers take the summary as HTML: the text staff wrote is escaped into it.
        return linebreaks(item.explanation, autoescape=True)

    def item_link(self, item: PublishedRefutation) -> str:
        return refutation_url(item.reference)

    def item_pubdate(self, item: PublishedRefutation) -> Any:
        return item.published_at

    def item_updateddate(self, item: PublishedRefutation) -> Any:
        return item.published_at

    def item_author_name(self, item: PublishedRefutation) -> str:
        return item.organisation
