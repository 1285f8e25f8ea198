"""Hosted APIs, Ollama (``ollama_chat/``) and OpenAI-compatible servers, all through ``litellm.acompletion``."""

from __future__ import annotations

import os
import re
import time

from routeboard.domain import Model
from routeboard.errors import ProviderError
from routeboard.providers.base import Completion, GenerationSettings
from routeboard.settings import configure_litellm

# How a body that is cut short or not JSON reads once the SDK has wrapped it.
MALFORMED_MARKERS = (
    "Expecting value",
    "Unterminated string",
    "Extra data",
    "JSONDecodeError",
    "Expecting ',' delimiter",
    "Expecting property name",
    "incomplete chunked read",
    "peer closed connection",
)


# Errors that asking again cannot fix: the trial ends at once with this kind (the runner retries none of them).
NOT_RETRYABLE = ("no_key", "auth", "permission", "not_found", "bad_request")
# The same by HTTP status, for SDK wrappers that hide the class (litellm wraps a 403 as a plain APIError).
_STATUS_KINDS = {
    400: "bad_request",
    401: "auth",
    403: "permission",
    404: "not_found",
    413: "bad_request",
    422: "bad_request",
}


def classify_error(exc: BaseException) -> ProviderError:
    """Turn a litellm/OpenAI SDK exception into a ProviderError with a retry class and Retry-After."""
    message = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
    billed_input, billed_output = _billed_tokens(exc)
    return ProviderError(
        _reason(exc, message),
        kind=_kind(exc, message),
        retry_after_s=_retry_after_s(exc),
        billed_input_tokens=billed_input,
        billed_output_tokens=billed_output,
    )


def _kind(exc: BaseException, message: str) -> str:
    """The retry class of an SDK exception; the first rule that matches wins."""
    import litellm

    # The request's own faults first: a 401 or 404 is never a flaky server, however the SDK wrapped it.
    for classes, kind in (
        (litellm.AuthenticationError, "auth"),
        (litellm.PermissionDeniedError, "permission"),
        (litellm.NotFoundError, "not_found"),
        (
            (
                litellm.ContextWindowExceededError,
                litellm.BadRequestError,
                litellm.UnprocessableEntityError,
                litellm.UnsupportedParamsError,
            ),
            "bad_request",
        ),
    ):
        if isinstance(exc, classes):
            return kind
    status = getattr(exc, "status_code", None)
    if status in _STATUS_KINDS:
        return _STATUS_KINDS[status]
    if any(marker in message for marker in MALFORMED_MARKERS):
        return "malformed"
    if "Connection error" in message:  # a body dropped mid-way surfaces as a 500-ish wrapper
        return "connection"
    if isinstance(exc, litellm.RateLimitError):
        return "rate_limit"
    if isinstance(exc, litellm.Timeout) or "timeout" in type(exc).__name__.lower():
        return "timeout"
    for classes, kind in (
        (litellm.APIConnectionError, "connection"),
        ((litellm.InternalServerError, litellm.ServiceUnavailableError, litellm.APIError), "server"),
        ((ValueError, KeyError, TypeError), "malformed"),
    ):
        if isinstance(exc, classes):
            return kind
    return "connection"


def _reason(exc: BaseException, message: str) -> str:
    """A short reason a user reads on the Run page: the HTTP status and the server's words, without SDK prefixes."""
    status = getattr(exc, "status_code", None)
    text = re.sub(r"^((litellm\.)?\w*(Error|Exception)\s*[:-]\s*)+", "", message)
    head = f"{status} " if isinstance(status, int) and not text.startswith(str(status)) else ""
    return f"{head}{text}".strip() or type(exc).__name__


def missing_key_reason(model: Model) -> str | None:
    """'VAR is not set' when a hosted model lacks its API key; None when it has one or needs none."""
    if model.api_base or model.litellm_model.startswith(("ollama/", "ollama_chat/")):
        return None  # a local or OpenAI-compatible server: no key of ours is needed
    configure_litellm()  # before the catalog asks litellm about the id
    from routeboard.providers.keys import missing_keys

    missing = missing_keys(model.litellm_model)
    if not missing:
        return None
    return f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set"


def _billed_tokens(exc: BaseException) -> tuple[int, int]:
    """Tokens an error response says it used (a server that bills a failed call reports its usage); else 0, 0."""
    try:
        usage = exc.response.json().get("usage") or {}
        return max(0, int(usage.get("prompt_tokens") or 0)), max(0, int(usage.get("completion_tokens") or 0))
    except (AttributeError, TypeError, ValueError, RuntimeError):  # no response, not JSON, or a stream not read
        return 0, 0


def _retry_after_s(exc: BaseException) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None) or {}
    value = headers.get("retry-after") if hasattr(headers, "get") else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class LiteLLMProvider:
    """The litellm backend; litellm and the SDK never retry on their own (the runner owns retries)."""

    @property
    def capabilities(self):
        """Hosted APIs need their key (a local server or Ollama does not: ``missing_key_reason`` says which)."""
        from routeboard.providers.base import Capabilities

        return Capabilities(needs_api_key=True, unavailable_reason=missing_key_reason)

    def __init__(self, extra_kwargs: dict | None = None):
        """``extra_kwargs`` go to every call (benchmarks pass litellm's ``mock_response`` here)."""
        self._extra = dict(extra_kwargs or {})
        self._keys_checked: set[str] = set()
        self._module = None

    @property
    def _litellm(self):
        """litellm, imported on the first call: it takes seconds, which a page that only asks the capabilities
        (the Models page, the Run page's plan) must not spend."""
        if self._module is None:
            self._module = configure_litellm()
        return self._module

    async def complete(self, model: Model, messages: list[dict], settings: GenerationSettings) -> Completion:
        kwargs = {
            "model": model.litellm_model,
            "messages": messages,
            "temperature": settings.temperature,
            "max_tokens": settings.max_output_tokens,
            "timeout": settings.timeout_s,
            "num_retries": 0,
            "max_retries": 0,
        }
        if settings.seed is not None:
            kwargs["seed"] = settings.seed
        kwargs.update(self._extra)
        if model.api_base:
            kwargs["api_base"] = model.api_base
        if model.litellm_model.startswith("openai/") and model.api_base and not os.environ.get("OPENAI_API_KEY"):
            kwargs.setdefault("api_key", "not-needed")  # a local server takes any key; a gateway gets the user's
        if model.id not in self._keys_checked and not {"api_key", "mock_response"} & self._extra.keys():
            # a run resumed after its key was unset: say so instead of sending a call bound to fail
            reason = missing_key_reason(model)
            if reason:
                raise ProviderError(reason, kind="no_key")
            self._keys_checked.add(model.id)
        started = time.perf_counter()
        try:
            response = await self._litellm.acompletion(**kwargs)
        except Exception as exc:  # every SDK failure becomes a classified ProviderError
            raise classify_error(exc) from None
        latency_ms = (time.perf_counter() - started) * 1000
        try:
            choice = response.choices[0]
            text = choice.message.content or ""
        except (AttributeError, IndexError, TypeError) as exc:
            raise ProviderError(f"malformed response: {exc}", kind="malformed") from None
        usage = getattr(response, "usage", None)
        input_tokens = getattr(usage, "prompt_tokens", None) if usage else None
        output_tokens = getattr(usage, "completion_tokens", None) if usage else None
        estimated = not input_tokens and not output_tokens
        if estimated:
            input_tokens = self._litellm.token_counter(model=model.litellm_model, messages=messages)
            output_tokens = self._litellm.token_counter(model=model.litellm_model, text=text) if text else 0
        return Completion(
            text=text,
            input_tokens=int(input_tokens or 0),
            output_tokens=int(output_tokens or 0),
            latency_ms=latency_ms,
            tokens_estimated=estimated,
            finish_reason=getattr(choice, "finish_reason", None),
        )
