"""Every page's address carries what it shows: the scenario (routeboard.decide.scenario_link) and the page's own
picks (category, suite, run), so any view can be shared as a link and a colleague who opens it sees the same.

A link is read when it arrives (a fresh browser, a link followed inside the app); from then on the page writes its
state back into the address on every run. Streamlit's sidebar drops the address's parameters on a move to another
page: the session keeps the scenario and the last picks, and the next page writes them again."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from routeboard.decide.scenario import Scenario
from routeboard.decide.scenario_link import is_scenario_parameter, query_from_scenario, scenario_from_query
from ui.widgets import current_scenario, set_scenario

PICKS = ("category", "suite", "run")
_WRITTEN = "address_written"  # session: the parameters this session last wrote (anything else arrived)
_PICKED = "address_picked"  # session: the last category, suite and run picked on any page


def _params() -> dict[str, list[str]]:
    return {name: st.query_params.get_all(name) for name in st.query_params}


def _arrived() -> dict[str, list[str]] | None:
    """The address's parameters when they arrived with this run (none of this session wrote them), else None."""
    params = _params()
    return params if params and params != st.session_state.get(_WRITTEN) else None


def scenario(con) -> Scenario:
    """The scenario this page works with: the session's, with a link's assumptions applied when one arrives (each
    bad value said in a warning and ignored, so a mistyped link never breaks a page)."""
    current = current_scenario(con)
    arrived = _arrived()
    if arrived is None:
        return current
    # the page's own picks and other pages' parameters (the reviewer's name) are no assumptions
    carried = {k: v for k, v in arrived.items() if is_scenario_parameter(k) or k not in (*PICKS, "reviewer")}
    if not carried:
        return current
    linked = scenario_from_query(carried, current)
    for problem in linked.problems:
        st.warning(problem)
    set_scenario(linked.scenario)
    return linked.scenario


def pick(
    name: str, key: str, options: Sequence[str], first: str | None = None, *, many: bool = False, follow: bool = True
) -> None:
    """Before the widget keyed ``key`` is drawn (a selectbox, or a multiselect with ``many``): the ``name`` a link
    that just arrived carries, else (``follow``) the last one picked on any page, else ``first``, where it is among
    ``options``; a widget already drawn in this session keeps its value."""
    arrived = _arrived() or {}
    wanted = arrived.get(name)
    if wanted is None and key in st.session_state:
        return
    if wanted is None and follow:
        wanted = st.session_state.get(_PICKED, {}).get(name)
    if wanted is None and first is not None:
        wanted = [first]
    known = [v for v in wanted or () if v in options]
    if many:
        st.session_state[key] = known
    elif known:
        st.session_state[key] = known[-1]


def keep(current: Scenario | None = None, **picks) -> None:
    """Write this page's state into the address: the scenario (``current``; None: a page that shows none) and its
    picks (a value, a list of values, or None for none). Unchanged, nothing is sent to the browser."""
    wanted: dict[str, list[str]] = {}
    if current is not None:
        wanted = {k: [v] for k, v in query_from_scenario(current).items()}
    remembered = st.session_state.setdefault(_PICKED, {})
    for name, value in picks.items():
        values = [] if value is None else [value] if isinstance(value, str) else [str(v) for v in value]
        if values:  # a filter left empty on one page clears nothing another page picked
            wanted[name] = remembered[name] = values
    st.session_state[_WRITTEN] = wanted
    if _params() != wanted:
        st.query_params.from_dict(wanted)


def link(current: Scenario | None = None, **picks) -> dict[str, list[str]]:
    """The query parameters of a page link that opens another page on this scenario (and picks)."""
    query = {k: [v] for k, v in query_from_scenario(current).items()} if current is not None else {}
    for name, value in picks.items():
        if value:
            query[name] = [value] if isinstance(value, str) else list(value)
    return query
