from django.urls import path, re_path

from notifications.consumers import CaseEventsConsumer, OrganisationQueueConsumer, UnknownSocketConsumer

websocket_urlpatterns = [
    path("ws/cases/<uuid:case_id>/", CaseEventsConsumer.as_asgi()),
    path("ws/queue/", OrganisationQueueConsumer.as_asgi()),
    # Last: any other path is refused cleanly rather than failing the router.
    re_path(r"", UnknownSocketConsumer.as_asgi()),
]
