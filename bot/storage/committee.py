"""Invitations into a committee, and the group chats linked to a project."""

from __future__ import annotations

from datetime import datetime

from bot.storage.records import Invite
from bot.storage.repository import Repository


class Invites(Repository):
    def create(
        self, project_id: int, role: str, created_by: int, token_hash: str, expires_at: datetime, max_uses: int
    ) -> int:
        cursor = self.tx.execute(
            "INSERT INTO invites (token_hash, project_id, role, created_by, created_at, expires_at, max_uses)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                token_hash,
                project_id,
                role,
                created_by,
                self.tx.now(),
                expires_at.isoformat(timespec="seconds"),
                max_uses,
            ),
        )
        return int(cursor.lastrowid or 0)

    def open(self, project_id: int) -> list[Invite]:
        """Invites that can still be used: not revoked, not expired, not used up."""
        rows = self.tx.rows(
            "SELECT * FROM invites WHERE project_id = ? AND revoked_at IS NULL AND uses < max_uses"
            " AND expires_at > ? ORDER BY id",
            (project_id, self.tx.now()),
        )
        return [Invite(r["id"], r["project_id"], r["role"], r["expires_at"], r["max_uses"], r["uses"]) for r in rows]

    def revoke(self, project_id: int, invite_id: int) -> bool:
        cursor = self.tx.execute(
            "UPDATE invites SET revoked_at = ? WHERE id = ? AND project_id = ? AND revoked_at IS NULL",
            (self.tx.now(), invite_id, project_id),
        )
        return cursor.rowcount == 1

    def use(self, token_hash: str, user_id: int) -> tuple[str, Invite | None]:
        """Join a project by invite: ("joined" | "member" | "unknown" | "revoked" | "expired" | "used", invite).

        The check and the use are in the event's one transaction, so an invite with one use left
        cannot be used twice by two people pressing at the same moment.
        """
        row = self.tx.row("SELECT * FROM invites WHERE token_hash = ?", (token_hash,))
        if row is None:
            return "unknown", None
        invite = Invite(row["id"], row["project_id"], row["role"], row["expires_at"], row["max_uses"], row["uses"])
        if self.tx.members.role(invite.project_id, user_id) is not None:
            return "member", invite
        if row["revoked_at"] is not None:
            return "revoked", invite
        if row["expires_at"] <= self.tx.now():
            return "expired", invite
        if row["uses"] >= row["max_uses"]:
            return "used", invite
        self.tx.execute("UPDATE invites SET uses = uses + 1 WHERE id = ?", (invite.id,))
        self.tx.members.add(invite.project_id, user_id, invite.role)
        return "joined", invite


class Groups(Repository):
    """A group chat belongs to one project until that project's coordinator unlinks it."""

    def link(self, chat_id: int, project_id: int, user_id: int) -> int | None:
        """Link the chat to the project; when another project has it, change nothing and return that project."""
        owner = self.project_of(chat_id)
        if owner is not None and owner != project_id:
            return owner
        self.tx.execute(
            "INSERT INTO group_chats (chat_id, project_id, linked_by, linked_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (chat_id) DO NOTHING",
            (chat_id, project_id, user_id, self.tx.now()),
        )
        return None

    def unlink(self, chat_id: int, project_id: int) -> bool:
        cursor = self.tx.execute("DELETE FROM group_chats WHERE chat_id = ? AND project_id = ?", (chat_id, project_id))
        return cursor.rowcount == 1

    def project_of(self, chat_id: int) -> int | None:
        row = self.tx.row("SELECT project_id FROM group_chats WHERE chat_id = ?", (chat_id,))
        return row[0] if row else None

    def of(self, project_id: int) -> list[int]:
        return [row[0] for row in self.tx.rows("SELECT chat_id FROM group_chats WHERE project_id = ?", (project_id,))]


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")
