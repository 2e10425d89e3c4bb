"""Outgoing Slack calls: one Web API client setup with bounded 429 retries, and replies through response_url."""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

log = logging.getLogger(__name__)

# Two retries after a 429 and never a wait above 30 s: a reply that late is better dropped (and logged).
MAX_RATE_LIMIT_RETRIES = 2
MAX_RETRY_AFTER_SECONDS = 30
TIMEOUT_SECONDS = 10


class BoundedRateLimitRetryHandler(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's 429 handler (waits Retry-After plus jitter), refusing waits longer than a cap."""

    def __init__(
        self, max_retry_count: int = MAX_RATE_LIMIT_RETRIES, max_wait: float = MAX_RETRY_AFTER_SECONDS
    ) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        wait = _retry_after(response)
        if wait is not None and wait > self.max_wait:
            log.warning("Slack asked to wait too long; not retrying", extra={"retry_after": wait})
            return False
        return True


def _retry_after(response: HttpResponse) -> float | None:
    for name, values in response.headers.items():
        if name.lower() == "retry-after" and values:
            try:
                return float(values[0])
            except ValueError:
                return None
    return None


def retry_handlers() -> list[AsyncRetryHandler]:
    """Retry dropped connections once and 429s within bounds; everything else fails at once."""
    return [AsyncConnectionErrorRetryHandler(max_retry_count=1), BoundedRateLimitRetryHandler()]


def web_client(api_url: str, session: aiohttp.ClientSession, token: str | None = None) -> AsyncWebClient:
    """The app's Web API client; Bolt copies its base URL, session and retry handlers into every request's client."""
    return AsyncWebClient(
        token=token, base_url=api_url, session=session, timeout=TIMEOUT_SECONDS, retry_handlers=retry_handlers()
    )


async def respond(session: aiohttp.ClientSession, response_url: str, message: dict[str, Any]) -> bool:
    """Post to a response_url with the same retries; False (and a log line) if Slack did not take it."""
    client = AsyncWebhookClient(response_url, session=session, timeout=TIMEOUT_SECONDS, retry_handlers=retry_handlers())
    response = await client.send_dict(message)
    if response.status_code != 200:
        log.error(
            "Slack refused a response_url message",
            extra={"status": response.status_code, "body": str(response.body)[:200]},
        )
        return False
    return True
