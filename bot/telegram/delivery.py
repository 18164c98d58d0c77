"""Sending the engine's messages to Telegram: decided inside the event's transaction, sent after it.

`prepare` runs in the unit of work of the event: it stores what the new buttons mean (under
short random ids, so callback data always fits Telegram's 64 bytes and a restart forgets
nothing), notes which message carried the old keyboard, and finds the group chats of notices.
`Delivery.send` then talks to the Bot API once the event is durable: escaped HTML, split at
4096 characters, the old keyboard taken off while the reply is already on its way.

Retrying: flood limits (429) are AIORateLimiter's job. Here only what is safe to repeat is
retried: a call that never reached Telegram (a connection error), and a call that changes
nothing when repeated (editing a message, answering a button press). A message that timed
out may have been delivered, so it is not sent again.
"""

from __future__ import annotations

import asyncio
import html
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram import Message as TelegramMessage
from telegram.error import BadRequest, Forbidden, NetworkError, TimedOut

from bot.engine.messages import Message
from bot.storage.database import Database, StorageError, Tx
from bot.telegram.records import TelegramRecords

log = logging.getLogger(__name__)

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
ATTEMPTS = 5  # with backoff 0.5, 1, 2, 4 s between them
T = TypeVar("T")


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


def joined(messages: list[Message]) -> list[Message]:
    """Short notes ("Saved: …", a step's opening) go in one message with the question that follows.

    On a phone one message per answer reads better than three, and it costs Telegram fewer calls.
    A message with files stays apart, so each draft keeps its own caption.
    """
    out: list[Message] = []
    pending: list[str] = []
    for message in messages:
        if message.files:
            if pending:
                out.append(Message("\n\n".join(pending)))
                pending = []
            out.append(message)
        elif message.buttons or message is messages[-1]:
            out.append(replace(message, text="\n\n".join([*pending, message.text])))
            pending = []
        else:
            pending.append(message.text)
    if pending:
        out.append(Message("\n\n".join(pending)))
    return out


@dataclass
class Prepared:
    """One message ready to go: its text parts, files and keyboard (with stored button ids)."""

    message: Message
    markup: InlineKeyboardMarkup | None = None


@dataclass
class Outgoing:
    """All that one event sends, decided inside its transaction."""

    chat_id: int
    user_id: int
    mine: list[Prepared] = field(default_factory=list)
    notices: list[tuple[int, Prepared]] = field(default_factory=list)  # (chat, message) for members and groups
    old_prompt: tuple[int, str] | None = None  # the message whose keyboard goes now
    answer: str | None = None  # shown under the old question, when a button answered it
    edit_in_place: int | None = None  # the message the one reply replaces (ticks of a multiple choice)


def prepare(
    tx: Tx,
    chat_id: int,
    user_id: int,
    replies: list[Message],
    answer: str | None = None,
    edit_in_place: int | None = None,
    shown: tuple[int, str] | None = None,
) -> Outgoing:
    """Decide, inside the event's transaction, what goes where; store the buttons it shows.

    `shown` is the message that carries the person's keyboard now, as this process remembers it;
    without it (after a restart) the one noted in the database is used.
    """
    records = TelegramRecords(tx)
    mine = joined([m for m in replies if m.to_user is None and not m.to_groups])
    out = Outgoing(chat_id, user_id, answer=answer, edit_in_place=edit_in_place)
    noted = records.take_last_prompt(user_id, chat_id)
    out.old_prompt = None if edit_in_place else shown or noted
    with_buttons = [m for m in mine if m.buttons]
    if with_buttons:
        project = tx.users.current_project(user_id) or 0
        ids = records.save_keyboards(user_id, project, [(m.prompt, m.buttons) for m in with_buttons])
        markups = {id(m): _markup(m, i) for m, i in zip(with_buttons, ids, strict=True)}
    else:
        markups = {}
    out.mine = [Prepared(m, markups.get(id(m))) for m in mine]
    for message in replies:
        if message.to_user is not None:
            out.notices.append((message.to_user, Prepared(Message(message.text, files=message.files))))
        elif message.to_groups:
            project_id = message.project or tx.users.current_project(user_id)
            for group in tx.groups.of(project_id) if project_id else []:
                out.notices.append((group, Prepared(Message(message.text, files=message.files))))
    return out


def _markup(message: Message, ids: list[str]) -> InlineKeyboardMarkup:
    """One button per row (long labels on phones)."""
    rows = [[InlineKeyboardButton(b.label[:64], callback_data=i)] for b, i in zip(message.buttons, ids, strict=True)]
    return InlineKeyboardMarkup(rows)


class Delivery:
    """Sends prepared messages for one bot; tells the log once when the Bot API goes away and comes back."""

    def __init__(self, bot: Bot, db: Database) -> None:
        self.bot = bot
        self.db = db
        self._down_since: float | None = None
        self._shown: dict[tuple[int, int], tuple[int, str]] = {}  # (person, chat) -> the message with their keyboard

    async def save_prompt(self, user_id: int, chat_id: int, message_id: int, text: str) -> None:
        """Remember which message carries the person's keyboard, to take it off at their next step.

        Kept in memory (the next event of that person takes it, in order) and written to the
        database when the bot stops: a write per message would cost a transaction per update.
        After a crash the old keyboard stays on screen; its buttons are then explained as stale.
        """
        self._shown[(user_id, chat_id)] = (message_id, text)

    def take_shown(self, user_id: int, chat_id: int) -> tuple[int, str] | None:
        return self._shown.pop((user_id, chat_id), None)

    def give_back(self, user_id: int, chat_id: int, shown: tuple[int, str] | None) -> None:
        """An event that could not be stored leaves the keyboard where it was."""
        if shown is not None:
            self._shown.setdefault((user_id, chat_id), shown)

    async def flush(self) -> None:
        """At stop: note in the database which messages carry keyboards, for the next start."""
        shown, self._shown = self._shown, {}

        def note(tx: Tx) -> None:
            records = TelegramRecords(tx)
            for (user_id, chat_id), (message_id, text) in shown.items():
                records.save_prompt(user_id, chat_id, message_id, text)

        try:
            await self.db.run(note)
        except StorageError:
            log.warning("could not note which messages carry keyboards")

    async def send(self, out: Outgoing) -> None:
        """This chat's replies in order (the old keyboard edited meanwhile), then the notices, chat by chat at once."""
        clearing = asyncio.create_task(self._clear(out)) if out.old_prompt else None
        if out.edit_in_place is not None and len(out.mine) == 1:
            await self._replace(out.chat_id, out.edit_in_place, out.user_id, out.mine[0])
        else:
            for prepared in out.mine:
                await self._to_chat(out.chat_id, out.user_id, prepared)
        if clearing is not None:
            await clearing
        chats: dict[int, list[Prepared]] = {}
        for chat, prepared in out.notices:
            chats.setdefault(chat, []).append(prepared)
        await asyncio.gather(*(self._notify(chat, messages) for chat, messages in chats.items()))

    async def to_chat(self, chat_id: int, message: Message) -> bool:
        """A message without buttons (drafts, reminders, group posts); False when it could not be sent now."""
        try:
            await self._to_chat(chat_id, 0, Prepared(Message(message.text, files=message.files)))
        except (Forbidden, BadRequest) as error:
            log.info("chat %s not reachable: %s", chat_id, error.message)  # blocked, removed: never deliverable
        except NetworkError:
            return False
        return True

    async def _notify(self, chat_id: int, messages: list[Prepared]) -> None:
        """A notice to another member or a group; one that blocked the bot does not stop the others."""
        for prepared in messages:
            if not await self.to_chat(chat_id, prepared.message):
                log.info("notice to chat %s not delivered: the Bot API is not reachable", chat_id)

    async def _to_chat(self, chat_id: int, user_id: int, prepared: Prepared) -> TelegramMessage | None:
        message = prepared.message
        parts = split_text(message.text) if message.text else []
        sent = None
        for number, part in enumerate(parts, start=1):
            markup = prepared.markup if number == len(parts) else None
            sent = await self._call(
                self.bot.send_message, False, chat_id=chat_id, text=escape(part), parse_mode="HTML", reply_markup=markup
            )
        if prepared.markup is not None and sent is not None and user_id:
            await self.save_prompt(user_id, chat_id, sent.message_id, parts[-1])
        for attachment in message.files:
            await self._call(
                self.bot.send_document,
                False,
                chat_id=chat_id,
                document=attachment.content,
                filename=attachment.filename,
                caption=escape(attachment.caption[:CAPTION_LIMIT]),
                parse_mode="HTML",
            )
        return sent

    async def _clear(self, out: Outgoing) -> None:
        """Take the keyboard off the previous question (showing the answer, if given) so old buttons go away."""
        assert out.old_prompt is not None
        message_id, text = out.old_prompt
        try:
            if out.answer is None:
                await self._call(self.bot.edit_message_reply_markup, True, chat_id=out.chat_id, message_id=message_id)
            else:
                shown = escape(split_text(f"{text}\n\n✔ {out.answer}")[0])
                await self._call(
                    self.bot.edit_message_text,
                    True,
                    chat_id=out.chat_id,
                    message_id=message_id,
                    text=shown,
                    parse_mode="HTML",
                )
        except BadRequest as error:  # not modified, or too old to edit: the keyboard is gone either way
            log.debug("could not edit message %s: %s", message_id, error.message)
        except NetworkError:  # the old keyboard stays; its buttons are explained away as stale
            log.debug("could not edit message %s: the Bot API is not reachable", message_id)

    async def _replace(self, chat_id: int, message_id: int, user_id: int, prepared: Prepared) -> None:
        """Show a new state of the same question in place (ticks of a multiple choice)."""
        text = split_text(prepared.message.text)[-1]
        try:
            await self._call(
                self.bot.edit_message_text,
                True,
                chat_id=chat_id,
                message_id=message_id,
                text=escape(text),
                parse_mode="HTML",
                reply_markup=prepared.markup,
            )
        except BadRequest as error:
            if "not modified" not in error.message.lower():
                raise
        await self.save_prompt(user_id, chat_id, message_id, text)

    async def call(self, method: Callable[..., Awaitable[T]], repeatable: bool, **kwargs: Any) -> T:
        """A Bot API call with this module's retry rule and outage logging (for the handlers' own calls)."""
        return await self._call(method, repeatable, **kwargs)

    async def _call(self, method: Callable[..., Awaitable[T]], repeatable: bool, **kwargs: Any) -> T:
        """Retry what is safe to repeat; note an outage once when it starts and once when it ends."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                result = await method(**kwargs)
            except (BadRequest, Forbidden):
                raise
            except NetworkError as error:
                unsafe = isinstance(error, TimedOut) and not repeatable  # it may have arrived: never post twice
                self._went_down(error)
                if unsafe or attempt == ATTEMPTS:
                    raise
                await asyncio.sleep(0.5 * 2 ** (attempt - 1))
            else:
                self._came_back()
                return result
        raise AssertionError("unreachable")

    def _went_down(self, error: NetworkError) -> None:
        if self._down_since is None:
            self._down_since = time.monotonic()
            log.warning("the Bot API is not reachable (%s)", error.message)

    def _came_back(self) -> None:
        if self._down_since is not None:
            log.info("the Bot API is reachable again after %.0f s", time.monotonic() - self._down_since)
            self._down_since = None
