"""The HTTP side of the ASGI application: Django's handler, with each request's synchronous
work done in one hand-off to a worker thread.

Every middleware here is synchronous, and so is every view. Django's ASGI handler builds an
asynchronous chain all the same, and a request crossed between the event loop and the worker
thread five times: for the request_started signal, into the thread for the outer middlewares,
back to the loop at the innermost one, into the thread again for the view, and once more to
close the response (request_finished). Each crossing costs a wake-up of each side; together
they were about a tenth of a public filing's time. Here the chain is built synchronously, as
under WSGI, and one call in the thread signals the start, runs the chain and, for a response
whose body is already in memory, closes it (the database connection goes back to the pool
before the answer is sent). A streamed response is sent and closed as Django does.

Django watches for the client's disconnect while a view runs, to cancel an asynchronous view;
a synchronous one runs to its end either way, so nothing is lost by not watching.
"""

from __future__ import annotations

from typing import Any, cast

from asgiref.sync import sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse, HttpResponseBase
from django.urls import set_script_prefix


class OneThreadASGIHandler(ASGIHandler):
    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        set_script_prefix(get_script_prefix(scope))
        try:
            response = await sync_to_async(self._respond, thread_sensitive=True)(scope, body_file)
            try:
                await self.send_response(response, send)
            finally:
                if response.streaming:
                    await sync_to_async(response.close, thread_sensitive=True)()
        finally:
            body_file.close()

    def _respond(self, scope: dict[str, Any], body_file: Any) -> HttpResponseBase:
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, refusal = self.create_request(scope, body_file)
        # A request Django cannot read (its path not UTF-8, its body too large) is refused as is.
        response = self.get_response(request) if request is not None else cast("HttpResponseBase", refusal)
        response._handler_class = self.__class__  # type: ignore[attr-defined]  # as Django's handler marks it
        if isinstance(response, FileResponse):
            response.block_size = self.chunk_size
        if not response.streaming:
            response.close()
        return response
