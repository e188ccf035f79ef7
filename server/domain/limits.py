"""Documented limits (docs/protocol.md lists them). Chosen for a phone typing in a busy room."""

from __future__ import annotations

TITLE_MAX = 200
TABLES_MAX = 500
TABLE_NAME_MAX = 60
NAME_MAX = 40
IDEA_MAX = 500
STEP_TEXT_MAX = 2000
STEP_DURATION_MAX_S = 24 * 3600
CLIENT_ID_MAX = 64

# A participant may submit at most IDEAS_PER_WINDOW ideas in any IDEA_WINDOW_MS.
IDEAS_PER_WINDOW = 12
IDEA_WINDOW_MS = 60_000

# Largest websocket or HTTP command body accepted, in bytes.
MESSAGE_MAX_BYTES = 64 * 1024  # room for an uploaded script; ideas are far smaller
