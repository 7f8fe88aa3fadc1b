"""The staff inbox page: a member of staff's notices, newest first, marked read one by one or
all at once; and the page where each chooses how they are told. Provider staff and
regulators' officers alike."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.actors import Actor
from cases.errors import CommandInvalid
from cases.web.staff_access import workspace_member_required
from cases.web.staff_display import case_url
from notifications.forms import DELIVERY_PREFIX, MailSettingsForm
from notifications.inbox import inbox_mark_read, inbox_of
from notifications.preferences import preferences_of, staff_mail_settings_update

PAGE_SIZE = 50


@never_cache
@require_GET
@workspace_member_required
def inbox(request: HttpRequest, actor: Actor) -> HttpResponse:
    page = Paginator(inbox_of(actor), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(item, case_url(item.case_id)) for item in page.object_list]
    return render(request, "staff/inbox.html", {"page": page, "rows": rows})


@never_cache
@require_POST
@workspace_member_required
def inbox_read(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Mark one notice read (`item`), or all of them."""
    item = request.POST.get("item", "")
    if item:
        if not item.isdigit() or len(item) > 18:
            messages.error(request, _("That notice does not exist."))
            return redirect("web:staff_inbox")
        inbox_mark_read(actor, [int(item)])
    else:
        changed = inbox_mark_read(actor)
        messages.success(request, _("All notices are marked read (%(count)s).") % {"count": changed})
    return redirect("web:staff_inbox")


@never_cache
@require_http_methods(["GET", "POST"])
@workspace_member_required
def inbox_settings(request: HttpRequest, actor: Actor) -> HttpResponse:
    """How the person is told of each kind of notice, the daily digest, their mail's language."""
    assert actor.user_id is not None  # a workspace member is a signed-in person
    if request.method == "GET":
        form = MailSettingsForm(initial=MailSettingsForm.initial_for(preferences_of(actor.user_id)))
        return render(request, "staff/inbox_settings.html", {"form": form})
    form = MailSettingsForm(request.POST)
    if form.is_valid():
        try:
            staff_mail_settings_update(
                actor=actor,
                deliveries=form.deliveries(),
                daily_digest=form.cleaned_data["daily_digest"],
                language=form.cleaned_data["language"],
            )
        except CommandInvalid as error:
            for name, errors in error.errors.items():
                field = f"{DELIVERY_PREFIX}{name.partition('.')[2]}" if name.startswith("deliveries.") else name
                for message in errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("Your notification settings are saved."))
            return redirect("web:staff_inbox_settings")
    return render(request, "staff/inbox_settings.html", {"form": form}, status=400)
