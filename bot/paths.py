"""Where the content folders are, both in a source checkout and in an installed wheel.

In the repository `dialogs/` and `locales/` sit beside `bot/`; the wheel carries them inside
the package as `bot/_content/` (see pyproject.toml), so `pip install .` works without them.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _content(name: str) -> Path:
    installed = _PACKAGE / "_content" / name
    return installed if installed.is_dir() else _PACKAGE.parent / name


DIALOGS_DIR = _content("dialogs")
LOCALES_DIR = _content("locales")
