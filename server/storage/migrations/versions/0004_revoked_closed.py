"""token.revoked_at (a removed participant's tokens) and event.closed_at (phone links expire after it).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("token") as batch:
        batch.add_column(sa.Column("revoked_at", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("event") as batch:
        batch.add_column(sa.Column("closed_at", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("event") as batch:
        batch.drop_column("closed_at")
    with op.batch_alter_table("token") as batch:
        batch.drop_column("revoked_at")
