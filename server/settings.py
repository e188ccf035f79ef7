"""All configuration, read from the environment (or a ``.env`` file) in one place."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"  # `wholeroom serve` on loopback sets its own port
# commit spacing (server/hub/commit.py): the longest a command waits for its commit to start, in ms
COMMIT_SPACING_MS = 8.0


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WHOLEROOM_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///data/wholeroom.db",
        validation_alias=AliasChoices("DATABASE_URL", "WHOLEROOM_DATABASE_URL"),
        description="SQLAlchemy URL. SQLite (the default) or postgresql+psycopg://...",
    )
    broker_url: str = Field(
        default="memory://",
        validation_alias=AliasChoices("BROKER_URL", "WHOLEROOM_BROKER_URL"),
        description="Where live entries are published: memory:// (one process).",
    )
    broker_prefix: str = Field(
        default="wholeroom", description="Prefix of the broker's channel names (several deployments can share a Redis)."
    )
    admin_secret: str | None = Field(
        default=None, description="Secret for /admin and POST /api/events; generated and printed once if unset."
    )
    public_url: str | None = Field(
        default=None,
        description=(
            "The address phones use (http(s)://host[:port]): QR codes, links, and the websocket's allowed "
            "origin. Required to serve beyond loopback; never taken from a request's Host header."
        ),
    )
    allowed_origins: str = Field(
        default="",
        description="More page origins allowed to open the websocket, comma-separated (https://host[:port]).",
    )
    token_ttl_days: int = Field(
        default=14, ge=0, description="How long phone and wall links stay valid after the event is closed (days)."
    )
    send_queue_max: int = Field(
        default=512, ge=8, description="Messages queued for one connection before it is closed to resume later."
    )
    send_queue_max_bytes: int = Field(
        default=1024 * 1024,
        ge=64 * 1024,
        description="Characters of JSON (bytes, for ASCII) queued for one phone before it is closed to resume later"
        " (8 times that for staff screens); a single message larger than this is still sent.",
    )
    sockets_per_token: int = Field(
        default=8, ge=1, description="Open websockets per token; one more closes the oldest (close code 4009)."
    )
    event_writes_per_s: float = Field(
        default=1000.0,
        gt=0,
        description="Commands per second that all the participants of one event may send"
        " together, per worker process (bursts of 2 s worth).",
    )
    commit_spacing_ms: float = Field(
        default=COMMIT_SPACING_MS,
        ge=0,
        le=50,
        description="While commands keep coming, an event's commits start at least this long apart (ms), so"
        " each carries several; a command after a quiet moment is committed at once. 0: each commit starts as"
        " soon as the last one ends.",
    )
    joins_per_client_per_s: float = Field(
        default=20.0,
        gt=0,
        description="Join-code lookups per second, and joins per second, from one client"
        " address, per worker process (bursts of 15 s worth).",
    )
    forwarded_allow_ips: str | None = Field(
        default=None,
        description="Proxies trusted to give the client's address in X-Forwarded-For (comma-separated, or *),"
        " for `wholeroom serve`; unset: uvicorn's FORWARDED_ALLOW_IPS, else 127.0.0.1. Per-client limits count"
        " that address.",
    )
    themes: bool = Field(
        default=True, description="Group ideas into themes live (loads a sentence-embedding model at start-up)."
    )
    themes_every_s: float = Field(
        default=3.0,
        gt=0,
        description="While ideas keep coming, themes are re-clustered at most this long after the first new idea"
        " (seconds); else half a second after the last one.",
    )
    encoder: Literal["minilm+wordllama", "minilm", "wordllama", "e5"] = Field(
        default="minilm+wordllama",
        description="The sentence-embedding model for themes (docs/themes.md); an event may choose the"
        " multilingual one (e5) for itself.",
    )
    translation: Literal["off"] = Field(
        default="off",
        description="Machine translation of ideas for the staff screens: off (the only choice today; the seam"
        " is server/encoders/translation.py, docs/themes.md 'Reading across languages').",
    )
    sqlite_synchronous: Literal["NORMAL", "FULL"] = Field(
        default="FULL",
        description="FULL: an acknowledged change survives power loss; NORMAL: only a killed process.",
    )
    smtp_host: str | None = Field(
        default=None, description="Mail server for e-mailing invitations (docs/participants.md); unset: no e-mail."
    )
    smtp_port: int = Field(default=587, ge=1, le=65535, description="The mail server's port.")
    smtp_security: Literal["starttls", "tls", "none"] = Field(
        default="starttls",
        description="starttls (port 587), tls (implicit TLS, port 465), or none (a relay on a trusted network).",
    )
    smtp_user: str | None = Field(default=None, description="Login for the mail server (none: no login).")
    smtp_password: str | None = Field(default=None, description="Password for the mail server.")
    smtp_from: str | None = Field(
        default=None, description='The invitations\' From address, e.g. "Our town <events@example.org>".'
    )

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"WHOLEROOM_PUBLIC_URL must look like http(s)://host[:port], not {value!r}")
        return value.strip().rstrip("/")

    def public_base(self) -> str:
        """The public URL, or the loopback address of a server run without one."""
        return self.public_url or DEFAULT_PUBLIC_URL

    def extra_origins(self) -> list[str]:
        return [o.strip() for o in self.allowed_origins.split(",") if o.strip()]

    def sqlite_path(self) -> Path | None:
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix) and ":memory:" not in self.database_url:
            return Path(self.database_url[len(prefix) :])
        return None
