"""The event's language in its transcript: events whose wall and console were set to a language other
than English before the transcript kept it (0009 put it on the event row only) get one
``event.language_set`` entry after their last, at the time of their last entry, by ``admin``; their
row and transcript then agree (exports, imports and replay read the transcript). No schema change.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    events = conn.execute(
        sa.text(
            "SELECT e.id, e.language, e.last_seq, (SELECT MAX(n.at) FROM entry n WHERE n.event_id = e.id)"
            " FROM event e WHERE e.language <> 'en' AND e.last_seq > 0"
        )
    ).all()
    for event_id, language, last_seq, last_at in events:
        payload = json.dumps({"language": language}, separators=(",", ":"), ensure_ascii=False)
        conn.execute(
            sa.text(
                "INSERT INTO entry (event_id, seq, at, kind, actor, payload)"
                " VALUES (:e, :seq, :at, 'event.language_set', 'admin', :payload)"
            ),
            {"e": event_id, "seq": last_seq + 1, "at": last_at, "payload": payload},
        )
        conn.execute(sa.text("UPDATE event SET last_seq = :seq WHERE id = :e"), {"e": event_id, "seq": last_seq + 1})


def downgrade() -> None:
    # a server before this revision cannot fold event.language_set, and entries are never taken out
    # of a transcript: refuse while any event has one (an empty database, or one without, goes down)
    held = op.get_bind().execute(sa.text("SELECT COUNT(*) FROM entry WHERE kind = 'event.language_set'")).scalar_one()
    if held:
        raise RuntimeError(
            f"{held} transcript entries are event.language_set, which revision 0009 cannot read: "
            "export those events first (wholeroom export), or stay at 0010"
        )
