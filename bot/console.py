"""The conversation in a terminal: numbered answers, lettered buttons, typed answers, drafts written to a folder.

It is a thin adapter over the engine, like the Telegram front end. Buttons that answer are numbered;
buttons that only move on (keep, skip, back, done, add another, other…) get a letter, so a typed number
is never mistaken for one of them, and on a question that wants text or a number, a typed number is
always the answer. When standard input is not a terminal it reads one answer per line, so a script can
be piped in; it stops cleanly at the end of the input, and Ctrl-C stops it cleanly too.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import TextIO

from bot.engine.messages import Button, Command, Event, Message, Press, Text, Upload, User
from bot.engine.service import Service
from bot.i18n import Translator
from bot.storage.records import Recipient

CONSOLE_USER_ID = 1
QUIT = {"/quit", "/exit"}
# The letters of the navigation buttons; never y, j or n, which answer yes or no ("Add another?").
LETTERS = {"keep": "k", "skip": "s", "back": "b", "done": "d", "more": "a", "add": "a", "remove": "r", "other": "o"}


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
        self.buttons: list[Button] = []  # the numbered ones: answers
        self.letters: dict[str, Button] = {}  # the lettered ones: navigation
        self.expects = "none"
        self.prompt = ""
        self.rule_shown = False
        self.reading = False
        self.interrupted = False

    async def run(self) -> None:
        """The conversation until the input ends, /quit, or Ctrl-C (which waits for the answer in hand)."""
        with self.ctrl_c():
            await self.service.set_language(self.user, self.t.language)
            due = [m for m in await self.service.due_reminders() if m.to_user == self.user.id]
            self.show([Message(m.text, files=m.files) for m in due])  # reminders wait in the database until now
            await self.send(Command("start"))
            while not self.interrupted and (line := self.read()) is not None:
                line = line.strip()
                if line.lower() in QUIT:
                    break
                if not line:
                    continue
                for event in self.events(line):
                    await self.send(event)
        self.say(self.t.gettext("Your answers are saved. Run the same command again to continue."))

    def read(self) -> str | None:
        """The next line; None at the end of the input or on Ctrl-C while waiting for it."""
        self.reading = True
        try:
            return None if self.interrupted else self.read_line()
        except KeyboardInterrupt:
            self.say("")  # off the prompt's line
            return None
        finally:
            self.reading = False

    @contextlib.contextmanager
    def ctrl_c(self) -> Iterator[None]:
        """Ctrl-C while waiting for a line stops at once; while an answer is being stored, once it is stored."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def interrupt(signum: int, frame: FrameType | None) -> None:
            self.interrupted = True
            if self.reading:
                raise KeyboardInterrupt

        previous = signal.signal(signal.SIGINT, interrupt)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)

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
        """A typed line as the engine's event: a command, a lettered or numbered button, or text.

        A number is a numbered button only where the answer is chosen; where it is typed, it is the answer.
        """
        if line.startswith("/"):
            name, _, argument = line[1:].partition(" ")
            return Command(name, argument.strip())
        if line.lower() in self.letters:
            return Press(self.letters[line.lower()].value, self.prompt)
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
        self.expects, self.prompt = last.expects, last.prompt
        self.buttons = [b for b in last.buttons if not b.navigation]
        self.letters = lettered([b for b in last.buttons if b.navigation])
        for number, button in enumerate(self.buttons, start=1):
            self.say(f"  {number}) {button.label}")
        if self.letters:
            self.say("  " + "   ".join(f"{letter}) {button.label}" for letter, button in self.letters.items()))
            if not self.rule_shown:
                self.say(self.t.gettext("(A number or text is your answer; a letter on its own presses that button.)"))
                self.rule_shown = True
        if self.expects == "multi":
            self.say(
                self.t.gettext(
                    "Tick options one number at a time and then choose Done, "
                    "or type several numbers separated by commas (for example 1,3)."
                )
            )

    def say(self, text: str) -> None:
        print(text, file=self.output, flush=True)


def lettered(buttons: list[Button]) -> dict[str, Button]:
    """Navigation buttons by letter: the usual one for its kind, else the first free letter of its label."""
    letters: dict[str, Button] = {}
    for button in buttons:
        usual = LETTERS.get(button.value, "")
        free = [c for c in usual + button.label.lower() if c.isalpha() and c.isascii() and c not in "yjn"]
        letter = next((c for c in free if c not in letters), None)
        if letter is not None:
            letters[letter] = button
    return letters


def line_reader(stream: TextIO, prompt: str) -> Callable[[], str | None]:
    """Read answers from a terminal with a prompt, or from a pipe line by line (None at the end)."""
    interactive = stream.isatty()

    def read() -> str | None:
        if interactive:
            try:
                return input(prompt)
            except EOFError:  # Ctrl-D
                print()  # off the prompt's line
                return None
        line = stream.readline()
        return line.rstrip("\n") if line else None

    return read
