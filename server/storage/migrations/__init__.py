"""Alembic migrations of the database schema (run by :mod:`server.storage.schema_version`: no alembic.ini needed)."""
