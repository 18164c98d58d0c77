"""The conversation in a terminal: numbered buttons, typed answers, drafts written to a folder.

It is a thin adapter over the engine, like the Telegram front end. When standard input is
not a terminal it reads one answer per line, so a script can be piped in; it stops cleanly
at the end of the input.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from bot.engine.messages import Button, Command, Event, Message, Press, Text, Upload, User
from bot.engine.service import Service
from bot.i18n import Translator
from bot.storage.records import Recipient

CONSOLE_USER_ID = 1
QUIT = {"/quit", "/exit"}


class Console:
    def __init__(
        self,
        service: Service,
        out_dir: Path,
        t: Translator,
        read_line: Callable[[], str | None],
        output: TextIO = sys.stdout,
    ) -> None:
        self.service = service
        self.out_dir = out_dir
        self.t = t
        self.read_line = read_line
        self.output = output
        self.user = User(CONSOLE_USER_ID, t.language)
        self.buttons: list[Button] = []
        self.expects = "none"
        self.prompt = ""

    async def run(self) -> None:
        await self.service.set_language(self.user, self.t.language)
        due = [m for m in await self.service.due_reminders() if m.to_user == self.user.id]
        self.show([Message(m.text, files=m.files) for m in due])  # reminders wait in the database until now
        await self.send(Command("start"))
        while (line := self.read_line()) is not None:
            line = line.strip()
            if line.lower() in QUIT:
                break
            if not line:
                continue
            for event in self.events(line):
                await self.send(event)
        self.say(self.t.gettext("Your answers are saved. Run the same command again to continue."))

    async def send(self, event: Event) -> None:
        """One event, its replies, and the drafts it asked for (made at once: nobody else is waiting here)."""
        replies = [m for m in await self.service.handle(self.user, event) if m.to_user is None and not m.to_groups]
        drafts = self.service.drafts
        if drafts is None or not drafts.woken:
            self.show(replies)
            return
        self.show(replies[:-1], keep_buttons=True)  # the news, then the drafts, then the next question
        await drafts.finish_open()
        self.show(replies[-1:])

    async def deliver(self, recipient: Recipient, message: Message) -> bool:
        """The draft worker's delivery: the person at this terminal gets the files; nobody else is here."""
        if recipient.kind == "user" and recipient.id == self.user.id:
            self.show([message], keep_buttons=True)
        return True

    def events(self, line: str) -> list[Event]:
        """`/template PATH` is the terminal's way of sending a file: the command, then the file."""
        name, _, argument = line.partition(" ")
        path = Path(argument.strip()).expanduser()
        if name == "/template" and argument.strip() and path.is_file():
            return [Command("template"), Upload(path.name, path.read_bytes())]
        return [self.event(line)]

    def event(self, line: str) -> Event:
        """A typed line as the engine's event: a command, a numbered button, or text."""
        if line.startswith("/"):
            name, _, argument = line[1:].partition(" ")
            return Command(name, argument.strip())
        if line.isdigit() and 1 <= int(line) <= len(self.buttons) and self.expects != "text":
            return Press(self.buttons[int(line) - 1].value, self.prompt)
        return Text(line)

    def show(self, messages: list[Message], keep_buttons: bool = False) -> None:
        """Print what is for this person (notices for other members or group chats have no one here)."""
        messages = [m for m in messages if m.to_user is None and not m.to_groups]
        for message in messages:
            self.say(message.text)
            for attachment in message.files:
                self.out_dir.mkdir(parents=True, exist_ok=True)
                path = self.out_dir / attachment.filename
                path.write_bytes(attachment.content)
                self.say(f"  📄 {attachment.caption}: {path}")
        if keep_buttons:  # drafts arriving after the question: the question's buttons still apply
            return
        last = messages[-1] if messages else Message("")
        self.buttons, self.expects, self.prompt = last.buttons, last.expects, last.prompt
        for number, button in enumerate(self.buttons, start=1):
            self.say(f"  {number}) {button.label}")
        if self.expects == "multi":
            self.say(
                self.t.gettext(
                    "Tick options one number at a time and then choose Done, "
                    "or type several numbers separated by commas (for example 1,3)."
                )
            )

    def say(self, text: str) -> None:
        print(text, file=self.output, flush=True)


def line_reader(stream: TextIO, prompt: str) -> Callable[[], str | None]:
    """Read answers from a terminal with a prompt, or from a pipe line by line (None at the end)."""
    interactive = stream.isatty()

    def read() -> str | None:
        if interactive:
            try:
                return input(prompt)
            except EOFError:
                return None
        line = stream.readline()
        return line.rstrip("\n") if line else None

    return read
