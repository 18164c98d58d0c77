"""A person's data and a project's data: see it (/mydata, /export), erase it (/forgetme, /deleteproject).

Forgetting a person keeps the project's documents whole: their answers stay, attributed to a
former member. Deleting a project is the coordinator's decision and needs a confirmation.
"""

from __future__ import annotations

import json
import zipfile
from io import BytesIO
from typing import TYPE_CHECKING, Any

from bot.engine.messages import Attachment, Button, Message
from bot.i18n import translator

if TYPE_CHECKING:
    from bot.engine.engine import Engine, Turn

MENUS = {"forget", "delete_project"}


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str).encode("utf-8")


async def my_data(engine: Engine, turn: Turn) -> list[Message]:
    data = await engine.store.personal_data(turn.user)
    text = turn.t.gettext("Everything I store about you, as a JSON file.")
    return [Message(text, files=[Attachment("my-data.json", _json(data), text)]), *await engine._show(turn)]


async def export(engine: Engine, turn: Turn) -> list[Message]:
    t = turn.t
    if not turn.coordinator:
        return [Message(t.gettext("Only the coordinator can do that.")), *await engine._show(turn)]
    archive = BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("project.json", _json(await engine.store.export_project(turn.project.id)))
        for draft in await engine.store.all_documents(turn.project.id):
            bundle.writestr(f"drafts/{draft.kind}_v{draft.version}_{draft.language}.{draft.format}", draft.content)
    text = t.gettext("The whole project: its data as JSON and every draft, in one ZIP file.")
    attachment = Attachment(f"project-{turn.project.id}.zip", archive.getvalue(), text)
    return [Message(text, files=[attachment]), *await engine._show(turn)]


async def ask(engine: Engine, turn: Turn, menu: str) -> list[Message]:
    if menu == "delete_project" and not turn.coordinator:
        return [Message(turn.t.gettext("Only the coordinator can do that.")), *await engine._show(turn)]
    turn.position = {"at": "menu", "menu": menu, "return": engine._resume_point(turn.position)}
    return await engine._show(turn)


async def menu(engine: Engine, turn: Turn) -> Message | None:
    t, name = turn.t, turn.position["menu"]
    if name == "forget":
        text = t.gettext(
            "Forget me: I delete your name, language, memberships, positions and reminders. Your answers stay in "
            "the projects, attributed to a former member, so the drafts stay whole. This cannot be undone."
        )
        return Message(
            text, [Button(t.gettext("Yes, forget me"), "confirm"), Button(t.gettext("No"), "no")], expects="choice"
        )
    text = t.gettext(
        "Delete the project {name} with all its answers, drafts and reminders, for every member? This cannot be "
        "undone. Use /export first to keep a copy."
    ).format(name=turn.project.name)
    return Message(
        text, [Button(t.gettext("Yes, delete the project"), "confirm"), Button(t.gettext("No"), "no")], expects="choice"
    )


async def choose(engine: Engine, turn: Turn, value: str) -> list[Message]:
    t, name = turn.t, turn.position["menu"]
    back = turn.position.get("return", {"at": "start"})
    if value != "confirm":
        turn.position = back
        return [Message(t.gettext("Nothing was changed.")), *await engine._show(turn)]
    if name == "forget":
        coordinators = [m for m in turn.members.values() if m.role == "coordinator"]
        others = [m for m in turn.members.values() if m.user_id != turn.user]
        if turn.coordinator and len(coordinators) == 1 and others:
            turn.position = back
            text = t.gettext("You are the only coordinator: make someone else coordinator first (/members).")
            return [Message(text), *await engine._show(turn)]
        await engine.store.forget_user(turn.user)
        turn.gone = True
        return [Message(t.gettext("Done: I have forgotten you. Send /start if you ever want to begin again."))]
    if not turn.coordinator:
        return [engine._not_now(turn, None)]
    others = [m for m in turn.members.values() if m.user_id != turn.user]
    await engine.store.delete_project(turn.project.id)
    turn.gone = True
    notices = [
        Message(
            translator(m.language)
            .gettext("The project {name} was deleted by its coordinator.")
            .format(name=turn.project.name),
            to_user=m.user_id,
        )
        for m in others
    ]
    return [Message(t.gettext("The project {name} is deleted.").format(name=turn.project.name)), *notices]
