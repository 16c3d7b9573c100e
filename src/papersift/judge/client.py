"""The adapter to any OpenAI-compatible chat completions endpoint, through the official SDK.

The SDK's own ``max_retries`` and ``timeout`` do the retrying: exponential back-off with jitter,
honouring ``Retry-After``, on 408, 409, 429, 5xx and time-outs. An exhausted quota comes as a 429
too; a response hook marks it not to be retried, so it is reported at once, like an invalid key.
Failures every request would meet stop judging at once, naming the setting to change: an
endpoint that cannot be connected to, a model it does not serve (404), a request field it
rejects (400 naming ``temperature``, the reply limit or an ``extra_body`` field).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from papersift.config import JudgeSettings
from papersift.errors import JudgeError, JudgeSetupError, MissingExtraError

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


def missing_key(settings: JudgeSettings) -> JudgeSetupError | None:
    """The error of a judge that would call OpenAI without a key, if it would."""
    if settings.api_key is not None or settings.base_url is not None:
        return None
    return JudgeSetupError(
        "The judge has no API key for the OpenAI endpoint.",
        "Set OPENAI_API_KEY, or point [judge] base_url at another endpoint.",
    )


class JudgeClient:
    """Sends one pass's requests to the configured endpoint."""

    def __init__(self, settings: JudgeSettings) -> None:
        try:
            import openai
        except ImportError:
            raise MissingExtraError("The LLM judge", "judge") from None
        self.settings = settings
        key = settings.api_key.get_secret_value() if settings.api_key else None
        missing = missing_key(settings)
        if missing is not None:
            raise missing
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
            rejected = _rejected_field(exc, arguments)
            if rejected is not None:
                raise _field_error(rejected, exc) from None
            raise RequestFailed(f"request rejected: {exc}") from exc
        except openai.NotFoundError as exc:
            raise _not_found_error(exc, self.settings) from None
        except openai.APITimeoutError as exc:
            raise RequestFailed(str(exc)) from exc
        except openai.APIConnectionError as exc:
            if _cannot_connect(exc):
                raise _unreachable_error(exc, self._client.base_url, self.settings) from None
            raise RequestFailed(str(exc)) from exc
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


_FIELD_ADVICE = {
    "temperature": 'Set [judge] temperature = "none" to send no temperature.',
    "max_tokens": 'Set [judge] max_tokens_param = "max_completion_tokens" (or "none").',
    "max_completion_tokens": 'Set [judge] max_tokens_param = "max_tokens" (or "none").',
}


_UNSUPPORTED = ("unsupported", "not supported", "unrecognized", "unknown", "not permitted")
"""Words of a 400 refusing a field as such, not one request's value (a reply limit too long)."""


def _rejected_field(exc: Any, arguments: dict[str, Any]) -> str | None:
    """The request field a 400 names as unsupported, when the configuration sent it."""
    message = _detail(exc)
    code = str(getattr(exc, "code", "") or "")
    if code not in ("unsupported_parameter", "unsupported_value") and not any(
        word in message.lower() for word in _UNSUPPORTED
    ):
        return None
    sent = [name for name in _FIELD_ADVICE if name in arguments]
    sent += list(arguments.get("extra_body") or {})
    param = getattr(exc, "param", None)
    if param in sent:
        return str(param)
    quoted = ("'{}'", '"{}"', "`{}`", ": {}")
    return next((name for name in sent if any(q.format(name) in message for q in quoted)), None)


def _field_error(name: str, exc: Any) -> JudgeSetupError:
    advice = _FIELD_ADVICE.get(name, f"Remove or change {name!r} in [judge] extra_body.")
    return JudgeSetupError(
        f"The judge endpoint rejected the parameter {name!r} (HTTP 400: {_detail(exc)}).",
        advice,
    )


def _detail(exc: Any) -> str:
    """The endpoint's own words on an error, without the SDK's "Error code: N -" prefix."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        body = body["error"]
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"]).strip().rstrip(".")
    return str(getattr(exc, "message", exc)).strip().rstrip(".")


def _not_found_error(exc: Any, settings: JudgeSettings) -> JudgeSetupError:
    return JudgeSetupError(
        f"The judge endpoint has no model {settings.model!r} or no chat completions at its "
        f"address (HTTP 404: {_detail(exc)}).",
        "Check [judge] model (for Azure, the deployment name) and that [judge] base_url is the "
        "API's root, which usually ends in /v1.",
    )


def _cannot_connect(exc: Exception) -> bool:
    """Whether the connection itself failed (refused, no such host), not a reply in progress."""
    # Named, not imported: SDK releases build on different forks of httpx.
    cause = exc.__cause__
    return cause is not None and any(t.__name__ == "ConnectError" for t in type(cause).__mro__)


def _unreachable_error(exc: Exception, base_url: object, settings: JudgeSettings) -> JudgeError:
    return JudgeError(
        f"The judge endpoint {str(base_url).rstrip('/')} cannot be reached "
        f"({exc.__cause__ or exc}), after {settings.max_retries} "
        f"{'retry' if settings.max_retries == 1 else 'retries'}.",
        "Check [judge] base_url (or OPENAI_BASE_URL) and that the server is running.",
    )
