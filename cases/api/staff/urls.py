from django.urls import path

from cases.api.staff import features, views
from notifications.api import MailSettingsApi

app_name = "staff"

urlpatterns = [
    path("cases/", views.CaseQueueApi.as_view(), name="cases"),
    path("cases/<uuid:case_id>/", views.CaseApi.as_view(), name="case"),
    path("cases/<uuid:case_id>/events/", views.CaseEventsApi.as_view(), name="case-events"),
    path("cases/<uuid:case_id>/export/", views.CaseExportApi.as_view(), name="case-export"),
    path("cases/<uuid:case_id>/transitions/<str:action>/", views.CaseTransitionApi.as_view(), name="case-transition"),
    path("cases/<uuid:case_id>/notes/", views.CaseNoteApi.as_view(), name="case-notes"),
    path("cases/<uuid:case_id>/links/", views.CaseLinkApi.as_view(), name="case-links"),
    path("cases/<uuid:case_id>/openings/<slug:kind>/", views.CaseOpeningApi.as_view(), name="case-opening"),
    path("openings/<slug:kind>/", views.OpeningApi.as_view(), name="opening"),
    path("cases/<uuid:case_id>/assignment/", views.CaseAssignmentApi.as_view(), name="case-assignment"),
    path("cases/<uuid:case_id>/claim/", views.CaseClaimApi.as_view(), name="case-claim"),
    path("next-case/", views.NextCaseApi.as_view(), name="next-case"),
    path("measures/", views.AccountMeasuresApi.as_view(), name="measures"),
    path("features/", features.FeatureLibraryApi.as_view(), name="features"),
    path("notification-settings/", MailSettingsApi.as_view(), name="notification-settings"),
]
