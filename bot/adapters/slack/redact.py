"""Mask Slack tokens by their shape in every log record, including per-workspace tokens that settings never see.

The CLI masks the secrets it knows; OAuth installs add bot tokens at run time, and slack_sdk logs whole
response bodies (oauth.v2.access included) at DEBUG level.
"""

from __future__ import annotations

import logging
import re

_TOKEN = re.compile(r"\b(xox[a-z]|xapp)-[A-Za-z0-9-]+")
_TICKET = re.compile(r"(ticket=)[A-Za-z0-9_-]+")
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def mask(text: str) -> str:
    """Replace anything shaped like a Slack token or Socket Mode ticket."""
    return _TICKET.sub(r"\1[redacted]", _TOKEN.sub(r"\1-[redacted]", text))


class SlackTokenFilter(logging.Filter):
    """A handler filter that masks Slack tokens in the message, the traceback and structured fields."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask in place; never drops a record."""
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        # Formatters print exc_text when it is set; exc_info stays for handlers that inspect the exception.
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        for key, value in list(vars(record).items()):
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, mask(value))
        return True


def install_token_filter(logger: logging.Logger | None = None) -> None:
    """Add the filter to every handler of `logger` (the root logger by default), once."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, SlackTokenFilter) for f in handler.filters):
            handler.addFilter(SlackTokenFilter())
