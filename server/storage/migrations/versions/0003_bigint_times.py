"""Times as BIGINT: epoch milliseconds do not fit PostgreSQL's 32-bit INTEGER.

SQLite's INTEGER is already 64-bit, so there the columns only change their declared type.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

COLUMNS = {
    "event": ["created_at"],
    "entry": ["at"],
    "token": ["created_at", "expires_at"],
    "participant": ["joined_at"],
    "idea": ["at"],
}


def upgrade() -> None:
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.alter_column(column, type_=sa.BigInteger(), existing_type=sa.Integer())


def downgrade() -> None:
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.alter_column(column, type_=sa.Integer(), existing_type=sa.BigInteger())
