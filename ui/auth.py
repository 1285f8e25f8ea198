"""Who is using the app: local single-user mode, or a person signed in with Streamlit's OpenID Connect (st.login),
mapped to a role by the core (routeboard.team.access; docs/design.md, "A team's routeboard")."""

from __future__ import annotations

import runpy
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from routeboard.errors import Refused, RouteboardError
from routeboard.store.mode import check_mode
from routeboard.team import access, audit
from routeboard.team.access import Actor
from ui.state import connection, show_error

ROOT = Path(__file__).resolve().parents[1]  # pages by absolute path, so any script (a test's too) can list them
ACTOR_KEY = "actor"  # session state: the Actor of the current run, for pages that pass it to the core
_SIGNED_IN_KEY = "audited_sign_in"  # session state: the user whose sign-in this session already audited


@dataclass(frozen=True)
class PageEntry:
    """One page of the navigation and the action a person must be allowed to open it."""

    path: str
    title: str
    icon: str
    action: str


# In the order of the navigation. Models is for those who run models (read-only below admin: the page's forms
# are checked in the core under manage_models).
PAGES = (
    PageEntry("pages/overview.py", "Overview", ":material/dashboard:", "view"),
    PageEntry("pages/suites.py", "Suites", ":material/list_alt:", "upload_suite"),
    PageEntry("pages/imports.py", "Results import", ":material/upload_file:", "import_results"),
    PageEntry("pages/models.py", "Models", ":material/memory:", "launch_run"),
    PageEntry("pages/run.py", "Run", ":material/play_circle:", "launch_run"),
    PageEntry("pages/review.py", "Review", ":material/rate_review:", "review"),
    PageEntry("pages/results.py", "Results", ":material/table_view:", "view"),
    PageEntry("pages/frontier.py", "Frontier", ":material/scatter_plot:", "view"),
    PageEntry("pages/whatif.py", "What-if", ":material/tune:", "play_whatif"),
    PageEntry("pages/report.py", "Report", ":material/summarize:", "view"),
    PageEntry("pages/admin.py", "Admin", ":material/admin_panel_settings:", "manage_access"),
)


def current_actor(con) -> Actor:
    """The person using this run of the app; in team mode an anonymous visitor gets the sign-in screen only."""
    try:
        return _current_actor(con)
    except RouteboardError as exc:  # an unreadable secrets file or a bad rule in it: say so, show nothing else
        st.session_state.pop(ACTOR_KEY, None)
        show_error(exc)
        st.stop()


def _current_actor(con) -> Actor:
    if not access.team_mode():
        check_mode(con)  # the sign-in settings gone while the app runs: a team's store still refuses it
        with st.sidebar:
            st.caption("Local single-user mode: no sign-in configured (see README, Team deployment)")
        return _remember(access.LOCAL)
    if not st.user.get("is_logged_in", False):
        _sign_in_screen()
    user_id = st.user.get("email") or st.user.get("sub")
    groups = st.user.get("groups") or ()
    actor = access.actor_for(con, user_id, st.user.get("name"), tuple(groups) if isinstance(groups, list) else ())
    if st.session_state.get(_SIGNED_IN_KEY) != actor.user_id:
        _audit_sign_in(con, actor)
        st.session_state[_SIGNED_IN_KEY] = actor.user_id
    with st.sidebar:
        st.caption(f"Signed in as {actor.name} ({actor.role})")
        st.button("Sign out", key="sign_out", on_click=st.logout, icon=":material/logout:")
    return _remember(actor)


def _audit_sign_in(con, who: Actor) -> None:
    """One sign_in row per sign-in at the identity provider: a reload or a URL typed in opens a new Streamlit
    session with the same identity cookie, which is not a new sign-in."""
    signed_in_at = st.user.get("auth_time") or st.user.get("iat")  # seconds since the epoch, from the ID token
    if isinstance(signed_in_at, int | float):
        since = datetime.fromtimestamp(signed_in_at, UTC).replace(tzinfo=None)
        if not audit.trail(con, since=since, user_id=who.user_id, action="sign_in", limit=1).empty:
            return
    audit.record_now(con, who, "sign_in")


def actor() -> Actor | None:
    """The actor app.py established in this session, for pages to pass to every core action; None when app.py has
    not (the core then acts as the local user in local mode and refuses in team mode: never an unchecked admin)."""
    return st.session_state.get(ACTOR_KEY)


def act(action, *args, **kwargs):
    """Call a core action as this session's person; a refusal (or any error a user can act on) is shown in one
    line and ends the page's run, so nothing after it runs as if the action had happened."""
    try:
        return action(*args, actor=actor(), **kwargs)
    except RouteboardError as exc:
        show_error(exc)
        st.stop()


def sees_content() -> bool:
    """Whether this session's person may see task inputs and outputs (the content_roles setting): pages that show
    prompts, expected answers or outputs draw them only then (docs/design.md, "A team's deployment")."""
    who = actor()
    if who is None:
        return not access.team_mode()
    return may(who, "see_content")


def may(who: Actor, action: str) -> bool:
    """Whether the core allows ``who`` to perform ``action`` (the rule lives in routeboard.team.access)."""
    return access.allowed(who, action)


def may_not(who: Actor, action: str) -> str:
    """Why ``who`` may not perform ``action``, in the core's words ("" when they may)."""
    try:
        access.require(who, action)
    except Refused as exc:
        return str(exc)
    return ""


def navigation(who: Actor) -> list:
    """Every page, those this person may not use hidden from the menu (their URL still answers, with a refusal)."""
    return [
        st.Page(
            ROOT / entry.path,
            title=entry.title,
            icon=entry.icon,
            default=entry is PAGES[0],
            visibility="visible" if may(who, entry.action) else "hidden",
        )
        for entry in PAGES
    ]


def run_page(page, who: Actor) -> None:
    """Run the chosen page, or, for a page this person's role may not use (opened by its URL), say why and run
    nothing of it."""
    entry = next((e for e in PAGES if e.title == page.title), None)
    if entry is None or may(who, entry.action):
        page.run()
        return
    _refuse(entry, who)


def _refuse(entry: PageEntry, who: Actor) -> None:
    st.title(entry.title)
    try:
        access.require(who, entry.action)
    except Refused as exc:
        st.error(f"{entry.title} is not available to you: {exc}", icon=":material/block:")


def guard(title: str) -> Actor:
    """The first line of every page script: the person using it, checked even when the page runs without app.py.

    Until a script calls st.navigation, Streamlit serves the pages/ folder itself, so a fresh server's first visit
    by a page's URL runs that page alone: no sign-in, no role check. Then this does what app.py does (the sign-in
    screen for an anonymous visitor, which also ends that mode) and refuses a role that may not use the page.
    After app.py it costs a dictionary look-up."""
    if PagesManager.uses_pages_directory:
        # Served from the pages/ folder (a fresh server's first visit by a page's URL, e.g. a shared What-if
        # link): run app.py instead, whose st.navigation ends that mode, draws the real sidebar and runs this
        # page again through the router (sign-in and role checks included); this bare run then stops.
        runpy.run_path(str(ROOT / "app.py"), run_name="__main__")
        st.stop()
    who = actor()
    if who is None:
        who = current_actor(connection())
    entry = next((e for e in PAGES if e.title == title), None)
    if entry is not None and not may(who, entry.action):
        _refuse(entry, who)
        st.stop()
    return who


def _sign_in_screen() -> None:
    """Team mode without a signed-in user: only the sign-in button, nothing of the data."""
    st.session_state.pop(ACTOR_KEY, None)  # a signed-out person's role must not outlive their sign-out
    # A navigation of one hidden page, not a bare st.stop(): until a script calls st.navigation, Streamlit serves
    # the pages/ folder itself (every page by URL, app.py bypassed), so an anonymous visit must end that mode too.
    st.navigation([st.Page(_sign_in_page, title="Sign in", url_path="sign-in", default=True)], position="hidden").run()
    st.stop()


def _sign_in_page() -> None:
    st.title("routeboard")
    st.write("This routeboard is shared by a team: sign in to see its results.")
    st.button("Sign in", key="sign_in", on_click=st.login, type="primary", icon=":material/login:")


def _remember(who: Actor) -> Actor:
    st.session_state[ACTOR_KEY] = who
    return who
