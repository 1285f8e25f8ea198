"""Runs launched from the app: a background thread per run, never calling st.* from the worker."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import streamlit as st

from routeboard.run import Progress, RunRequest, resume_run, start_run


@dataclass
class RunHandle:
    """What the page reads while a run goes on in its thread."""

    run_id: str
    progress: Progress
    cancel: threading.Event
    thread: threading.Thread | None = None
    error: str | None = None
    done: threading.Event = field(default_factory=threading.Event)


@st.cache_resource(show_spinner=False)
def registry() -> dict[str, RunHandle]:
    """Live runs of this server process (shared by every session)."""
    return {}


def _work(handle: RunHandle, runner) -> None:
    try:
        runner.run()
    except Exception as exc:  # shown on the page, never raised into Streamlit from a thread
        handle.error = str(exc)
        handle.progress.status = "failed"
    finally:
        handle.done.set()


def launch(con, request: RunRequest | None = None, resume: str | None = None) -> RunHandle:
    """Start (or resume) a run in a background thread and return its handle."""
    cancel = threading.Event()
    runner = resume_run(con, resume, cancel=cancel) if resume else start_run(con, request, cancel=cancel)
    handle = RunHandle(runner.run_id, runner.progress, cancel)
    runner.on_progress = lambda progress: setattr(handle, "progress", progress)
    handle.thread = threading.Thread(target=_work, args=(handle, runner), name=f"run-{runner.run_id}", daemon=True)
    registry()[runner.run_id] = handle
    handle.thread.start()
    return handle
