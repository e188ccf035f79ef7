"""All configuration, read from the environment (or a ``.env`` file) in one place."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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
        default=None, description="Base URL printed by the CLI and put in QR codes (default: the request's own)."
    )
    token_ttl_days: int = Field(
        default=14, ge=0, description="How long phone and wall links stay valid after the event is closed (days)."
    )
    send_queue_max: int = Field(
        default=512, ge=8, description="Messages queued for one connection before it is closed to resume later."
    )
    themes: bool = Field(default=True, description="Group ideas into themes live (loads a sentence-embedding model).")
    themes_every_s: float = Field(
        default=10.0, gt=0, description="How often, at most, themes are re-clustered while ideas arrive (seconds)."
    )
    encoder: Literal["minilm+wordllama", "minilm", "wordllama"] = Field(
        default="minilm+wordllama", description="The sentence-embedding model for themes (docs/themes.md)."
    )
    sqlite_synchronous: Literal["NORMAL", "FULL"] = Field(
        default="NORMAL", description="NORMAL survives a killed process; FULL also survives power loss."
    )

    def sqlite_path(self) -> Path | None:
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix) and ":memory:" not in self.database_url:
            return Path(self.database_url[len(prefix) :])
        return None
