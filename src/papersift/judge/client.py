"""The adapter to any OpenAI-compatible chat completions endpoint, through the official SDK.

The SDK's own ``max_retries`` and ``timeout`` do the retrying: exponential back-off with jitter,
honouring ``Retry-After``, on 408, 409, 429, 5xx and time-outs. An exhausted quota comes as a 429
too; a response hook marks it not to be retried, so it is reported at once, like an invalid key.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from papersift.config import JudgeSettings
from papersift.errors import JudgeError, MissingExtraError

logger = logging.getLogger(__name__)

_NO_KEY = "no-key"
"""Sent to endpoints that need no key (local servers); the SDK insists on one."""


@dataclass(frozen=True, slots=True)
class Reply:
    """One completion's text and what it cost in tokens."""

    text: str
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int
    duration_ms: int


class RequestFailed(Exception):
    """A request that failed after the SDK's retries; its papers may be asked again."""


class StructuredOutputRejected(RequestFailed):
    """The endpoint refused the JSON-schema reply format."""


class JudgeClient:
    """Sends one pass's requests to the configured endpoint."""

    def __init__(self, settings: JudgeSettings) -> None:
        try:
            import openai
        except ImportError:
            raise MissingExtraError("The LLM judge", "judge") from None
        self.settings = settings
        key = settings.api_key.get_secret_value() if settings.api_key else None
        if key is None and settings.base_url is None:
            raise JudgeError(
                "The judge has no API key for the OpenAI endpoint.",
                "Set OPENAI_API_KEY, or point [judge] base_url at another endpoint.",
            )
        self._openai = openai
        http_client = openai.DefaultAsyncHttpxClient(event_hooks={"response": [_mark_quota]})
        self._client = openai.AsyncOpenAI(
            api_key=key or _NO_KEY,
            base_url=settings.base_url,
            max_retries=settings.max_retries,
            timeout=settings.timeout,
            http_client=http_client,
        )

    async def complete(
        self, system: str, user: str, response_format: dict[str, Any] | None, reply_limit: int
    ) -> Reply:
        """One chat completion.

        Raises:
            JudgeError: the key is invalid, access is denied or the quota is exhausted.
            StructuredOutputRejected: the endpoint does not take ``response_format``.
            RequestFailed: the request failed after the SDK's retries.
        """
        openai = self._openai
        arguments = self._arguments(system, user, response_format, reply_limit)
        started = time.monotonic()
        try:
            completion = await self._client.chat.completions.create(**arguments)
        except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
            raise _access_error(exc) from None
        except openai.RateLimitError as exc:
            if _is_quota(exc):
                raise _quota_error(exc) from None
            raise RequestFailed(f"rate limited after {self.settings.max_retries} retries") from exc
        except openai.BadRequestError as exc:
            if response_format is not None and "response_format" in str(exc).lower():
                raise StructuredOutputRejected(str(exc)) from exc
            raise RequestFailed(f"request rejected: {exc}") from exc
        except openai.APIError as exc:
            raise RequestFailed(str(exc)) from exc
        duration_ms = int((time.monotonic() - started) * 1000)
        return _reply(completion, duration_ms)

    async def aclose(self) -> None:
        """Close the connections."""
        await self._client.close()

    def _arguments(
        self, system: str, user: str, response_format: dict[str, Any] | None, reply_limit: int
    ) -> dict[str, Any]:
        settings = self.settings
        arguments: dict[str, Any] = {
            "model": settings.model,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ],
        }
        if settings.temperature is not None:
            arguments["temperature"] = settings.temperature
        if settings.max_tokens_param != "none":
            arguments[settings.max_tokens_param] = reply_limit
        if response_format is not None:
            arguments["response_format"] = response_format
        if settings.extra_body:
            arguments["extra_body"] = dict(settings.extra_body)
        logger.debug(
            "Request to %s: %d + %d characters, reply limit %d",
            settings.model,
            len(system),
            len(user),
            reply_limit,
        )
        return arguments


def _reply(completion: Any, duration_ms: int) -> Reply:
    choice = completion.choices[0] if completion.choices else None
    text = (choice.message.content or "") if choice is not None else ""
    usage = completion.usage
    prompt_tokens = getattr(usage, "prompt_tokens", 0) or 0
    completion_tokens = getattr(usage, "completion_tokens", 0) or 0
    details = getattr(usage, "prompt_tokens_details", None)
    cached = getattr(details, "cached_tokens", 0) or 0
    return Reply(
        text,
        choice.finish_reason if choice is not None else None,
        prompt_tokens,
        completion_tokens,
        cached,
        duration_ms,
    )


async def _mark_quota(response: Any) -> None:
    """Tell the SDK not to retry a 429 that reports an exhausted quota."""
    if response.status_code != 429:
        return
    await response.aread()
    if b"insufficient_quota" in response.content:
        response.headers["x-should-retry"] = "false"


def _is_quota(exc: Any) -> bool:
    if getattr(exc, "code", None) == "insufficient_quota":
        return True
    return "insufficient_quota" in str(getattr(exc, "body", "") or "")


def _access_error(exc: Any) -> JudgeError:
    return JudgeError(
        f"The judge endpoint refused the API key (HTTP {exc.status_code}).",
        "Check OPENAI_API_KEY (or [judge] api_key) and that the key may use [judge] model.",
    )


def _quota_error(exc: Any) -> JudgeError:
    return JudgeError(
        "The judge endpoint reports the account's quota is exhausted (HTTP 429).",
        "Add credit or raise the limit with the provider, or run without the judge.",
    )
