"""One local DuckDB file, many processes: each holds the file only while it uses it.

DuckDB lets one process at a time open a file for writing, so the app holding its connection for its whole life
refused every CLI run beside it (a nightly re-certification), and a long CLI run would lock the app out. A
``FileLease`` opens the file when its first user arrives and closes it when the last leaves (about 15-20 ms at a
million attempts); a process that finds the file held waits its turn, retrying for up to ``LOCK_WAIT_S``. The app
holds it for one page run, a run's writer for one batch (docs/design.md, "one file, many processes").

The shared store (DuckLake) and in-memory databases need none of this: ``Pinned`` keeps their one connection."""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from routeboard.errors import StoreError
from routeboard.present import said

# How long an open waits for another process to let go of the file. Writers hold it for milliseconds and a page
# run for about a second, so a minute of refusals means a process that keeps it open (an older routeboard, a
# DuckDB shell): said in the error, which names that process.
LOCK_WAIT_S = float(os.environ.get("ROUTEBOARD_LOCK_WAIT_S", "60"))
_FIRST_RETRY_S = 0.005
_LAST_RETRY_S = 0.1
# A process that holds the file back to back (the app under a stream of page runs, each lingering into the next)
# would never let go. So a process waiting for the file says so (it touches "<file>.waiting" at each retry), and
# a holder that sees a fresh signal after SHARE_AFTER_S of holding lets the file go as soon as its current users
# leave, then keeps it closed for YIELD_S: longer than a waiter's longest pause between retries (0.15 s).
SHARE_AFTER_S = 0.5
YIELD_S = 0.2
TURN_WAIT_S = 2.0
_WAITING_FRESH_S = 1.0


def _waiting_signal(path: Path) -> Path:
    return path.with_name(path.name + ".waiting")


def _say_waiting(path: Path) -> None:
    try:
        _waiting_signal(path).touch()
    except OSError:  # a read-only folder: the holder lets go only when it is idle, as without the signal
        pass


def someone_waits(path: Path) -> bool:
    """True while another process retries to open the file (its signal was touched within the last second)."""
    try:
        return time.time() - _waiting_signal(path).stat().st_mtime < _WAITING_FRESH_S
    except OSError:
        return False


def is_lock_error(exc: BaseException) -> bool:
    """True for DuckDB's "Could not set lock on file" (another process has the file open)."""
    return isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower()


def open_file(path: Path, wait_s: float = LOCK_WAIT_S) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB file, waiting up to ``wait_s`` while another process holds it."""
    deadline = time.monotonic() + wait_s
    retry_s = _FIRST_RETRY_S
    while True:
        try:
            return duckdb.connect(str(path))
        except duckdb.IOException as exc:
            if not is_lock_error(exc):
                raise StoreError(f"cannot open database {path}: {exc}") from None
            if time.monotonic() >= deadline:
                holder = str(exc).split("Conflicting lock is held in", 1)[-1].split(". See", 1)[0].strip()
                raise StoreError(
                    f"{path} stayed open in another process for {wait_s:.0f} s ({holder}); routeboard's app and "
                    "runs let go of it between uses, so this is another program or an older routeboard: close it, "
                    + said(
                        "or point --db / ROUTEBOARD_DB at another file",
                        "or start the app with ROUTEBOARD_DB at another file",
                    )
                ) from None
        except duckdb.Error as exc:
            raise StoreError(f"{path} is not a routeboard database: {exc}") from None
        _say_waiting(path)
        # jittered so two waiting processes do not retry in step
        time.sleep(retry_s * (0.5 + random.random()))
        retry_s = min(retry_s * 2, _LAST_RETRY_S)


class FileLease:
    """A local database file opened while at least one holder uses it (threads of this process share the opening,
    each through a cursor of its own) and closed when the last one leaves, so other processes get their turn."""

    def __init__(self, path: Path, *, wait_s: float = LOCK_WAIT_S, linger_s: float = 0.0):
        self.path = Path(path)
        self.wait_s = wait_s
        # The app keeps the file a moment after a page run: a person's next click (a what-if change) comes within
        # it and skips the opening; other processes wait at most this much longer.
        self.linger_s = linger_s
        self._closing: threading.Timer | None = None
        self._guard = threading.RLock()  # pin() acquires under it
        self._turn = threading.Condition(self._guard)  # new holders wait on it while the file is let go for others
        self._con: duckdb.DuckDBPyConnection | None = None
        self._by_thread: dict[int, int] = {}  # holds per thread: a thread already holding never waits for its turn
        self._opened_at = 0.0
        self._letting_go = False  # another process waits: no new holder until the current ones leave
        self._closed_until = 0.0  # ... and none until this moment, so the waiting process gets the file
        self._migrated = False
        self._pinned = False

    @contextmanager
    def hold(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor on the open file for this block; the file stays open until the last holder leaves."""
        cursor = self._acquire()
        try:
            yield cursor
        finally:
            cursor.close()
            self._release()

    @property
    def is_open(self) -> bool:
        return self._con is not None

    def pin(self) -> duckdb.DuckDBPyConnection:
        """The open file for the rest of this process's life (a caller with no block to hold it for): the file is
        never let go of again, as before leases."""
        with self._guard:
            if not self._pinned:
                self._acquire().close()  # its holder count is never given back
                self._pinned = True
            return self._con

    def _acquire(self) -> duckdb.DuckDBPyConnection:
        me = threading.get_ident()
        with self._guard:
            if not self._by_thread.get(me):
                self._wait_turn()
            if self._con is None:
                # under the guard: a second thread waits for this opening instead of racing its own
                con = open_file(self.path, self.wait_s)
                from routeboard.store.migrations import apply_migrations
                from routeboard.store.mode import check_mode

                try:
                    if not self._migrated:  # the schema is brought up to date once per process
                        apply_migrations(con)
                        self._migrated = True
                    check_mode(con)  # at every opening: the sign-in settings may have changed meanwhile
                except BaseException:
                    con.close()
                    raise
                self._con = con
                self._opened_at = time.monotonic()
            self._by_thread[me] = self._by_thread.get(me, 0) + 1
            if self._closing is not None:  # a lingering opening is used again
                self._closing.cancel()
                self._closing = None
            return self._con.cursor()

    def _wait_turn(self) -> None:
        """Before a new hold: if another process has waited while this one kept the file past SHARE_AFTER_S, let
        it go once the current holders leave and wait out YIELD_S (see SHARE_AFTER_S). Never longer than
        TURN_WAIT_S: a holder may be waiting on this very thread (a page run on its run's first write), and a
        late turn beats a deadlock."""
        give_up = time.monotonic() + TURN_WAIT_S
        while True:
            now = time.monotonic()
            if now >= give_up:
                return
            if self._letting_go or now < self._closed_until:
                until = give_up if self._letting_go else min(self._closed_until, give_up)
                self._turn.wait(timeout=until - now)
                continue
            if self._con is None or self._pinned:
                return
            if not self._others_wait():
                return
            if self._holders == 0:  # lingering: close it now
                self._let_go()
            else:
                self._letting_go = True

    def _release(self) -> None:
        me = threading.get_ident()
        with self._guard:
            self._by_thread[me] -= 1
            if not self._by_thread[me]:
                del self._by_thread[me]
            if self._holders or self._con is None:
                return
            if self._letting_go or self._others_wait():
                self._let_go()
                return
            if self.linger_s <= 0:
                self._close_if_unused()
                return
            self._closing = threading.Timer(self.linger_s, self._close_if_unused)
            self._closing.daemon = True
            self._closing.start()

    @property
    def _holders(self) -> int:
        return sum(self._by_thread.values())

    def _others_wait(self) -> bool:
        """This process has had the file SHARE_AFTER_S and another one is retrying to open it."""
        return time.monotonic() - self._opened_at >= SHARE_AFTER_S and someone_waits(self.path)

    def _let_go(self) -> None:
        """Close the file for another process's turn: new holders wait YIELD_S before opening it again."""
        if self._closing is not None:
            self._closing.cancel()
            self._closing = None
        self._con.close()
        self._con = None
        self._letting_go = False
        self._closed_until = time.monotonic() + YIELD_S
        self._turn.notify_all()

    def _close_if_unused(self) -> None:
        with self._guard:
            if self._holders == 0 and self._con is not None:
                self._con.close()
                self._con = None
            self._closing = None


class Pinned:
    """A connection kept open for the process (the shared store, an in-memory database): holding it is free."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def pin(self) -> duckdb.DuckDBPyConnection:
        return self.con

    @contextmanager
    def hold(self) -> Iterator[duckdb.DuckDBPyConnection]:
        yield self.con


Source = FileLease | Pinned | duckdb.DuckDBPyConnection


@contextmanager
def held(source: Source) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection from a lease, a pinned connection, or a plain connection (used as it is) for one block."""
    if isinstance(source, FileLease | Pinned):
        with source.hold() as con:
            yield con
    else:
        yield source
