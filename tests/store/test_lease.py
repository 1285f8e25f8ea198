"""One local file, many processes: a lease holds the file only while used, a process that finds it held waits its
turn, and one that waits too long is told which program keeps it (routeboard/store/lease.py)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time

import pytest

from routeboard.errors import StoreError
from routeboard.store.connection import FileLease, held, open_store
from routeboard.store.lease import open_file
from tests.conftest import ROOT


def _other_process(db, code: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """Python in another process with ``con`` open on ``db`` (as the app or a CLI run would open it)."""
    program = f"import routeboard\ncon = routeboard.connect({str(db)!r})\n" + textwrap.dedent(code)
    return subprocess.run([sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def test_between_holds_another_process_writes_the_file_and_this_one_reads_what_it_wrote(isolated_db):
    lease = open_store(isolated_db)
    assert isinstance(lease, FileLease)
    with lease.hold() as con:
        con.execute("CREATE TABLE notes (n INTEGER)")
    assert not lease.is_open

    done = _other_process(isolated_db, "con.execute('INSERT INTO notes VALUES (1), (2)')")
    assert done.returncode == 0, done.stderr

    with held(lease) as con:
        assert con.execute("SELECT sum(n) FROM notes").fetchone()[0] == 3


def test_a_process_that_finds_the_file_held_waits_for_it_and_then_writes(isolated_db):
    lease = open_store(isolated_db)
    with lease.hold() as con:
        con.execute("CREATE TABLE notes (n INTEGER)")
        # another process starts while this one holds the file (a page drawing): it waits, it is not refused
        other = subprocess.Popen(
            [
                sys.executable,
                "-c",
                f"import routeboard; routeboard.connect({str(isolated_db)!r}).execute('INSERT INTO notes VALUES (7)')",
            ],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(2.0)
        assert other.poll() is None, "the other process waits while the file is held"
    _, err = other.communicate(timeout=60)
    assert other.returncode == 0, err
    with lease.hold() as con:
        assert con.execute("SELECT n FROM notes").fetchall() == [(7,)]


def test_a_file_kept_open_past_the_wait_gives_a_clear_error_naming_the_program(isolated_db):
    keeper = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys, time; c = duckdb.connect({str(isolated_db)!r}); print('open', flush=True); "
            "time.sleep(60)",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert keeper.stdout.readline().strip() == "open"
        started = time.monotonic()
        with pytest.raises(StoreError) as refused:
            open_file(isolated_db, wait_s=1.0)
        assert 1.0 <= time.monotonic() - started < 10
        said = str(refused.value)
        assert "stayed open in another process for 1 s" in said and str(keeper.pid) in said
        assert "point --db / ROUTEBOARD_DB at another file" in said
    finally:
        keeper.kill()
        keeper.wait()


def test_threads_share_one_opening_and_the_file_is_let_go_when_the_last_leaves(isolated_db):
    lease = FileLease(isolated_db)
    with lease.hold() as con:
        con.execute("CREATE TABLE ticks (thread INTEGER, i INTEGER)")
    entered, release = threading.Barrier(3), threading.Event()

    def work(number: int) -> None:
        with lease.hold() as con:
            entered.wait(timeout=10)
            for i in range(50):
                con.execute("INSERT INTO ticks VALUES (?, ?)", [number, i])
            release.wait(timeout=10)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    entered.wait(timeout=10)
    assert lease.is_open
    release.set()
    for thread in threads:
        thread.join(timeout=10)
    assert not lease.is_open
    done = _other_process(isolated_db, "print(con.execute('SELECT count(*) FROM ticks').fetchone()[0])")
    assert done.stdout.strip() == "100", done.stderr


def test_a_lease_on_a_new_file_creates_routeboards_tables(tmp_path):
    lease = open_store(tmp_path / "new" / "routeboard.duckdb")
    with lease.hold() as con:
        tables = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert {"runs", "attempts", "trials", "suites"} <= tables


def test_a_lingering_lease_is_used_again_within_the_moment_and_let_go_after_it(isolated_db):
    lease = FileLease(isolated_db, linger_s=0.3)
    with lease.hold() as con:
        con.execute("CREATE TABLE notes (n INTEGER)")
    assert lease.is_open  # the next click comes within the moment
    with lease.hold() as con:
        con.execute("INSERT INTO notes VALUES (1)")
    started = time.monotonic()
    done = _other_process(isolated_db, "print(con.execute('SELECT count(*) FROM notes').fetchone()[0])")
    assert done.returncode == 0 and done.stdout.strip() == "1", done.stderr  # waited for the moment, then read
    assert time.monotonic() - started < 30
    assert not lease.is_open


def _busy_app(db, seconds: float) -> subprocess.Popen:
    """Another process using the file as a busy app does: one hold after another, each lingering into the next."""
    program = textwrap.dedent(f"""
        import time
        from routeboard.store.connection import FileLease
        lease = FileLease({str(db)!r}, linger_s=0.25)
        stop_at = time.monotonic() + {seconds}
        with lease.hold():
            print("holding", flush=True)
        while time.monotonic() < stop_at:
            with lease.hold() as con:
                con.execute("SELECT 1").fetchall()
                time.sleep(0.05)
    """)
    busy = subprocess.Popen([sys.executable, "-c", program], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert busy.stdout.readline().strip() == "holding"
    return busy


def test_a_process_holding_back_to_back_still_gives_a_waiting_process_its_turn(isolated_db):
    busy = _busy_app(isolated_db, seconds=20)
    try:
        for _ in range(3):
            started = time.monotonic()
            open_file(isolated_db, wait_s=10).close()  # it never lets go of its own accord: it must share
            assert time.monotonic() - started < 3
            time.sleep(0.6)
    finally:
        busy.kill()
        busy.wait()


def test_with_nobody_waiting_back_to_back_holds_keep_one_opening(isolated_db):
    lease = FileLease(isolated_db, linger_s=0.25)
    with lease.hold() as con:
        first = con.execute("SELECT 42").fetchone()
        opening = lease._con
    stop_at = time.monotonic() + 1.5  # past SHARE_AFTER_S: letting go is only for a process that waits
    while time.monotonic() < stop_at:
        with lease.hold() as con:
            assert con.execute("SELECT 42").fetchone() == first
            time.sleep(0.05)
    assert lease._con is opening  # never closed and opened again: no page run paid for a turn nobody asked for
