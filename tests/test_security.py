"""Security: strangers see nothing of a project, invitations are unguessable, roles are enforced."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from bot.engine.messages import Command, Press, Text, User
from tests.conftest import ALPHA, BETA, SETUP, Chat, service_on
from tests.test_properties import COMMANDS


async def test_a_stranger_reads_nothing_of_another_project_through_any_command(mini_plan, store) -> None:
    engine = service_on(mini_plan, store.db)
    owner = Chat(engine, User(1, "en", "Sofie"))
    await owner.send(Command("start"), *SETUP, *ALPHA, Press("close"), *BETA, Press("close"), Press("close_stage"))
    secret_answers = ["Lindenberg", "Together", "Jeugdhuis", "Markt 1"]
    stranger = Chat(engine, User(99, "en", "Mallory"))
    seen: list[str] = []
    for name in [*COMMANDS, "export", "deleteproject", "forgetme"]:
        for argument in ("", "all", "1"):
            replies = await stranger.send(Command(name, argument))
            seen += [m.text for m in replies]
            seen += [
                f.content.decode("utf-8", "replace")
                for m in replies
                for f in m.files
                if f.filename.endswith((".json", ".md"))
            ]
            seen += [f.filename for m in replies for f in m.files]
    for forged in ("q:motto", "step:alpha", "project:1", "from:1", "member:1", "doc:profile", "remake:1", "cand:0"):
        seen += [m.text for m in await stranger.send(Press(forged, "forged"))]
    leaked = [answer for answer in secret_answers if any(answer in text for text in seen)]
    assert not leaked
    assert await store.members.role(1, 99) is None
    assert {qid for qid in await store.answers.of(1)} >= {"motto", "partners"}


async def test_invitations_are_stored_as_hashes_and_cannot_be_guessed(mini_plan, store, tmp_path: Path) -> None:
    engine = service_on(mini_plan, store.db)
    owner = Chat(engine, User(1, "en", "Sofie"))
    await owner.send(Command("start"), *SETUP, Command("invite"), Press("role:coordinator"))
    token = re.search(r"/start (\S+)", owner.text).group(1)
    assert re.fullmatch(r"[A-Za-z0-9_-]{24,}", token)  # 144 random bits, url-safe
    with sqlite3.connect(tmp_path / "twinning.db") as db:
        stored = [row[0] for row in db.execute("SELECT token_hash FROM invites")]
    assert token not in stored and len(stored[0]) == 64  # a copy of the database hands out no working link
    guesser = Chat(engine, User(5, "en"))
    for guess in (token[:-1], token[:-1] + ("A" if token[-1] != "A" else "B"), token.upper(), token + "x", ""):
        await guesser.send(Command("start", guess), Command("members"))
    assert await store.members.role(1, 5) is None
    await guesser.send(Text("anything"))
    assert await store.projects.of_user(5) and all(p.id != 1 for p, _ in await store.projects.of_user(5))
