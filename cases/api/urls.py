from django.http import HttpRequest, JsonResponse
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from rest_framework.exceptions import NotFound

from cases.api import views

app_name = "api"


@csrf_exempt  # nothing is changed here: a POST with a session cookie is answered like any other
def endpoint_not_found(request: HttpRequest, rest: str) -> JsonResponse:
    """An unknown address under the API answers in the API's error shape, not with an HTML page."""
    return JsonResponse({"detail": str(NotFound.default_detail), "code": "not_found"}, status=404)


urlpatterns = [
    path("public/complaints/", views.ComplaintFileApi.as_view(), name="public-complaints"),
    path("public/appeals/", views.AppealFileApi.as_view(), name="public-appeals"),
    path("public/track/", views.TrackApi.as_view(), name="public-track"),
    path("public/track/information/", views.InformationAddApi.as_view(), name="public-track-information"),
    path("staff/", include("cases.api.staff.urls")),
    # Any address at all, line breaks included (an encoded %0A in a path is still an address).
    re_path(r"^(?P<rest>[\s\S]*)$", endpoint_not_found),
]
