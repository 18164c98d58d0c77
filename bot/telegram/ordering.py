"""Different people's updates at once, each person's (and each group chat's) in the order they came.

python-telegram-bot hands updates to an update processor in arrival order. This one lets
updates of different chats run concurrently and queues those of the same chat behind each
other (asyncio's locks are fair: first come, first served), so one person's answers are
applied in the order they were given while a hundred others are answered meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)

REMEMBERED = 10_000  # handled update ids kept for `handled`


class PerChatOrder(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}
        self._done: dict[int, int] = {}  # how often each recent update was handled, for `handled`
        self._done_order: deque[int] = deque()
        self._watchers: dict[tuple[int, int], asyncio.Event] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _key(update)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        started = time.perf_counter()
        try:
            async with lock:
                await coroutine
        finally:
            took = (time.perf_counter() - started) * 1000
            log.info("update %s (%s) handled in %.0f ms", getattr(update, "update_id", "?"), _kind(update), took)
            self._waiting[key] -= 1
            if not self._waiting[key]:  # nobody else of this chat in line: forget the lock
                del self._waiting[key], self._locks[key]
            if isinstance(update, Update):
                self._finished(update.update_id)

    async def handled(self, update_id: int, times: int = 1) -> None:
        """Wait until the update was handled to the end (replies sent) `times` times (Telegram may send it again).

        This is what a driver of the bot (the tests, the benchmark) waits for, instead of a quiet moment.
        """
        if self._done.get(update_id, 0) < times:
            await self._watchers.setdefault((update_id, times), asyncio.Event()).wait()

    def _finished(self, update_id: int) -> None:
        if update_id not in self._done:
            self._done_order.append(update_id)
        self._done[update_id] = self._done.get(update_id, 0) + 1
        if len(self._done_order) > REMEMBERED:
            self._done.pop(self._done_order.popleft(), None)
        watcher = self._watchers.pop((update_id, self._done[update_id]), None)
        if watcher is not None:
            watcher.set()

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


def _kind(update: object) -> str:
    """What kind of update it was, for the log (never what the person wrote)."""
    if not isinstance(update, Update):
        return type(update).__name__
    if update.callback_query is not None:
        return "button"
    if update.my_chat_member is not None:
        return "membership"
    message = update.effective_message
    if message is not None and message.text and message.text.startswith("/"):
        return "command " + message.text.split()[0].split("@")[0][:32]
    return "edited message" if update.edited_message is not None else "message"


def _key(update: object) -> int:
    """The chat an update belongs to (a private chat is its person); updates without one share key 0."""
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return update.effective_user.id
    return 0
