"""Tests of the Telegram Bot API emulator itself, driven by a real python-telegram-bot `Bot`.

End-to-end tests of the bot are only worth something if the emulator speaks the wire protocol that
python-telegram-bot really uses and refuses what Telegram really refuses; these tests pin both down.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import time
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, BotCommand, ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import MessageEntityType, ParseMode
from telegram.error import BadRequest, EndPointNotFound, Forbidden, InvalidToken

from tests.telegram_emulator import BotAPIEmulator

USER = 42
OTHER = 43
GROUP = -1001


@pytest.fixture
async def emulator() -> AsyncIterator[BotAPIEmulator]:
    async with BotAPIEmulator() as running:
        yield running


def make_bot(emulator: BotAPIEmulator, token: str | None = None) -> Bot:
    """A bot configured the way the project's ApplicationBuilder configures it."""
    api = emulator.root
    return Bot(token or emulator.token, base_url=f"{api}/bot", base_file_url=f"{api}/file/bot")


@pytest.fixture
async def bot(emulator: BotAPIEmulator) -> AsyncIterator[Bot]:
    async with make_bot(emulator) as real_bot:
        yield real_bot


def keyboard(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=f"pick:{label}")] for label in labels])


async def test_get_me(bot: Bot, emulator: BotAPIEmulator) -> None:
    me = await bot.get_me()
    assert me.is_bot
    assert me.username == "twinning_test_bot"
    assert me.id == 123456
    assert me.can_join_groups
    assert emulator.calls[0][0] == "getMe"


async def test_text_update_arrives_and_offset_confirms_it(bot: Bot, emulator: BotAPIEmulator) -> None:
    update_id = await emulator.send_text(USER, "/start hello", language_code="de", first_name="Anna")

    (update,) = await bot.get_updates(timeout=0)
    assert update.update_id == update_id
    message = update.message
    assert message is not None and message.from_user is not None
    assert message.text == "/start hello"
    assert message.chat.id == USER and message.chat.type == "private"
    assert message.from_user.language_code == "de" and message.from_user.first_name == "Anna"
    assert [(e.type, e.offset, e.length) for e in message.entities] == [(MessageEntityType.BOT_COMMAND, 0, 6)]

    # not confirmed yet: fetched again (this is what a restarted bot relies on)
    assert [u.update_id for u in await bot.get_updates(timeout=0)] == [update_id]
    # confirmed by a higher offset: gone for good
    assert await bot.get_updates(offset=update_id + 1, timeout=0) == ()
    assert await bot.get_updates(timeout=0) == ()
    assert emulator.pending_updates == 0


async def test_a_restarted_bot_gets_unconfirmed_updates(emulator: BotAPIEmulator) -> None:
    first_id = await emulator.send_text(USER, "one")
    async with make_bot(emulator) as first:
        assert [u.update_id for u in await first.get_updates(timeout=0)] == [first_id]
    second_id = await emulator.send_text(USER, "two")
    async with make_bot(emulator) as second:
        updates = await second.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [first_id, second_id]
    assert second_id > first_id


async def test_group_command_with_bot_username(bot: Bot, emulator: BotAPIEmulator) -> None:
    await emulator.send_text(USER, "/start@twinning_test_bot now", chat_id=GROUP)
    (update,) = await bot.get_updates(timeout=0)
    assert update.message is not None
    assert update.message.chat.type == "group" and update.message.chat.title
    assert update.message.entities[0].length == len("/start@twinning_test_bot")


async def test_long_polling_returns_as_soon_as_an_update_arrives(bot: Bot, emulator: BotAPIEmulator) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    assert not poll.done()
    started = time.monotonic()
    await emulator.send_text(USER, "hi")
    updates = await asyncio.wait_for(poll, 2)
    assert time.monotonic() - started < 1
    assert [u.message.text for u in updates if u.message] == ["hi"]


async def test_long_polling_honours_the_timeout(bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=dtm.timedelta(seconds=0.3)) == ()
    assert 0.25 <= time.monotonic() - started < 2


async def test_text_length_is_counted_in_utf16_units(bot: Bot, emulator: BotAPIEmulator) -> None:
    await emulator.send_text(USER, "/start")
    await bot.send_message(USER, "x" * 4096)
    await bot.send_message(USER, "😀" * 2048)  # 4096 UTF-16 code units
    for too_long in ("x" * 4097, "😀" * 2049):
        with pytest.raises(BadRequest, match="Message is too long"):
            await bot.send_message(USER, too_long)
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(USER, "  \n ")
    assert [len(m.text) for m in emulator.messages(USER)] == [4096, 2048]
    assert emulator.errors[-1] == ("sendMessage", "Bad Request: message text is empty")


@pytest.mark.parametrize(
    "html",
    ["a < b", "<b>bold", "<b><i>x</b></i>", "line<br>break", "&nbsp;", "Q&A", "</b>", '<span class="x">s</span>'],
)
async def test_broken_html_is_refused(bot: Bot, emulator: BotAPIEmulator, html: str) -> None:
    await emulator.send_text(USER, "/start")
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_message(USER, html, parse_mode=ParseMode.HTML)
    assert emulator.messages(USER) == []


async def test_html_is_stored_as_telegram_shows_it(bot: Bot, emulator: BotAPIEmulator) -> None:
    await emulator.send_text(USER, "/start")
    html = '<b>Town &amp; Country</b> &lt;3 <a href="https://example.org/?a=1&amp;b=2">site</a> <i>😀</i>'
    message = await bot.send_message(USER, html, parse_mode=ParseMode.HTML)
    assert message.text == "Town & Country <3 site 😀"
    assert [(e.type, e.offset, e.length) for e in message.entities] == [
        (MessageEntityType.BOLD, 0, 14),
        (MessageEntityType.TEXT_LINK, 18, 4),
        (MessageEntityType.ITALIC, 23, 2),
    ]
    sent = emulator.last(USER)
    assert sent.text == message.text and sent.parse_mode == "HTML" and sent.raw_text == html


async def test_markdown_v2_needs_escaping(bot: Bot, emulator: BotAPIEmulator) -> None:
    await emulator.send_text(USER, "/start")
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_message(USER, "Step 1. Done!", parse_mode=ParseMode.MARKDOWN_V2)
    message = await bot.send_message(USER, r"*Step 1\.* Done\!", parse_mode=ParseMode.MARKDOWN_V2)
    assert message.text == "Step 1. Done!"


async def test_callback_data_over_64_bytes_is_refused(bot: Bot, emulator: BotAPIEmulator) -> None:
    await emulator.send_text(USER, "/start")
    ok = InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="a" * 64)]])
    await bot.send_message(USER, "fits", reply_markup=ok)
    for data in ("a" * 65, "é" * 33):  # 65 and 66 bytes in UTF-8
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("too long", callback_data=data)]])
        with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
            await bot.send_message(USER, "does not fit", reply_markup=markup)
    assert emulator.last(USER).buttons == [[("ok", "a" * 64)]]
    assert emulator.errors == [("sendMessage", "Bad Request: BUTTON_DATA_INVALID")] * 2


async def test_editing_without_change_is_refused(bot: Bot, emulator: BotAPIEmulator) -> None:
    await emulator.send_text(USER, "/start")
    sent = await bot.send_message(USER, "<b>Question</b>", parse_mode=ParseMode.HTML, reply_markup=keyboard("Yes"))
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "<b>Question</b>", USER, sent.message_id, parse_mode=ParseMode.HTML, reply_markup=keyboard("Yes")
        )
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=keyboard("Yes"))
    await bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=keyboard("Yes", "No"))
    # like Telegram, editing the text without passing the keyboard removes it
    await bot.edit_message_text("Answered", USER, sent.message_id)
    message = emulator.last(USER)
    assert (message.text, message.buttons, message.edits) == ("Answered", [], 2)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", USER, 999)


async def test_pressing_a_button_sends_a_callback_query(bot: Bot, emulator: BotAPIEmulator) -> None:
    await emulator.send_text(USER, "/start")
    await bot.send_message(USER, "Pick one", reply_markup=keyboard("Twin town", "Partner"))
    last_id = (await bot.get_updates(timeout=0))[-1].update_id
    update_id = await emulator.press(USER, emulator.last(USER), "Partner")

    (update,) = await bot.get_updates(offset=last_id + 1, timeout=0)
    query = update.callback_query
    assert query is not None and query.message is not None
    assert query.data == "pick:Partner" and query.from_user.id == USER
    assert query.message.message_id == emulator.last(USER).message_id
    await bot.answer_callback_query(query.id, text="Noted")
    assert emulator.callback_answer(update_id) == {
        "text": "Noted",
        "show_alert": False,
        "url": None,
        "cache_time": None,
    }
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(query.id)
    with pytest.raises(LookupError):
        await emulator.press(USER, emulator.last(USER), "Nope")


async def test_document_upload_and_download_are_byte_identical(bot: Bot, emulator: BotAPIEmulator) -> None:
    await emulator.send_text(USER, "/start")
    content = bytes(range(256)) * 300
    sent = await bot.send_document(
        USER, document=content, filename="draft.pdf", caption="<b>Draft</b> agreement", parse_mode=ParseMode.HTML
    )
    assert sent.document is not None and sent.caption == "Draft agreement"
    stored = emulator.last(USER)
    assert stored.text == "Draft agreement"
    assert stored.document == {
        "file_id": sent.document.file_id,
        "file_name": "draft.pdf",
        "mime_type": "application/pdf",
        "file_size": len(content),
    }
    assert await emulator.download(sent.document.file_id) == content
    telegram_file = await bot.get_file(sent.document.file_id)
    assert bytes(await telegram_file.download_as_bytearray()) == content
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_document(USER, document=b"x", filename="a.txt", caption="c" * 1025)


async def test_user_photo_can_be_downloaded(bot: Bot, emulator: BotAPIEmulator) -> None:
    await emulator.send_photo(USER)
    (update,) = await bot.get_updates(timeout=0)
    assert update.message is not None and update.message.photo
    photo = await update.message.photo[-1].get_file()
    assert bytes(await photo.download_as_bytearray()).startswith(b"\x89PNG")


async def test_blocked_user_gives_forbidden(bot: Bot, emulator: BotAPIEmulator) -> None:
    await emulator.send_text(USER, "/start")
    await bot.send_message(USER, "before")
    emulator.block(USER)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER, "after")
    assert [m.text for m in emulator.messages(USER)] == ["before"]
    assert emulator.errors == [("sendMessage", "Forbidden: bot was blocked by the user")]


async def test_unknown_chats_methods_and_tokens(bot: Bot, emulator: BotAPIEmulator) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(777, "who?")
    await emulator.send_text(OTHER, "hello", chat_id=GROUP)  # OTHER is known but never opened a private chat
    with pytest.raises(Forbidden, match="can't initiate conversation"):
        await bot.send_message(OTHER, "psst")
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("fooBar")
    with pytest.raises(InvalidToken):
        async with make_bot(emulator, token="999:WRONG") as wrong:
            await wrong.get_me()
    assert ("fooBar", "Not Found") in emulator.errors and ("getMe", "Unauthorized") in emulator.errors


async def test_added_to_group(bot: Bot, emulator: BotAPIEmulator) -> None:
    await emulator.add_bot_to_group(USER, GROUP, "Twinning committee")
    (update,) = await bot.get_updates(timeout=0)
    assert isinstance(update, Update) and update.my_chat_member is not None
    member = update.my_chat_member
    assert member.chat.type == "group" and member.chat.title == "Twinning committee"
    assert (member.old_chat_member.status, member.new_chat_member.status) == ("left", "member")
    assert member.new_chat_member.user.id == bot.id
    await bot.send_message(GROUP, "Hello committee")
    assert emulator.last(GROUP).text == "Hello committee"


async def test_commands_and_descriptions_per_language(bot: Bot, emulator: BotAPIEmulator) -> None:
    await bot.set_my_commands([BotCommand("start", "Begin")])
    await bot.set_my_commands([BotCommand("start", "Anfangen")], language_code="de")
    await bot.set_my_description("Helps with twinning", language_code="en")
    await bot.set_my_short_description("Twinning helper")
    assert [c.description for c in await bot.get_my_commands(language_code="de")] == ["Anfangen"]
    assert emulator.my_commands() == [{"command": "start", "description": "Begin"}]
    assert (await bot.get_my_description(language_code="en")).description == "Helps with twinning"
    assert (await bot.get_my_short_description()).short_description == "Twinning helper"
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start", "Capital letters are not allowed")])


async def test_wait_for_and_settle_follow_a_polling_bot(bot: Bot, emulator: BotAPIEmulator) -> None:
    async def echo_bot() -> None:
        offset = 0
        while True:
            for update in await bot.get_updates(offset=offset, timeout=5):
                offset = update.update_id + 1
                if update.message and update.message.text:
                    await asyncio.sleep(0.05)
                    await bot.send_message(update.message.chat.id, f"echo: {update.message.text}")

    polling = asyncio.create_task(echo_bot())
    try:
        await emulator.send_text(USER, "first")
        reply = await emulator.wait_for(USER, lambda m: m.text.startswith("echo"), timeout=3)
        assert reply.text == "echo: first"
        await emulator.send_text(USER, "second")
        await emulator.send_text(USER, "third")
        await emulator.settle(quiet=0.15, timeout=3)
        assert [m.text for m in emulator.messages(USER)] == ["echo: first", "echo: second", "echo: third"]
        with pytest.raises(TimeoutError, match="echo: third"):
            await emulator.wait_for(USER, timeout=0.1)
    finally:
        polling.cancel()
        with pytest.raises(asyncio.CancelledError):
            await polling


async def test_force_reply_and_a_users_reply(bot: Bot, emulator: BotAPIEmulator) -> None:
    await emulator.send_text(USER, "/start")
    question = await bot.send_message(USER, "Which town?", reply_markup=ForceReply())
    assert emulator.last(USER).keyboard == {"force_reply": True}
    await emulator.send_text(USER, "Lyon", reply_to_message_id=question.message_id)
    updates = await bot.get_updates(timeout=0)
    reply = updates[-1].message
    assert reply is not None and reply.reply_to_message is not None
    assert reply.reply_to_message.text == "Which town?"
    assert reply.message_id > question.message_id  # ids count up per chat, shared by bot and user
