"""python-telegram-bot's calls to the Bot API over aiohttp instead of its default httpx.

Why: with many updates handled at once, httpx's connection pool checks every connection it
holds on every request (is it still alive, is it readable), so each call costs more the more
connections are open; aiohttp's connector hands out a free connection at once. Measured in
tests/benchmarks/run.py (see the README's benchmark table). aiohttp is also what the
webhook server and the tests' Bot API emulator run on.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    """A python-telegram-bot request backend on one aiohttp session with `pool_size` connections."""

    def __init__(self, pool_size: int, timeout: float, media_write_timeout: float = 20.0) -> None:
        self._pool_size = pool_size
        self._timeout = timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float:
        return self._timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size)
            self._session = aiohttp.ClientSession(connector=connector, headers={"User-Agent": self.USER_AGENT})

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data is not None and request_data.contains_files
        write = self._chosen(write_timeout, self._media_write_timeout if files else self._timeout)
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=self._chosen(pool_timeout, self._timeout),
            sock_connect=self._chosen(connect_timeout, self._timeout),
            sock_read=max(self._chosen(read_timeout, self._timeout) or 0, write or 0) or None,
        )
        try:
            async with self._session.request(method, url, data=_body(request_data), timeout=timeout) as response:
                return response.status, await response.read()
        except aiohttp.ConnectionTimeoutError as error:  # never connected: nothing was sent, safe to try again
            raise NetworkError(f"aiohttp.{error.__class__.__name__}: {error}") from error
        except TimeoutError as error:  # it may have reached Telegram: the caller decides whether to repeat it
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{error.__class__.__name__}: {error}") from error

    def _chosen(self, value: Any, default: float) -> float | None:
        """A timeout given for this call, else this request's default."""
        return default if isinstance(value, DefaultValue) else value


def _body(request_data: RequestData | None) -> aiohttp.FormData | dict[str, str] | None:
    """The call's parameters as a form, with files as multipart parts (a draft, a picture)."""
    if request_data is None:
        return None
    if not request_data.contains_files:
        return request_data.json_parameters
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, part in request_data.multipart_data.items():
        filename, content, mimetype = part[0], part[1], part[2] if len(part) > 2 else None
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
