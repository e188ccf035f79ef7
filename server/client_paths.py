"""Where the client's templates and static files live (``client/`` beside ``server/``)."""

from __future__ import annotations

from pathlib import Path

CLIENT_DIR = Path(__file__).resolve().parents[1] / "client"
TEMPLATES_DIR = CLIENT_DIR / "templates"
STATIC_DIR = CLIENT_DIR / "static"
LOCALE_DIR = CLIENT_DIR / "locale"  # the message catalogues: messages.pot and <lang>/LC_MESSAGES/messages.po
