"""ASGI entry point: HTTP through Django, WebSockets through channels' router."""

import gc
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
django.setup(set_prefix=False)

from tracker.http_handler import OneThreadASGIHandler  # noqa: E402

django_asgi_app = OneThreadASGIHandler()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs the app registry ready)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from notifications.fanout import with_server_send  # noqa: E402
from notifications.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": with_server_send(
            AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
        ),
    }
)

# Everything loaded so far lives as long as the process: kept out of the collector's view, a
# full collection walks only what requests made since. Without this, the one in some hundred
# requests that runs a full collection over Django's hundred thousand objects took 60-70 ms
# longer than the rest (a long case page at p95 48 ms had its slowest at 110 ms).
gc.collect()
gc.freeze()
