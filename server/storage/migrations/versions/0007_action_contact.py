"""action_contact: emails participants shared with their action group (personal data, not in the transcript).

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a new table needs no batch mode on SQLite (nothing existing is altered)
    op.create_table(
        "action_contact",
        sa.Column("event_id", sa.String(length=32), nullable=False),
        sa.Column("participant_id", sa.String(length=32), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"]),
        sa.PrimaryKeyConstraint("event_id", "participant_id"),
    )


def downgrade() -> None:
    op.drop_table("action_contact")
