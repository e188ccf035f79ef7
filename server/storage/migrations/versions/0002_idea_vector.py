"""idea_vector: a cache of each idea's sentence embedding, for themes (derived data, not the transcript).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a new table needs no batch mode on SQLite (nothing existing is altered)
    op.create_table(
        "idea_vector",
        sa.Column("event_id", sa.String(length=32), nullable=False),
        sa.Column("idea_id", sa.String(length=32), nullable=False),
        sa.Column("model", sa.String(length=64), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"]),
        sa.PrimaryKeyConstraint("event_id", "idea_id", "model"),
    )


def downgrade() -> None:
    op.drop_table("idea_vector")
