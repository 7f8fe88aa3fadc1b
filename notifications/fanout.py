"""Passing hints to the sockets of one server process: one member of the channel layer's group
per process, not one per socket.

An organisation's hint used to reach each of its sockets through the channel layer's per-socket
machinery (a receive, a dispatch and a session read per socket), which cost most of a server's
time once a thousand staff were listening. Here each server process joins each hint group once,
receives each hint once, reads the sessions of all its sockets in that group with one query, and
hands every socket the hint already encoded. A socket still receives through its own task and
queue, so a slow client holds up only itself.
"""

from __future__ import annotations

import asyncio
import json
import logging
import weakref
from importlib import import_module
from typing import Any, Protocol

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connection
from django.utils import timezone

logger = logging.getLogger(__name__)

# Close code sent when the session a staff socket was opened with has ended.
SIGNED_OUT = 4401

HINT_KEYS = ("case_id", "reference", "position", "version", "event_type", "state")
# channels-redis forgets a group member this long after it joined (its `group_expiry`, a day
# by default); the process's membership is renewed well before.
RENEW_SECONDS = 3600.0


# Where `with_server_send` keeps the server's own `send` in a WebSocket's scope.
SERVER_SEND = "tracker.server_send"


def with_server_send(app: Any) -> Any:
    """Keep the ASGI server's own `send` in each WebSocket's scope, for writing hints.

    channels' session middleware wraps `send` to save the session with an HTTP response; on a
    WebSocket frame it saves nothing, but its checks cost a third of writing a hint to a
    thousand sockets. Hints go past it; everything else still goes through it."""

    async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await app({**scope, SERVER_SEND: send}, receive, send)

    return application


class HintSocket(Protocol):
    """What the hub needs of a socket: the session to re-check (None for a member of the
    public tracking a case), a way to write it a hint, and a way to end it."""

    signed_in_as: tuple[str, str] | None

    async def write_hint(self, text: str) -> None: ...

    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None: ...


def hint_text(message: dict[str, Any]) -> str:
    """The hint as the socket sends it: what changed and where, never content."""
    return json.dumps({key: message[key] for key in HINT_KEYS})


# Decoded sessions by key, with the stored text they were decoded from: a session that has not
# changed since the last hint is not decoded again. Touched by the database thread only.
_decoded_sessions: dict[str, tuple[str, str]] = {}
_DECODED_SESSIONS_KEPT = 20_000


def _select_where_in(columns: str, table: str, column: str, wanted: list[Any], *also: str) -> tuple[str, list[Any]]:
    """SQL and parameters selecting `columns` of the rows of `table` whose `column` is one of
    `wanted`: one array parameter on PostgreSQL (a thousand placeholders would make each hint's
    query a new statement to parse and plan), a list of placeholders elsewhere."""
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        condition, parameters = f"{quote(column)} = ANY(%s)", [wanted]
    else:
        condition, parameters = f"{quote(column)} IN ({', '.join(['%s'] * len(wanted))})", list(wanted)
    # Names from the models' own metadata; every value goes as a parameter.
    return f"SELECT {columns} FROM {quote(table)} WHERE {' AND '.join([condition, *also])}", parameters  # noqa: S608


@database_sync_to_async
def signed_in_pairs(pairs: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which (session key, user id) pairs still hold: the session, read afresh from the session
    store, still signs that user in (signing out, expiry or deletion ends it), and the user is
    still active. One query for the sessions and one for the users, however many pairs."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = sorted({key for key, _ in pairs})
    signed_in: dict[str, str] = {}
    if issubclass(store, DatabaseSessionStore):
        sessions = store.get_model_class()._meta
        query, parameters = _select_where_in(
            "session_key, session_data", sessions.db_table, "session_key", keys, "expire_date > %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(query, [*parameters, timezone.now()])
            stored = cursor.fetchall()
        if len(_decoded_sessions) > _DECODED_SESSIONS_KEPT:
            _decoded_sessions.clear()
        for key, text in stored:
            known = _decoded_sessions.get(key)
            if known is None or known[0] != text:
                known = (text, str(store().decode(text).get(SESSION_KEY, "")))
                _decoded_sessions[key] = known
            signed_in[key] = known[1]
    else:
        # Another session engine (cache, signed cookies): each session read through its store.
        for key in keys:
            signed_in[key] = str(store(session_key=key).get(SESSION_KEY, ""))
    claimed = sorted({user for key, user in pairs if signed_in.get(key) == user})
    active: set[str] = set()
    if claimed:
        users = get_user_model()._meta
        assert users.pk is not None
        pk_column, active_column = str(users.pk.column), str(users.get_field("is_active").column)
        query, parameters = _select_where_in(
            connection.ops.quote_name(pk_column),
            users.db_table,
            pk_column,
            [users.pk.to_python(user) for user in claimed],
            connection.ops.quote_name(active_column),
        )
        with connection.cursor() as cursor:
            cursor.execute(query, parameters)
            active = {str(pk) for (pk,) in cursor.fetchall()}
    return {(key, user) for key, user in pairs if signed_in.get(key) == user and user in active}


class LocalHub:
    """This process's member of each hint group (on one event loop and channel layer)."""

    def __init__(self, layer: Any) -> None:
        self.layer = layer
        self.channel: str | None = None
        self.members: dict[str, set[HintSocket]] = {}
        self.membership = asyncio.Lock()
        self.receiving: asyncio.Task[None] | None = None
        self.renewing: asyncio.Task[None] | None = None

    async def join(self, group: str, socket: HintSocket) -> None:
        """Add a socket to a group; returns once hints sent to the group reach it."""
        async with self.membership:
            if self.channel is None:
                self.channel = await self.layer.new_channel()
            members = self.members.setdefault(group, set())
            if not members:
                await self.layer.group_add(group, self.channel)
            members.add(socket)
            if self.receiving is None:
                self.receiving = asyncio.get_running_loop().create_task(self._receive())
                self.renewing = asyncio.get_running_loop().create_task(self._renew())

    async def leave(self, group: str, socket: HintSocket) -> None:
        async with self.membership:
            members = self.members.get(group)
            if members is None or socket not in members:
                return
            members.discard(socket)
            if not members:
                del self.members[group]
                await self.layer.group_discard(group, self.channel)

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(RENEW_SECONDS)
            try:
                async with self.membership:
                    for group in list(self.members):
                        await self.layer.group_add(group, self.channel)
            except Exception:  # the channel layer away: try again next time
                logger.warning("could not renew this process's hint groups", exc_info=True)

    async def _receive(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel)
                members = self.members.get(message.get("group", ""))
                if members:
                    await self._fan_out(list(members), message)
            except asyncio.CancelledError:
                raise
            except Exception:  # a hint lost; the clients catch up by position
                logger.warning("a live hint could not be passed on", exc_info=True)
                await asyncio.sleep(0.5)

    async def _fan_out(self, members: list[HintSocket], message: dict[str, Any]) -> None:
        # Each staff socket re-checks its session before passing a hint on (the sign-out
        # message may have been lost, or the session ended some other way): one reading of the
        # session store, begun after the hint arrived, answers for all of them.
        pairs = [socket.signed_in_as for socket in members if socket.signed_in_as is not None]
        holding = await signed_in_pairs(pairs) if pairs else set()
        text = hint_text(message)
        for socket in members:
            try:
                if socket.signed_in_as is None or socket.signed_in_as in holding:
                    await socket.write_hint(text)
                else:
                    await socket.close(code=SIGNED_OUT)
            except Exception:  # that socket is going away; the others still get the hint
                logger.debug("a hint could not be written to a closing socket", exc_info=True)


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LocalHub] = weakref.WeakKeyDictionary()


def local_hub(layer: Any) -> LocalHub:
    """The hub of the running event loop for this channel layer."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None or hub.layer is not layer:
        hub = _hubs[loop] = LocalHub(layer)
    return hub
