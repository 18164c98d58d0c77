"""twinning-bot: walks a municipality through building a town twinning and drafts its paperwork."""

__version__ = "0.1.0"
