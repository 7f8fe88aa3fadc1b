from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from tracker.admin_site import site as admin_site

urlpatterns = [
    path("admin/", admin_site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("health/", include("tracker.health")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("cases.api.urls")),
    # The global log's checkpoints and proofs, public.
    path("ledger/", include("ledger.urls")),
    path("", include("cases.web.urls")),
]
