from django.urls import path

from notifications.consumers import CaseEventsConsumer, OrganisationQueueConsumer

websocket_urlpatterns = [
    path("ws/cases/<uuid:case_id>/", CaseEventsConsumer.as_asgi()),
    path("ws/queue/", OrganisationQueueConsumer.as_asgi()),
]
