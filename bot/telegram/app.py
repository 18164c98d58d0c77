"""The Telegram Application: built over the engine, started by long polling or a webhook.

`TELEGRAM_API_BASE_URL` is the Bot API server's root (https://api.telegram.org by default);
the bot appends /bot<token>/ and /file/bot<token>/, so a self-hosted server or a local
emulator works the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import signal
import traceback
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor

from telegram import BotCommand, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.config import Settings
from bot.engine.drafting import DraftWorker
from bot.engine.engine import Engine
from bot.engine.service import Service
from bot.i18n import INTERFACE_LANGUAGES, N_, SOURCE_LANGUAGE, translator
from bot.plan.models import Plan
from bot.storage.database import Database
from bot.telegram.delivery import Delivery
from bot.telegram.handlers import Handlers
from bot.telegram.ordering import PerChatOrder
from bot.telegram.records import TelegramRecords
from bot.telegram.transport import AiohttpRequest

COMMANDS = [
    ("start", N_("Start or continue where you left off")),
    ("status", N_("The whole plan: done and open")),
    ("edit", N_("Change an earlier answer")),
    ("back", N_("The previous question")),
    ("skip", N_("Leave an optional question open")),
    ("documents", N_("The drafts made so far")),
    ("members", N_("The committee and its roles")),
    ("invite", N_("Invite someone to the committee")),
    ("invites", N_("Open invitations")),
    ("assign", N_("Give a step to a committee member")),
    ("projects", N_("Switch between projects")),
    ("template", N_("Use our letterhead for the drafts")),
    ("check", N_("The ten-keys check")),
    ("score", N_("Score the candidate partners")),
    ("ranking", N_("Ranking of the candidates")),
    ("reminders", N_("Coming reminders; mute them")),
    ("language", N_("Change the language")),
    ("mydata", N_("Everything stored about you")),
    ("forgetme", N_("Delete your personal data")),
    ("export", N_("The whole project as a ZIP")),
    ("deleteproject", N_("Delete the project")),
    ("translate", N_("The partner's drafts in their language")),
    ("help", N_("What I can do")),
    ("cancel", N_("Stop changing an answer")),
]
DESCRIPTION = N_(
    "I walk your municipality through building a town twinning or a North–South city link, step by step, "
    "following a three-stage plan and CEMR's ten keys to success, and I write the drafts: the municipal "
    "profile, the partner checklist, the cooperation protocol and more. Answers are saved: stop any time and "
    "continue later."
)
SHORT_DESCRIPTION = N_("Step by step to a town twinning, with the paperwork drafted for you.")


_SECRETS: set[str] = set()


def protect_logs(token: str) -> None:
    """Replace the token in every log record, whichever library or handler writes it.

    Records are cleaned when they are created, so handlers added later (a test's, a
    deployment's) never see the token either; tracebacks are cleaned the same way.
    """
    if not _SECRETS:
        make_record = logging.getLogRecordFactory()

        def clean_record(*args: object, **kwargs: object) -> logging.LogRecord:
            record = make_record(*args, **kwargs)
            message = record.getMessage()
            if any(secret in message for secret in _SECRETS):
                record.msg, record.args = _redact(message), ()
            if record.exc_info:
                record.exc_text = _redact("".join(traceback.format_exception(*record.exc_info)).rstrip())
            return record

        logging.setLogRecordFactory(clean_record)
    _SECRETS.add(token)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # it logs every request URL, which holds the token


def _redact(text: str) -> str:
    for secret in _SECRETS:
        text = text.replace(secret, "<token>")
    return text


def build_application(settings: Settings, plan: Plan, db: Database) -> Application:
    """The Application over the engine: updates of different people at once, each person's in order."""
    assert settings.telegram_bot_token is not None
    token = settings.telegram_bot_token.get_secret_value()
    api = settings.telegram_api_base_url.rstrip("/")
    application = (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .rate_limiter(AIORateLimiter(overall_max_rate=settings.telegram_max_rate, max_retries=3))
        .concurrent_updates(PerChatOrder(settings.concurrent_updates))
        .request(make_request(settings, settings.concurrent_updates))
        .get_updates_request(make_request(settings, 2))  # the long poll, and the last call at stop beside it
        .build()
    )
    engine = Engine(plan, invite_days=settings.invite_days, invite_uses=settings.invite_uses)
    service = Service(engine, db)
    delivery = Delivery(application.bot, db)
    handlers = Handlers(service, delivery)
    service.drafts = DraftWorker(db, plan, handlers.deliver_draft, executor=_draft_executor(settings.draft_processes))
    application.bot_data["engine"] = engine
    application.bot_data["drafts"] = service.drafts
    application.bot_data["delivery"] = delivery
    application.add_handler(ChatMemberHandler(handlers.added_to_group, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_handler(CallbackQueryHandler(handlers.button))
    application.add_handler(MessageHandler(filters.UpdateType.EDITED, handlers.edited))
    application.add_handler(MessageHandler(filters.COMMAND, handlers.command))
    private = filters.ChatType.PRIVATE
    application.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, handlers.text))
    application.add_handler(MessageHandler(private & filters.Document.ALL, handlers.file))
    application.add_handler(MessageHandler(private & ~filters.TEXT & ~filters.StatusUpdate.ALL, handlers.unreadable))
    application.add_error_handler(handlers.error)
    assert application.job_queue is not None  # the job-queue extra is a dependency
    application.job_queue.run_repeating(handlers.reminders, interval=settings.reminder_check, first=1.0)
    return application


def make_request(settings: Settings, pool: int) -> BaseRequest:
    """The HTTP client for the Bot API calls (aiohttp: see transport.py), a connection per update at once."""
    return AiohttpRequest(pool, settings.telegram_timeout)


def _draft_executor(processes: int) -> Executor | None:
    """Drafts are made in a separate process, so fpdf2 and python-docx never slow the bot (0: in a thread)."""
    if processes <= 0:
        return None
    return ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("spawn"))


async def introduce(application: Application) -> None:
    """At start-up: the commands, description and short description in every interface language."""
    bot = application.bot
    engine: Engine = application.bot_data["engine"]
    engine.invite_link = lambda token: f"https://t.me/{bot.username}?start={token}"
    for language in (None, *INTERFACE_LANGUAGES):
        t = translator(language or SOURCE_LANGUAGE)
        commands = [BotCommand(name, t.gettext(description)) for name, description in COMMANDS]
        await bot.set_my_commands(commands, language_code=language)
        await bot.set_my_description(t.gettext(DESCRIPTION), language_code=language)
        await bot.set_my_short_description(t.gettext(SHORT_DESCRIPTION), language_code=language)


async def serve(
    settings: Settings,
    plan: Plan,
    stop: asyncio.Event | None = None,
    on_ready: Callable[[Application], None] | None = None,
) -> None:
    """Run until `stop` is set (or SIGINT/SIGTERM): long polling, or a webhook when TELEGRAM_WEBHOOK_URL is set.

    The Application runs inside our own event loop, so the database is opened and closed in
    the same loop that uses it.
    """
    stop = stop or _stop_on_signals()
    assert settings.telegram_bot_token is not None
    protect_logs(settings.telegram_bot_token.get_secret_value())
    db = await Database.open(settings.database)
    application = build_application(settings, plan, db)
    drafts: DraftWorker = application.bot_data["drafts"]
    worker = None
    try:
        async with application:
            await introduce(application)
            await application.start()
            worker = asyncio.create_task(drafts.run())  # first finishes whatever a crash left open
            assert application.updater is not None
            if settings.telegram_webhook_url:
                await application.updater.start_webhook(
                    listen=settings.telegram_webhook_listen,
                    port=settings.telegram_webhook_port,
                    url_path=settings.telegram_webhook_path,
                    webhook_url=settings.telegram_webhook_url,
                    secret_token=await _webhook_secret(settings, db),
                    allowed_updates=Update.ALL_TYPES,
                )
            else:
                await application.updater.start_polling(allowed_updates=Update.ALL_TYPES, poll_interval=0.0)
            if on_ready is not None:  # a driver in the same process (the tests) watches the application
                on_ready(application)
            await stop.wait()
            await application.updater.stop()
            await application.stop()
            await application.bot_data["delivery"].flush()
    finally:
        if worker is not None:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        if isinstance(drafts.executor, ProcessPoolExecutor):
            drafts.executor.shutdown(wait=False, cancel_futures=True)
        await db.close()


async def _webhook_secret(settings: Settings, db: Database) -> str:
    """The configured secret, or one made for this database: webhook mode is never open to forged updates."""
    if settings.telegram_webhook_secret is not None:
        return settings.telegram_webhook_secret.get_secret_value()
    secret = await db.run(lambda tx: TelegramRecords(tx).webhook_secret())
    protect_logs(secret)
    return secret


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signal_number, stop.set)
    return stop
