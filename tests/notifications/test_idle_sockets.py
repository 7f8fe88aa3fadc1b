"""Live sockets that stay quiet: over Redis, a minute without a message must not drop them.

redis-py's default socket timeout (5 s) once equalled channels-redis's blocking read (5 s), so
a consumer waiting in silence died with a timeout and its client saw the socket close."""

from __future__ import annotations

import json
import os
import time

from notifications.dispatch import dispatch_batch
from tests.notifications.test_live_updates import _open, _session_cookie
from tests.parts import require_part

SILENCE_SECONDS = 60
SOCKETS = 10


def test_idle_staff_sockets_survive_a_minute_of_silence_over_redis(asgi_server, client, agent_user, submit_complaint):
    require_part("Redis", bool(os.environ.get("REDIS_URL")), "set REDIS_URL")
    cookie = _session_cookie(client, agent_user)
    sockets = [_open(asgi_server, "/ws/queue/", cookie) for _ in range(SOCKETS)]
    try:
        time.sleep(SILENCE_SECONDS)
        case = submit_complaint().case
        dispatch_batch()
        received = [json.loads(socket.recv(timeout=10)) for socket in sockets]
    finally:
        for socket in sockets:
            socket.close()

    assert [hint["case_id"] for hint in received] == [str(case.id)] * SOCKETS
