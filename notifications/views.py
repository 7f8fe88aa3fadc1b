"""The staff inbox page: a member of staff's notices, newest first, marked read one by one or
all at once. Provider staff and regulators' officers alike."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.actors import Actor
from cases.web.staff_access import workspace_member_required
from cases.web.staff_display import case_url
from notifications.inbox import inbox_mark_read, inbox_of

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
