from django.http import HttpRequest, JsonResponse
from django.urls import include, path, re_path
from rest_framework.exceptions import NotFound

from cases.api import views

app_name = "api"


def endpoint_not_found(request: HttpRequest, rest: str) -> JsonResponse:
    """An unknown address under the API answers in the API's error shape, not with an HTML page."""
    return JsonResponse({"detail": str(NotFound.default_detail), "code": "not_found"}, status=404)


urlpatterns = [
    path("public/complaints/", views.ComplaintFileApi.as_view(), name="public-complaints"),
    path("public/appeals/", views.AppealFileApi.as_view(), name="public-appeals"),
    path("public/track/", views.TrackApi.as_view(), name="public-track"),
    path("public/track/information/", views.InformationAddApi.as_view(), name="public-track-information"),
    path("staff/", include("cases.api.staff.urls")),
    re_path(r"^(?P<rest>.*)$", endpoint_not_found),
]
