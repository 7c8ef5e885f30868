"""HTTP plumbing shared by the API clients: a pooled httpx client and retries with backoff."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from connectors.base import ChannelError, Throttled

T = TypeVar("T")
ATTEMPTS = 6
MAX_WAIT_SECONDS = 60.0
_exponential = wait_exponential_jitter(multiplier=0.5, max=MAX_WAIT_SECONDS)


class ServerTrouble(ChannelError):
    """A 5xx answer: the platform's own trouble, retried like a dropped connection."""


def client(timeout: float = 30.0, headers: dict[str, str] | None = None) -> httpx.Client:
    """A pooled client; requests pass full URLs (httpx would add a slash to a base URL's path)."""
    return httpx.Client(timeout=timeout, headers={"User-Agent": "OrderHub/0.1", **(headers or {})})


def raise_for_server_trouble(response: httpx.Response) -> None:
    if response.status_code >= 500:
        raise ServerTrouble(f"{response.request.url.host} answered HTTP {response.status_code}; try again later.")


def json_body(response: httpx.Response, platform: str) -> dict:
    """The response's JSON object; anything else (an HTML error page, a cut-off body) is an error."""
    try:
        body = response.json()
    except ValueError as exc:
        raise ChannelError(f"{platform} answered something that is not JSON (HTTP {response.status_code}).") from exc
    if not isinstance(body, dict):
        raise ChannelError(f"{platform} answered JSON that is not an object (HTTP {response.status_code}).")
    return body


def _retryable(exc: BaseException) -> bool:
    """Worth waiting for here; a ban longer than we would wait is left to the next scheduled pull."""
    if isinstance(exc, Throttled):
        return exc.retry_after is None or exc.retry_after <= MAX_WAIT_SECONDS
    return isinstance(exc, ServerTrouble | httpx.TransportError)


def _wait(state: RetryCallState) -> float:
    """The platform's own hint (Retry-After, 'ban will last N seconds') when it gave one."""
    exc = state.outcome.exception() if state.outcome else None
    if isinstance(exc, Throttled) and exc.retry_after is not None:
        return min(exc.retry_after, MAX_WAIT_SECONDS)
    return _exponential(state)


def with_backoff(call: Callable[[], T], attempts: int = ATTEMPTS) -> T:
    """Run call, retrying throttling, 5xx answers and network errors with backoff."""
    retrying = Retrying(
        retry=retry_if_exception(_retryable), wait=_wait, stop=stop_after_attempt(attempts), reraise=True
    )
    try:
        return retrying(call)
    except httpx.TransportError as exc:
        raise ChannelError(f"Could not reach {exc.request.url.host}: {exc}.") from exc
