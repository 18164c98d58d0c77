"""The `twinning-bot` command: the terminal conversation, the demo, and a plan check."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from bot.config import Settings
from bot.console import Console, line_reader
from bot.demo import run_demo
from bot.engine.drafting import DraftWorker
from bot.engine.engine import Engine
from bot.engine.service import Service
from bot.i18n import INTERFACE_LANGUAGES, document_languages, supported, translator
from bot.plan.loader import PlanError, load_plan
from bot.plan.models import Plan
from bot.storage.database import Database


def build_parser(settings: Settings) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="twinning-bot",
        description="A guide for municipalities building a town twinning, step by step, with the drafts it needs.",
    )
    commands = parser.add_subparsers(dest="command")
    console = commands.add_parser("console", help="talk to the bot in this terminal")
    console.add_argument("--db", type=Path, default=settings.database, help="SQLite database (default: %(default)s)")
    console.add_argument("--lang", choices=INTERFACE_LANGUAGES, default=None, help="language of the conversation")
    console.add_argument("--out", type=Path, default=settings.output_dir, help="folder for the drafts")
    demo = commands.add_parser("demo", help="fill the whole plan for a fictional municipality and write every draft")
    demo.add_argument("--out", type=Path, required=True, help="folder for the drafts")
    demo.add_argument("--lang", choices=document_languages(), default="en", help="language of the drafts")
    commands.add_parser("check", help="check the plan files in dialogs/ and report what is wrong")
    backup = commands.add_parser("backup", help="copy the database consistently, also while the bot runs")
    backup.add_argument("path", type=Path, help="where to write the copy")
    backup.add_argument("--db", type=Path, default=settings.database, help="the database (default: %(default)s)")
    return parser


def main(argv: list[str] | None = None) -> int:
    settings = Settings()
    args = build_parser(settings).parse_args(argv)
    try:
        plan = load_plan()
    except PlanError as error:
        print(f"The plan files have a problem: {error}", file=sys.stderr)
        return 2
    if args.command == "check":
        questions = len(plan.questions())
        print(
            f"The plan is valid: {len(plan.stages)} stages, {len(plan.steps)} steps, {questions} questions, "
            f"{len(plan.documents)} documents."
        )
        return 0
    if args.command == "backup":
        asyncio.run(_backup(args.db, args.path))
        print(f"Backup written to {args.path}")
        return 0
    if args.command == "demo":
        written, effort = asyncio.run(run_demo(plan, args.out, args.lang))
        for path in written:
            print(path)
        for stage in sorted(effort.inputs):
            name = "opening questions" if stage == 0 else f"stage {stage}"
            asked = len(effort.questions.get(stage, ()))
            print(f"{name}: {asked} questions asked, {effort.inputs[stage]} inputs typed or pressed")
        total = sum(len(q) for q in effort.questions.values())
        print(f"whole plan: {total} questions asked, {sum(effort.inputs.values())} inputs")
        return 0
    if args.command is None and settings.telegram_bot_token is not None:
        return _telegram(settings, plan)
    if args.command is None:
        print(
            "No TELEGRAM_BOT_TOKEN is set, so we talk here in the terminal "
            "(set TELEGRAM_BOT_TOKEN to run the bot on Telegram)."
        )
        args = argparse.Namespace(db=settings.database, lang=None, out=settings.output_dir)
    language = supported(args.lang or settings.language or _system_language())
    try:
        interrupted = asyncio.run(_console(plan, args.db, language, args.out))
    except KeyboardInterrupt:  # Ctrl-C before the conversation began or after it ended: nothing was in hand
        print("\n" + translator(language).gettext("Your answers are saved. Run the same command again to continue."))
        return 130
    return 130 if interrupted else 0


def _telegram(settings: Settings, plan: Plan) -> int:
    from bot.telegram.app import serve

    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    mode = "webhook" if settings.telegram_webhook_url else "long polling"
    logging.getLogger(__name__).info("starting the Telegram bot (%s)", mode)
    asyncio.run(serve(settings, plan))
    return 0


async def _backup(database: Path, target: Path) -> None:
    db = await Database.open(database)
    try:
        await db.backup(target)
    finally:
        await db.close()


def _system_language() -> str | None:
    import locale

    code, _ = locale.getlocale()
    return code


async def _console(plan: Plan, database: Path, language: str, out_dir: Path) -> bool:
    """The conversation in the terminal; True when it was stopped with Ctrl-C."""
    db = await Database.open(database)
    try:
        service = Service(Engine(plan), db)
        console = Console(service, out_dir, translator(language), line_reader(sys.stdin, "> "))
        service.drafts = DraftWorker(db, plan, console.deliver)
        await console.run()
        return console.interrupted
    finally:
        await db.close()


if __name__ == "__main__":
    sys.exit(main())
