"""Telegram updates in, engine events through, engine messages out.

Private chats carry the questionnaire; in a committee's group chat the bot only reports
progress and drafts and answers members. Each update is one unit of work: its id is claimed,
the engine applies the event, and the buttons of the reply are stored, all in one
transaction; only then is anything sent. An update redelivered after a crash finds its id
claimed and does nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from telegram import Update
from telegram.error import NetworkError
from telegram.ext import ContextTypes

from bot.engine.messages import Command, Event, Message, Press, Text, Unreadable, Upload, User, is_navigation
from bot.engine.service import Service, unsaved
from bot.i18n import Translator, supported, translator
from bot.storage.database import StorageError, Tx
from bot.storage.records import Recipient
from bot.telegram.delivery import Delivery, Outgoing, prepare
from bot.telegram.records import TelegramRecords

log = logging.getLogger(__name__)

LETTERHEAD_LIMIT = 5 * 1024 * 1024  # a larger file is not even downloaded


class Handlers:
    """The callbacks registered with the Application; each does one kind of update."""

    def __init__(self, service: Service, delivery: Delivery) -> None:
        self.service = service
        self.engine = service.engine
        self.delivery = delivery

    # private chats: the conversation

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

    async def edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An edited message is not a new answer: say how to change an answer instead."""
        chat = update.effective_chat
        if chat is None or chat.type != "private" or update.effective_user is None:
            return
        t = translator(supported(update.effective_user.language_code))
        text = t.gettext("I do not read changes to messages you already sent. To change an answer, use /edit.")
        await self.delivery.to_chat(chat.id, Message(text))

    async def run(self, update: Update, event: Event) -> None:
        """One event: claimed, applied and its buttons stored in one transaction; then sent."""
        user = _user(update)
        chat_id = update.effective_chat.id if update.effective_chat else user.id

        shown = self.delivery.take_shown(user.id, chat_id)

        def work(tx: Tx) -> Outgoing | None:
            if not TelegramRecords(tx).claim(update.update_id):
                return None
            return prepare(tx, chat_id, user.id, self.engine.handle(tx, user, event), shown=shown)

        await self._apply(update, chat_id, user, work, shown)

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button press: look up what it means; a forged, foreign or stale one changes nothing."""
        query = update.callback_query
        if query is None or update.effective_user is None:
            return
        answering = asyncio.create_task(self.delivery.call(query.answer, True))  # the spinner stops meanwhile
        user = _user(update)
        chat_id = update.effective_chat.id if update.effective_chat else user.id
        pressed = query.message.message_id if query.message is not None else None
        shown = self.delivery.take_shown(user.id, chat_id)

        def work(tx: Tx) -> Outgoing | None:
            records = TelegramRecords(tx)
            if not records.claim(update.update_id):
                return None
            stored = records.button(query.data or "")
            if stored is None or stored.user_id != user.id:
                event = Press("", prompt="unknown")  # never matches: the engine explains and shows the question again
            else:
                event = Press(stored.value, stored.prompt)
            replies = self.engine.handle(tx, user, event)
            mine = [m for m in replies if m.to_user is None and not m.to_groups]
            accepted = stored is not None and stored.user_id == user.id and not any(m.stale for m in mine)
            same_question = bool(mine) and mine[-1].prompt == event.prompt
            if accepted and same_question and len(mine) == 1 and pressed is not None:
                return prepare(tx, chat_id, user.id, replies, edit_in_place=pressed)  # a tick, in place
            answered = stored is not None and accepted and not same_question and not is_navigation(stored.value)
            label = stored.label if answered and stored is not None else None  # "✔ <answer>", never "✔ Back"
            return prepare(tx, chat_id, user.id, replies, answer=label, shown=shown)

        await self._apply(update, chat_id, user, work, shown)
        try:
            await answering
        except NetworkError:  # the spinner stops by itself after a while
            log.debug("could not answer the button press of update %s", update.update_id)

    async def _apply(
        self,
        update: Update,
        chat_id: int,
        user: User,
        work: Callable[[Tx], Outgoing | None],
        shown: tuple[int, str] | None = None,
    ) -> None:
        """Run the event's unit of work, then send; a failure leaves the keyboard on screen as it was."""
        try:
            out = await self.service.run(work)
        except StorageError:
            self.delivery.give_back(user.id, chat_id, shown)
            await self.delivery.to_chat(chat_id, unsaved(user.language_code))
            return
        except BaseException:
            self.delivery.give_back(user.id, chat_id, shown)
            raise
        if out is None:
            log.info("update %s was already handled; skipped", update.update_id)
            return
        await self.delivery.send(out)

    # group chats: progress, drafts, and nothing else

    async def added_to_group(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The bot joined a group: a coordinator who adds it links the group to their project."""
        change = update.my_chat_member
        if change is None or change.new_chat_member.status not in ("member", "administrator"):
            return
        if change.chat.type == "private":
            return
        await self.connect(update, change.chat.id, change.from_user.id, change.from_user.language_code)

    async def connect(self, update: Update, chat_id: int, user_id: int, language_code: str | None) -> None:
        """Link the group to the coordinator's project; a group another project has stays with that project."""
        t = translator(supported(language_code))

        def work(tx: Tx) -> list[tuple[int, Message]] | None:
            if not TelegramRecords(tx).claim(update.update_id):
                return None
            project_id = tx.users.current_project(user_id)
            if project_id is None or tx.members.role(project_id, user_id) != "coordinator":
                text = t.gettext(
                    "Only a coordinator can connect me to this group: send /connect here once you are one."
                )
                return [(chat_id, Message(text))]
            owner = tx.groups.link(chat_id, project_id, user_id)
            if owner is not None:
                return self._taken(tx, t, chat_id, owner, user_id)
            project = tx.projects.get(project_id)
            name = (project.name if project else "") or t.gettext("a new project")
            text = t.gettext(
                "I will post the progress of {name} here, and the drafts when a stage is closed. "
                "Questions are answered in a private chat with me."
            )
            return [(chat_id, Message(text.format(name=name)))]

        await self._post(chat_id, language_code, work)

    @staticmethod
    def _taken(tx: Tx, t: Translator, chat_id: int, owner: int, user_id: int) -> list[tuple[int, Message]]:
        """Another project's group: refuse, and tell that project's coordinators someone tried."""
        refusal = t.gettext(
            "This group already follows another committee's project. Its coordinator can unlink it with "
            "/disconnect; until then I stay with that project."
        )
        out = [(chat_id, Message(refusal))]
        who = tx.users.get(user_id)
        for member in tx.members.of(owner):
            if member.role == "coordinator":
                their = translator(member.language)
                note = their.gettext(
                    "{name} tried to connect your committee's group chat to another project. Nothing was changed."
                ).format(name=(who.name if who and who.name else their.gettext("Someone")))
                out.append((member.user_id, Message(note)))
        return out

    async def group_command(self, update: Update, name: str) -> None:
        """In a group: connect or disconnect it, show progress, or point to the private chat; only members."""
        chat, person = update.effective_chat, update.effective_user
        assert chat is not None and person is not None
        t = translator(supported(person.language_code))
        if name == "connect":
            await self.connect(update, chat.id, person.id, person.language_code)
            return

        def work(tx: Tx) -> list[tuple[int, Message]] | None:
            if not TelegramRecords(tx).claim(update.update_id):
                return None
            project_id = tx.groups.project_of(chat.id)
            role = tx.members.role(project_id, person.id) if project_id is not None else None
            if project_id is None or role is None:
                return [(chat.id, Message(t.gettext("I only answer members of this committee.")))]
            if name == "status":
                return [(chat.id, self.engine.status_of(tx, project_id, t.language))]
            if name == "disconnect" and role == "coordinator":
                tx.groups.unlink(chat.id, project_id)
                return [(chat.id, Message(t.gettext("This group no longer follows the project.")))]
            text = t.gettext("The questions are answered in a private chat with me: https://t.me/{bot}")
            return [(chat.id, Message(text.format(bot=self.delivery.bot.username)))]

        await self._post(chat.id, person.language_code, work)

    async def _post(
        self, chat_id: int, language_code: str | None, work: Callable[[Tx], list[tuple[int, Message]] | None]
    ) -> None:
        try:
            posts = await self.service.run(work)
        except StorageError:
            await self.delivery.to_chat(chat_id, unsaved(language_code))
            return
        for target, message in posts or []:
            await self.delivery.to_chat(target, message)

    # background work: reminders and drafts

    async def reminders(self, context: ContextTypes.DEFAULT_TYPE | None = None) -> None:
        """Run by the job queue: deliver the reminders that are due (they live in the database)."""

        def work(tx: Tx) -> list[tuple[int, Message]]:
            out = []
            for message in self.engine.due_reminders(tx):
                if message.to_user is not None:
                    out.append((message.to_user, message))
                elif message.project is not None:
                    out += [(group, message) for group in tx.groups.of(message.project)]
            TelegramRecords(tx).prune_updates()
            return out

        for chat_id, message in await self.service.db.run(work):
            await self.delivery.to_chat(chat_id, message)

    async def deliver_draft(self, recipient: Recipient, message: Message) -> bool:
        """The draft worker's delivery: False while the Bot API cannot be reached (it tries again later)."""
        return await self.delivery.to_chat(recipient.id, message)

    async def error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A bug (or an outage) while handling an update: log it, apologise; never silence."""
        if isinstance(context.error, NetworkError):
            log.debug("an update was not finished: the Bot API is not reachable (%s)", context.error.message)
            return
        log.error("handling update failed", exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat and update.effective_user:
            t = translator(supported(update.effective_user.language_code))
            text = t.gettext(
                "Sorry, something went wrong on my side. Your saved answers are safe: send /start to continue."
            )
            await self.delivery.to_chat(update.effective_chat.id, Message(text))


def _user(update: Update) -> User:
    person = update.effective_user
    assert person is not None
    name = " ".join(part for part in (person.first_name, person.last_name) if part)
    return User(person.id, person.language_code, name)
