"""Settings from the environment (and a `.env` file), read once at start-up."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_path
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_database() -> Path:
    """The database lives in the user's data directory unless TWINNING_DB or --db says otherwise."""
    return user_data_path("twinning-bot") / "twinning.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    telegram_bot_token: SecretStr | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    database: Path = Field(default_factory=default_database, alias="TWINNING_DB")
    output_dir: Path = Field(default=Path("twinning-drafts"), alias="TWINNING_OUT")
    language: str | None = Field(default=None, alias="TWINNING_LANG")
