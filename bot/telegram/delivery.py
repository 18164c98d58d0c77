"""Sending the engine's messages to Telegram: escaped, split, with stored buttons, retried.

What a button means is kept in the database under a short random id, so callback data always
fits Telegram's 64 bytes and a restart does not forget what the buttons on screen mean.
"""

from __future__ import annotations

import asyncio
import html
import logging
import secrets

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram import Message as TelegramMessage
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.engine.messages import Message
from bot.storage.store import Store

log = logging.getLogger(__name__)

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
ATTEMPTS = 5  # with backoff 0.5, 1, 2, 4 s between them


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Split at paragraph, then line, then word boundaries so each part fits Telegram's limit."""
    parts: list[str] = []
    while len(text) > limit:
        cut = max(text.rfind("\n\n", 0, limit), text.rfind("\n", 0, limit), text.rfind(" ", 0, limit))
        cut = cut if cut > limit // 2 else limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return [*parts, text] if text else parts or [""]


def escape(text: str) -> str:
    """Every piece of text goes out as HTML, so all of it is escaped (user answers included)."""
    return html.escape(text, quote=False)


class Delivery:
    """Sends messages for one bot, remembering buttons and the last question shown to each person."""

    def __init__(self, bot: Bot, store: Store) -> None:
        self.bot = bot
        self.store = store

    async def to_chat(self, chat_id: int, user_id: int, message: Message) -> TelegramMessage | None:
        """Send one engine message (text parts, keyboard on the last part, then its files)."""
        markup = await self.keyboard(user_id, message) if message.buttons else None
        parts = split_text(message.text) if message.text else []
        sent = None
        for number, part in enumerate(parts, start=1):
            sent = await self._retry(
                self.bot.send_message,
                chat_id=chat_id,
                text=escape(part),
                parse_mode="HTML",
                reply_markup=markup if number == len(parts) else None,
            )
        if markup is not None and sent is not None:
            await self.store.save_prompt(user_id, chat_id, sent.message_id, parts[-1])
        for attachment in message.files:
            await self._retry(
                self.bot.send_document,
                chat_id=chat_id,
                document=attachment.content,
                filename=attachment.filename,
                caption=escape(attachment.caption[:CAPTION_LIMIT]),
                parse_mode="HTML",
            )
        return sent

    async def keyboard(self, user_id: int, message: Message) -> InlineKeyboardMarkup:
        """One button per row (long labels on phones), each with a short random id as callback data."""
        project = await self.store.current_project(user_id) or 0
        rows = [(secrets.token_urlsafe(9), user_id, project, message.prompt, b.value, b.label) for b in message.buttons]
        await self.store.save_buttons(rows)
        return InlineKeyboardMarkup([[InlineKeyboardButton(row[5][:64], callback_data=row[0])] for row in rows])

    async def clear_last_prompt(self, user_id: int, chat_id: int, answer: str | None = None) -> None:
        """Take the keyboard off the previous question (showing the answer, if given) so old buttons go away."""
        last = await self.store.last_prompt(user_id, chat_id)
        if last is None:
            return
        message_id, text = last
        await self.store.forget_prompt(user_id, chat_id)
        try:
            if answer is None:
                await self._retry(self.bot.edit_message_reply_markup, chat_id=chat_id, message_id=message_id)
            else:
                shown = escape(split_text(f"{text}\n\n✔ {answer}")[0])
                await self._retry(
                    self.bot.edit_message_text, chat_id=chat_id, message_id=message_id, text=shown, parse_mode="HTML"
                )
        except BadRequest as error:  # not modified, or too old to edit: the keyboard is gone either way
            log.debug("could not edit message %s: %s", message_id, error.message)

    async def replace(self, chat_id: int, message_id: int, user_id: int, message: Message) -> None:
        """Show a new state of the same question in place (ticks of a multiple choice)."""
        markup = await self.keyboard(user_id, message) if message.buttons else None
        text = split_text(message.text)[-1]
        try:
            await self._retry(
                self.bot.edit_message_text,
                chat_id=chat_id,
                message_id=message_id,
                text=escape(text),
                parse_mode="HTML",
                reply_markup=markup,
            )
        except BadRequest as error:
            if "not modified" not in error.message.lower():
                raise
        await self.store.save_prompt(user_id, chat_id, message_id, text)

    async def to_user(self, user_id: int, message: Message) -> None:
        """A notice to another member; someone who blocked the bot does not stop the others."""
        try:
            await self.to_chat(user_id, user_id, message)
        except Forbidden:
            log.info("user %s blocked the bot; notice not delivered", user_id)

    async def to_group(self, chat_id: int, message: Message) -> None:
        try:
            await self.to_chat(chat_id, 0, Message(message.text, files=message.files))
        except (Forbidden, BadRequest) as error:
            log.info("group %s not reachable: %s", chat_id, error.message)

    async def _retry(self, call, **kwargs):  # type: ignore[no-untyped-def]
        """Retry what flood limits and a flaky network make fail; give up after a few attempts."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return await call(**kwargs)
            except RetryAfter as error:
                if attempt == ATTEMPTS:
                    raise
                delay = error.retry_after
                await asyncio.sleep(delay.total_seconds() if hasattr(delay, "total_seconds") else float(delay))
            except (TimedOut, NetworkError) as error:
                if attempt == ATTEMPTS or isinstance(error, BadRequest | Forbidden):
                    raise
                await asyncio.sleep(0.5 * 2 ** (attempt - 1))
        return None
