"""invitee: the participant list, with the personal data (emails, access needs) kept apart from
the transcript, and each person's personal-link hash and RSVP; invitee_checkin: who joined with their link.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invitee",
        sa.Column("event_id", sa.String(length=32), nullable=False),
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("parts", sa.String(), nullable=False),
        sa.Column("access_needs", sa.String(length=300), nullable=True),
        sa.Column("table_id", sa.String(length=16), nullable=True),
        sa.Column("rsvp", sa.String(length=8), nullable=True),
        sa.Column("rsvp_at", sa.BigInteger(), nullable=True),
        sa.Column("link_hash", sa.String(length=64), nullable=True),
        sa.Column("link_gen", sa.Integer(), nullable=False),
        sa.Column("invited_at", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"]),
        sa.PrimaryKeyConstraint("event_id", "id"),
    )
    op.create_index("ix_invitee_link_hash", "invitee", ["link_hash"], unique=True)
    op.create_table(
        "invitee_checkin",
        sa.Column("event_id", sa.String(length=32), nullable=False),
        sa.Column("participant_id", sa.String(length=32), nullable=False),
        sa.Column("invitee_id", sa.String(length=16), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"]),
        sa.PrimaryKeyConstraint("event_id", "participant_id"),
    )


def downgrade() -> None:
    op.drop_table("invitee_checkin")
    op.drop_index("ix_invitee_link_hash", table_name="invitee")
    op.drop_table("invitee")
