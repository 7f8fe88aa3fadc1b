"""A URL configuration with one view that fails, to see what a failure shows with DEBUG off."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def fails(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret detail: /srv/tracker/settings.py password=hunter2")


urlpatterns = [
    path("fails/", fails),
    path("api/v1/fails/", fails),
    path("", include("tracker.urls")),
]
