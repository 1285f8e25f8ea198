"""The attempt writer: attempts and trial outcomes are stored as they happen, from a thread of its own, so a crash,
a cancel or a spent budget loses at most the calls in flight. Its SQL lives in routeboard/store/runs.py."""

from __future__ import annotations

import contextlib
import threading
import time

from routeboard.domain import Attempt, Trial
from routeboard.store.connection import FileLease, Source, held
from routeboard.store.lake import is_lake_connection
from routeboard.store.runs import write_batch


class AttemptWriter:
    """Persists attempts and trial outcomes from a thread of its own, as fast as the file takes them.

    The event loop only appends to a buffer; the writer takes everything buffered in one transaction, so
    under load writes batch by themselves and at rest each result lands within one write (milliseconds).
    A crash loses the calls in flight and at most the batch being written.
    """

    # Writes at most this often: each commit costs milliseconds whatever its size, and a writer that never
    # rests competes with the event loop for the GIL. A crash loses at most this window of finished calls.
    MIN_INTERVAL_S = 0.025
    # On a local file other processes wait for each write to let go of the file (store/lease.py): a longer rest
    # leaves them most of the time, at the cost of a crash losing up to this window of finished calls.
    SHARED_FILE_INTERVAL_S = 0.25

    def __init__(self, store: Source):
        self._store = store
        with held(store) as con:
            self._lake = is_lake_connection(con)  # asked once: the shared store checks each row's key
        self._interval_s = self.SHARED_FILE_INTERVAL_S if isinstance(store, FileLease) else self.MIN_INTERVAL_S
        self._attempts: list[Attempt] = []
        self._trials: list[Trial] = []
        self._cond = threading.Condition()
        self._closing = False
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._loop, name="routeboard-writer", daemon=True)
        self._last_write_s = 0.0
        self._thread.start()

    def add(self, attempts: list[Attempt] = (), trials: list[Trial] = ()) -> None:
        """Queue attempts and trials; a trial and the attempts added with it land in one transaction."""
        if self.error is not None:
            raise self.error
        with self._cond:
            self._attempts.extend(attempts)
            self._trials.extend(trials)
            self._cond.notify()

    def close(self) -> None:
        """Write what is left and stop; re-raises a write error so a run never ends as if all were stored."""
        with self._cond:
            self._closing = True
            self._cond.notify()
        self._thread.join()
        if self.error is not None:
            raise self.error

    def _take(self) -> tuple[list[Attempt], list[Trial], bool]:
        """Wait for something to write (or for close); take the whole buffer."""
        with self._cond:
            while not self._attempts and not self._trials and not self._closing:
                self._cond.wait()
            attempts, trials = self._attempts, self._trials
            self._attempts, self._trials = [], []
            return attempts, trials, self._closing

    def _loop(self) -> None:
        while True:
            wait_s = self._last_write_s + self._interval_s - time.monotonic()
            if wait_s > 0 and not self._closing:
                time.sleep(wait_s)
            attempts, trials, closing = self._take()
            if attempts or trials:
                self._last_write_s = time.monotonic()
                try:
                    with held(self._store) as con, contextlib.closing(con.cursor()) as cursor:  # a cursor per thread
                        write_batch(cursor, attempts, trials, lake=self._lake)
                except BaseException as exc:  # surfaced to the run by add() / close()
                    self.error = exc
                    return
            if closing and not attempts and not trials:
                return
