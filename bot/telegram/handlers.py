"""Telegram updates in, engine events through, engine messages out.

Private chats carry the questionnaire; in a committee's group chat the bot only reports
progress and drafts and answers members. Every update is claimed by its id first, so an
update redelivered after a crash is not applied twice.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from telegram import Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.documents.docx_writer import LETTERHEAD_LIMIT
from bot.engine.engine import Engine
from bot.engine.messages import Command, Event, Message, Press, Text, Unreadable, Upload, User
from bot.i18n import supported, translator
from bot.storage.store import Store
from bot.telegram.delivery import Delivery

log = logging.getLogger(__name__)


class Handlers:
    """The callbacks registered with the Application; each does one kind of update."""

    def __init__(self, engine: Engine, store: Store, delivery: Delivery) -> None:
        self.engine = engine
        self.store = store
        self.delivery = delivery

    async def claim(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Runs before every other handler: an update seen before stops here."""
        if not await self.store.claim_update(update.update_id):
            log.info("update %s was already handled; skipped", update.update_id)
            raise ApplicationHandlerStop

    async def command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None or update.effective_user is None or not message.text:
            return
        word, _, argument = message.text.partition(" ")
        name = word.lstrip("/").split("@")[0].lower()
        if chat.type != "private":
            await self.group_command(update, name)
            return
        await self.run(update, Command(name, argument.strip()))

    async def text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is not None and message.text is not None:
            await self.run(update, Text(message.text))

    async def edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An edited message is not a new answer: say how to change an answer instead."""
        chat = update.effective_chat
        if chat is None or chat.type != "private" or update.effective_user is None:
            return
        t = translator(supported(update.effective_user.language_code))
        text = t.gettext("I do not read changes to messages you already sent. To change an answer, use /edit.")
        await self.delivery.bot.send_message(chat.id, text)

    async def unreadable(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.run(update, Unreadable())

    async def file(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A document sent in private chat (a letterhead); a file too large to be one is not downloaded."""
        attachment = update.effective_message.document if update.effective_message else None
        if attachment is None:
            return
        if (attachment.file_size or 0) > LETTERHEAD_LIMIT:
            await self.run(update, Upload(attachment.file_name or "", b""))
            return
        content = bytes(await (await attachment.get_file()).download_as_bytearray())
        await self.run(update, Upload(attachment.file_name or "", content))

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button press: look up what it means; a forged, foreign or stale one changes nothing."""
        query = update.callback_query
        if query is None or update.effective_user is None:
            return
        await query.answer()
        stored = await self.store.button(query.data or "")
        if stored is None or stored.user_id != update.effective_user.id:
            event = Press("", prompt="unknown")  # never matches: the engine explains and shows the question again
        else:
            event = Press(stored.value, stored.prompt)
        user = _user(update)
        replies = await self.engine.handle(user, event)
        chat_id = update.effective_chat.id if update.effective_chat else user.id
        mine = [m for m in replies if m.to_user is None and not m.to_groups]
        accepted = stored is not None and not any(m.stale for m in mine)
        same_question = bool(mine) and mine[-1].prompt == (stored.prompt if stored else None)
        if accepted and same_question and len(mine) == 1 and query.message is not None:
            await self.delivery.replace(chat_id, query.message.message_id, user.id, mine[0])  # a tick, in place
            return
        if accepted and not same_question:
            await self.delivery.clear_last_prompt(user.id, chat_id, answer=stored.label if stored else None)
        await self.send(chat_id, user.id, replies)

    async def added_to_group(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The bot joined a group: a coordinator who adds it links the group to their project."""
        change = update.my_chat_member
        if change is None or change.new_chat_member.status not in ("member", "administrator"):
            return
        if change.chat.type == "private":
            return
        await self.connect(change.chat.id, change.from_user.id, change.from_user.language_code)

    async def connect(self, chat_id: int, user_id: int, language_code: str | None) -> None:
        t = translator(supported(language_code))
        project_id = await self.store.current_project(user_id)
        if project_id is None or await self.store.role(project_id, user_id) != "coordinator":
            text = t.gettext("Only a coordinator can connect me to this group: send /connect here once you are one.")
            await self.delivery.to_group(chat_id, Message(text))
            return
        await self.store.link_group(chat_id, project_id, user_id)
        project = await self.store.project(project_id)
        name = project.name if project else ""
        text = t.gettext(
            "I will post the progress of {name} here, and the drafts when a stage is closed. "
            "Questions are answered in a private chat with me."
        )
        await self.delivery.to_group(chat_id, Message(text.format(name=name)))

    async def group_command(self, update: Update, name: str) -> None:
        """In a group: connect it, show progress, or point to the private chat. Only members get answers."""
        chat, person = update.effective_chat, update.effective_user
        assert chat is not None and person is not None
        t = translator(supported(person.language_code))
        if name == "connect":
            await self.connect(chat.id, person.id, person.language_code)
            return
        project_id = await self.store.group_project(chat.id)
        if project_id is None or await self.store.role(project_id, person.id) is None:
            await self.delivery.to_group(chat.id, Message(t.gettext("I only answer members of this committee.")))
            return
        if name == "status":
            await self.delivery.to_group(chat.id, await self.engine.status_of(project_id, t.language))
            return
        username = self.delivery.bot.username
        text = t.gettext("The questions are answered in a private chat with me: https://t.me/{bot}").format(
            bot=username
        )
        await self.delivery.to_group(chat.id, Message(text))

    async def run(self, update: Update, event: Event) -> None:
        user = _user(update)
        chat_id = update.effective_chat.id if update.effective_chat else user.id
        await self.send(chat_id, user.id, await self.engine.handle(user, event))

    async def send(self, chat_id: int, user_id: int, replies: list[Message]) -> None:
        """Deliver replies: to this chat, to other members, and to the project's group chats."""
        await self.delivery.clear_last_prompt(user_id, chat_id)  # old buttons go; the new question brings its own
        current = await self.store.current_project(user_id)
        for message in joined([m for m in replies if m.to_user is None and not m.to_groups]):
            await self.delivery.to_chat(chat_id, user_id, message)
        await self.notify([m for m in replies if m.to_user is not None or m.to_groups], current)

    async def notify(self, notices: list[Message], project_id: int | None = None) -> None:
        """Messages for other members and for group chats; one unreachable chat never stops the rest."""
        for message in notices:
            if message.to_user is not None:
                await self.delivery.to_user(message.to_user, message)
                continue
            project = message.project or project_id
            for group in await self.store.groups_of(project) if project else []:
                await self.delivery.to_group(group, message)

    async def reminders(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Run by the job queue: deliver the reminders that are due (they live in the database)."""
        await self.notify(await self.engine.due_reminders())

    async def error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the failure (the token is filtered from every log line) and apologise: never silence."""
        log.error("handling update failed", exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat and update.effective_user:
            t = translator(supported(update.effective_user.language_code))
            text = t.gettext(
                "Sorry, something went wrong on my side. Your saved answers are safe: send /start to continue."
            )
            try:
                await self.delivery.bot.send_message(update.effective_chat.id, text)
            except Exception:  # the apology itself could not be sent; the log has the cause
                log.warning("could not send the apology", exc_info=True)


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


def _user(update: Update) -> User:
    person = update.effective_user
    assert person is not None
    name = " ".join(part for part in (person.first_name, person.last_name) if part)
    return User(person.id, person.language_code, name)
