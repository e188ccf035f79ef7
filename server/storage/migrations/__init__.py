"""Alembic migrations of the database schema (run through :mod:`server.storage.schema`, no alembic.ini needed)."""
