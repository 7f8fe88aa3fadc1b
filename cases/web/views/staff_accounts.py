"""Every enforcement measure the organisation took against one account, and finding them."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.actors import Actor
from cases.account_queries import account_measures
from cases.web.staff_access import staff_member_required
from cases.web.staff_display import account_measure_rows, account_url
from cases.web.staff_forms import AccountSearchForm

TEMPLATE = "staff/account.html"


@never_cache
@require_GET
@staff_member_required
def account_search(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Go to the page of the account named in the search form."""
    form = AccountSearchForm(request.GET)
    if form.is_valid():
        return redirect(account_url(form.cleaned_data["account"]))
    return render(request, TEMPLATE, {"search_form": form, "account": "", "rows": []}, status=400)


@never_cache
@require_GET
@staff_member_required
def account_page(request: HttpRequest, actor: Actor, account: str) -> HttpResponse:
    """The organisation's measures against one account, latest first, each with its state."""
    rows = account_measure_rows(account_measures(actor=actor, account=account), now=timezone.now())
    context = {"search_form": AccountSearchForm(initial={"account": account}), "account": account, "rows": rows}
    return render(request, TEMPLATE, context)
