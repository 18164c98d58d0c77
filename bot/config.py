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
    telegram_api_base_url: str = Field(default="https://api.telegram.org", alias="TELEGRAM_API_BASE_URL")
    telegram_webhook_url: str | None = Field(default=None, alias="TELEGRAM_WEBHOOK_URL")
    telegram_webhook_listen: str = Field(default="0.0.0.0", alias="TELEGRAM_WEBHOOK_LISTEN")
    telegram_webhook_port: int = Field(default=8443, alias="TELEGRAM_WEBHOOK_PORT")
    telegram_webhook_path: str = Field(default="telegram", alias="TELEGRAM_WEBHOOK_PATH")
    telegram_webhook_secret: SecretStr | None = Field(default=None, alias="TELEGRAM_WEBHOOK_SECRET")
    invite_days: int = Field(default=7, ge=1, le=90, alias="TWINNING_INVITE_DAYS")
    invite_uses: int = Field(default=1, ge=1, le=100, alias="TWINNING_INVITE_USES")
    reminder_check: float = Field(default=3600, gt=0, alias="TWINNING_REMINDER_CHECK")
    telegram_timeout: float = Field(default=10, gt=0, alias="TELEGRAM_TIMEOUT")
    telegram_max_rate: float = Field(default=30, gt=0, alias="TELEGRAM_MAX_RATE")
    concurrent_updates: int = Field(default=256, ge=1, le=1024, alias="TWINNING_CONCURRENT_UPDATES")
    draft_processes: int = Field(default=1, ge=0, le=8, alias="TWINNING_DRAFT_PROCESSES")
    database: Path = Field(default_factory=default_database, alias="TWINNING_DB")
    output_dir: Path = Field(default=Path("twinning-drafts"), alias="TWINNING_OUT")
    language: str | None = Field(default=None, alias="TWINNING_LANG")
