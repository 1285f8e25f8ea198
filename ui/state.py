"""The cached database connection, cached facts and trials (per data version), and the sidebar every page shares."""

from __future__ import annotations

import functools
import json
import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb
import pandas as pd
import streamlit as st

from routeboard.errors import RouteboardError
from routeboard.present import for_page
from routeboard.providers.keys import COMMON_PROVIDERS, provider_key_set
from routeboard.secrets import scrub_text
from routeboard.settings import db_path
from routeboard.store.connection import FileLease, Pinned, open_store
from routeboard.store.lake import PREFIX as LAKE_PREFIX
from routeboard.store.lake import is_lake
from routeboard.store.version import data_version
from routeboard.team.roles import Actor, allowed, team_mode

# A page run lets go of the file this long after it ends: the person's next click usually comes within it and
# skips the opening (15-40 ms at a million attempts); a CLI run waits at most this much longer.
LINGER_S = 0.25


@st.cache_resource(show_spinner=False)
def _store(path: str) -> FileLease | Pinned:
    return open_store(path, linger_s=LINGER_S)


def store() -> FileLease | Pinned:
    """The database of this server process: a local file as a lease held only while a page run (or a run's write)
    uses it, so a CLI run on the same file works while the app is open (routeboard/store/lease.py); the shared
    store or an in-memory database as one pinned connection."""
    return _store(str(db_path()))


_held = threading.local()  # the connection this thread holds for its page run, fragment run or background work


@contextmanager
def holding() -> Iterator[duckdb.DuckDBPyConnection]:
    """Hold the database for a block (app.py wraps each page run, fragments and background threads their own
    work): ``connection()`` inside it is that connection; nested blocks share it."""
    current = getattr(_held, "con", None)
    if current is not None:
        yield current
        return
    with store().hold() as con:
        _held.con = con
        try:
            yield con
        finally:
            _held.con = None


def fragment(function=None, *, run_every=None):
    """``st.fragment`` whose reruns hold the database (a fragment rerun skips app.py, which holds it for a page
    run); the fragment reads ``connection()`` inside, never a connection passed in from an earlier run."""

    def wrap(body):
        @functools.wraps(body)
        def held_body(*args, **kwargs):
            with holding():
                return body(*args, **kwargs)

        return st.fragment(held_body, run_every=run_every)

    return wrap(function) if function is not None else wrap


def connection():
    """The connection this page run holds (see ``holding``); each page takes cursors from it. Outside a held block
    (a page script run on its own, as page tests do) the file stays open for the rest of this process's life, as
    before leases, and the log says so: the page works, only a CLI run beside it waits."""
    con = getattr(_held, "con", None)
    if con is None:
        logging.getLogger(__name__).info("the database was used outside ui.state.holding(); keeping it open")
        return store().pin()
    return con


@st.cache_data(show_spinner=False, max_entries=32)
def _facts(path: str, version: tuple, runs: tuple | None, suites: tuple | None, models: tuple | None):
    from routeboard.decide.facts import ledger_facts

    return ledger_facts(connection(), runs=runs, suites=suites, models=models)


def facts(runs=None, suites=None, models=None):
    """Scenario-free ledger facts for a selection, cached per database and data version (which covers every
    table a decision reads, so an edited bar, constraint, grader, model or judge label refreshes them)."""
    con = connection()
    return _facts(str(db_path()), data_version(con), _key(runs), _key(suites), _key(models))


# the simulated cascades' facts (store.facts.cascade_facts: ~1 s of SQL at 1M attempts), cached like the facts
@st.cache_data(show_spinner=False, max_entries=16)
def _cascade_facts(path: str, version: tuple, pairs: tuple):
    from routeboard.decide.facts import cascade_facts as simulate

    return simulate(connection(), list(pairs))


@st.cache_data(show_spinner=False, max_entries=16)
def _decision(path: str, version: tuple, scenario_key: str, level: float, method: str, cascades: bool, _scenario):
    from routeboard.decide.routes import cascade_candidates, decide

    stored = _facts(path, version, None, None, None)
    made = decide(stored, _scenario, level=level, method=method)
    if cascades:
        extra = _cascade_facts(path, version, tuple(cascade_candidates(made.ledger)))
        made = decide(stored, _scenario, level=level, method=method, cascade_rows=extra)
    return made


def decision(scenario, *, level: float = 0.95, method: str = "wilson", cascades: bool = False):
    """The decision over all stored facts under a scenario (routeboard.decide.routes.decide; with the simulated
    cascades when asked), cached per database, data version, scenario and interval options."""
    key = json.dumps(scenario.to_dict(), sort_keys=True, default=str)
    return _decision(str(db_path()), data_version(connection()), key, level, method, cascades, scenario)


SHOWN_TRIALS = 2_000  # newest trials drawn in the table
LOADED_TRIALS = 50_000  # newest trials in the downloads and the task picker; the count has them all


@dataclass(frozen=True)
class Trials:
    """The Results page's trials: how many match, the newest LOADED_TRIALS of them as stored (downloads, the task
    picker) and the newest SHOWN_TRIALS as a person reads them (formatting and sending 50,000 rows of outputs took
    seconds a visit)."""

    count: int
    rows: pd.DataFrame
    shown: pd.DataFrame


# cache_resource, not cache_data: 50,000 trials with their outputs are shared read-only instead of unpickled (and
# formatted again) on every rerun; old data versions fall out after a few entries
# (keyed on whether the person sees outputs: the core leaves them out for those who may not; _who is not hashed)
@st.cache_resource(show_spinner=False, max_entries=4)
def _trials(path: str, version: tuple, outputs: bool, runs, categories, models, outcomes, _who=None) -> Trials:
    from routeboard.browse import trial_count, trial_rows
    from ui.tables import display

    selection = dict(runs=runs, categories=categories, models=models, outcomes=outcomes)
    rows = trial_rows(connection(), **selection, limit=LOADED_TRIALS, actor=_who)
    count = trial_count(connection(), **selection) if len(rows) == LOADED_TRIALS else len(rows)
    return Trials(count, rows, display(rows.head(SHOWN_TRIALS)))


def trials(runs=None, categories=None, models=None, outcomes=None, *, who=None) -> Trials:
    """Stored trials for a selection as ``who`` may read them (newest first, routeboard.browse.trial_rows), cached
    per data version."""
    from routeboard.browse import shows_outputs

    con = connection()
    selection = (_key(runs), _key(categories), _key(models), _key(outcomes))
    return _trials(str(db_path()), data_version(con), shows_outputs(who), *selection, _who=who)


# Below this many stored attempts every page reads its data in well under a second: nothing to prepare.
WARM_FROM_ATTEMPTS = 100_000
# The warm-up waits this long after the first page's script: started at once, its ~1 s of CPU on 2 cores delayed
# that page's board (first page 3.3 s -> 2.8 s median with a wait, 1M attempts), which the browser draws within
# ~0.5 s; at 2 s it still ran when a quick visitor reached Results (1.06 s there; 0.51 s at 1 s).
WARM_AFTER_S = 1.0
_warmed: set[tuple] = set()


def warm_in_background(scenario, attempts: int, who=None) -> None:
    """Once per database and data version, read what Results and Frontier ask for first (their trials, the
    cascades of this scenario's ledger; ~1.5 s of SQL at 1M attempts) in a background thread while the user
    reads the first page, so a first visit there finds it cached (the trials as ``who`` may read them)."""
    path, version = str(db_path()), data_version(connection())
    if attempts < WARM_FROM_ATTEMPTS or (path, version) in _warmed:
        return
    _warmed.add((path, version))
    # not a daemon (a script thread is one, and its threads inherit that): an interpreter leaving mid-query
    # aborts in DuckDB; a stop waits the second or two it takes
    threading.Thread(target=_warm, args=(path, version, scenario, who), name="routeboard-warm", daemon=False).start()


def _warm(path: str, version: tuple, scenario, who) -> None:
    from routeboard.browse import shows_outputs

    time.sleep(WARM_AFTER_S)
    try:
        with holding():  # for its reads only: the file is let go of when they end
            _trials(path, version, shows_outputs(who), None, None, None, None, _who=who)  # as this person reads them
            key = json.dumps(scenario.to_dict(), sort_keys=True, default=str)
            _decision(path, version, key, 0.95, "wilson", True, scenario)  # Frontier's defaults
    except Exception:  # only a head start: the page reads the same again and shows any error itself
        logging.getLogger(__name__).debug("warming the caches failed", exc_info=True)


def _key(values) -> tuple | None:
    """A hashable cache key for an optional selection."""
    return tuple(values) if values else None


def load_secrets_into_environment() -> None:
    """Copy API keys from Streamlit secrets into the environment, where litellm reads them (never stored)."""
    try:
        secrets = dict(st.secrets)
    except Exception:  # no secrets.toml: keys come from the environment only
        return
    for key, value in secrets.items():
        if isinstance(value, str) and key.isupper():
            os.environ.setdefault(key, value)


# who may read the store's address (host, port, user name) in the sidebar: whoever maintains the store
STORE_ADDRESS_ACTION = "compact_store"


def sidebar(who: Actor | None = None) -> None:
    """The store in use (its address to admins, its kind to everyone else) and which providers have keys set."""
    with st.sidebar:
        st.caption(f"Database: {store_shown(who)}")
        keys = ", ".join(
            f"{name} {'set' if provider_key_set(p) else 'not set'}" for name, p in COMMON_PROVIDERS.items()
        )
        st.caption(f"API keys: {keys}")


def store_shown(who: Actor | None) -> str:
    """The store as this person may read it: an admin (or the local user) its address, a shared store's
    password hidden; anyone else only its kind, since host, port and user name help only whoever runs it."""
    target = str(db_path())
    if (who is None and not team_mode()) or (who is not None and allowed(who, STORE_ADDRESS_ACTION)):
        return f"`{scrub_text(target)}`"
    if is_lake(target):
        catalog = target[len(LAKE_PREFIX) :].split(":", 1)[0]
        return f"shared store (DuckLake on {_CATALOGS.get(catalog, catalog)})"
    return "in-memory DuckDB database" if target == ":memory:" else "local DuckDB file"


_CATALOGS = {"postgres": "PostgreSQL", "sqlite": "SQLite", "duckdb": "DuckDB", "mysql": "MySQL"}


def show_error(exc: Exception) -> None:
    """Show a core error in words a user can act on, naming the page's fields where the command line names flags."""
    st.error(error_text(exc))


def problem_rows(problems, with_file: bool = False) -> pd.DataFrame:
    """A file's problems as a table a page shows: (file,) line, field (a column of the file, or the page's field)
    and what is wrong, in the page's words."""
    rows = [
        {
            "file": p.file,
            "line": p.line,
            "field": for_page(p.field) if p.field else None,
            "problem": for_page(p.message),
        }
        for p in problems
    ]
    return pd.DataFrame(rows, columns=["file", "line", "field", "problem"][0 if with_file else 1 :])


def error_text(exc: Exception) -> str:
    """A core error as a page words it: each problem on a line, inputs by their fields' labels (present.for_page)."""
    problems = getattr(exc, "problems", None)
    if problems:
        return "\n".join(f"- {p.text(for_page)}" for p in problems)
    return exc.text(for_page) if isinstance(exc, RouteboardError) else str(exc)
