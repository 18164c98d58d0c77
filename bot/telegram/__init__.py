"""The Telegram front end.

python-telegram-bot 22 moves its time periods (a flood limit's `retry_after`, timeouts) from
seconds to `timedelta`; this front end reads none of them itself and opts in to the new types
now, so no deprecated value is read anywhere (AIORateLimiter included).
"""

import os

os.environ.setdefault("PTB_TIMEDELTA", "true")
