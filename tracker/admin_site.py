"""The admin site: who may enter follows from the role (accounts.admin_access), not from the
`is_staff` flag Django's own site checks, and sign-in attempts count against the same limit as
the staff workspace's, so the admin's form is no easier a place to guess passwords."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse

from accounts.admin_access import may_use_admin
from cases.web.views.responses import limit_per_address, rate_limited
from tracker.ratelimit import RateLimited


class AdminLoginForm(AdminAuthenticationForm):
    def confirm_login_allowed(self, user: Any) -> None:
        AuthenticationForm.confirm_login_allowed(self, user)  # refuses inactive accounts
        if not may_use_admin(user):
            # The answer Django gives any account without admin access: it tells nothing more.
            raise ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


class TrackerAdminSite(admin.AdminSite):
    login_form = AdminLoginForm

    def has_permission(self, request: HttpRequest) -> bool:
        return may_use_admin(request.user)

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if request.method == "POST":
            try:
                limit_per_address(request, "staff_login")
            except RateLimited as exc:
                return rate_limited(request, exc)
        return super().login(request, extra_context)


site = TrackerAdminSite(name="admin")
