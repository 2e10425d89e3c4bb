"""Secrets never reach the log, tracebacks included, and the exception stays on the record for other handlers."""

from __future__ import annotations

import io
import json
import logging
import sys

import pytest

from bot.adapters.slack.redact import SlackTokenFilter
from bot.logs import JsonFormatter, RedactSecrets, TextFormatter

SECRET = "hunter2-discord-token"
SLACK_TOKEN = "xoxb-1234-5678-abcdef"


def record_with_secrets() -> logging.LogRecord:
    try:
        raise RuntimeError(f"login failed with {SECRET} and {SLACK_TOKEN}")
    except RuntimeError:
        logger = logging.getLogger("factbot.test")
        return logger.makeRecord("factbot.test", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())


@pytest.mark.parametrize("formatter", [JsonFormatter(), TextFormatter()], ids=["json", "text"])
def test_tracebacks_are_masked_by_both_filters_whatever_the_format(formatter: logging.Formatter) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(RedactSecrets([SECRET]))
    handler.addFilter(SlackTokenFilter())
    record = record_with_secrets()
    handler.handle(record)
    written = stream.getvalue()
    assert "RuntimeError: login failed" in written
    assert SECRET not in written and SLACK_TOKEN not in written
    assert record.exc_info is not None, "other handlers (and tests) still see the exception itself"


def test_the_json_trace_is_the_masked_one() -> None:
    record = record_with_secrets()
    RedactSecrets([SECRET]).filter(record)
    SlackTokenFilter().filter(record)
    trace = json.loads(JsonFormatter().format(record))["trace"]
    assert "[redacted]" in trace and SECRET not in trace and SLACK_TOKEN not in trace
