"""The Admin page's sections: spend per person per month against budgets, effective roles (and setting them), the
audit trail. Every figure comes from the core (routeboard.team.access, routeboard.team.audit); unknown reads as a
dash."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pandas as pd
import streamlit as st

from routeboard.errors import RouteboardError
from routeboard.present import DASH, money, words
from routeboard.team import access, audit
from routeboard.team.access import ROLES, Actor
from routeboard.team.roles import ACTIONS, READS, WORDS
from ui.state import show_error

MONTHS_SHOWN = 12
# what the trail's filter offers: sign-ins and every action that is not a read (routeboard.team.roles.ACTIONS)
AUDITED = ("sign_in", *(action for action in ACTIONS if action not in READS))
KEEP = "(unchanged)"
ALL = "(all)"
SAVED_KEY = "admin_saved"  # session state: what the last save changed, shown after the rerun that redraws


def months(now: datetime | None = None) -> list[str]:
    """The current month (UTC) and the ones before it, newest first, as YYYY-MM."""
    first = (now or datetime.now(UTC)).replace(day=1)
    found = []
    for _ in range(MONTHS_SHOWN):
        found.append(first.strftime("%Y-%m"))
        first = (first - timedelta(days=1)).replace(day=1)
    return found


def _known(value) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def spend_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """access.spend_by_person as a person reads it: money as text, unknown as a dash, over-budget rows flagged."""
    rows = []
    for row in frame.itertuples(index=False):
        spend, budget = row.spend_usd, row.budget_usd
        over = DASH if not (_known(spend) and _known(budget)) else ("over budget" if spend > budget else "within")
        left = budget - spend if _known(spend) and _known(budget) else None
        rows.append(
            {
                "person": row.user_id,
                "role": str(row.role),
                "runs": int(row.runs),
                "spend": money(spend),
                "budget": money(budget),
                "left": money(left),
                "status": over,
            }
        )
    return pd.DataFrame(rows, columns=["person", "role", "runs", "spend", "budget", "left", "status"])


def spend_section(con) -> None:
    """Spend per person in a chosen month against their monthly budget."""
    month = st.selectbox("Month (UTC)", months(), key="admin_month")
    shown = spend_rows(access.spend_by_person(con, month))
    if shown.empty:
        st.info(f"No one launched a run in {month}, and no role or budget was set here.")
        return
    over = int((shown["status"] == "over budget").sum())
    if over:
        st.warning(f"{over} {'person is' if over == 1 else 'people are'} over budget in {month}.")
    st.dataframe(
        shown,
        hide_index=True,
        key="admin_spend",
        column_config={
            "spend": st.column_config.TextColumn(
                "spend", help=f"Their launched runs' spend in the month. {DASH}: a run's spend is unknown (no price)."
            ),
            "budget": st.column_config.TextColumn(
                "monthly budget", help=f"{DASH}: no budget applies (local mode, an admin, or none configured)."
            ),
            "left": st.column_config.TextColumn("left", help=f"{DASH}: no budget applies, or the spend is unknown."),
            "status": st.column_config.TextColumn(
                "status", help=f"{DASH}: no budget applies, or the spend is unknown."
            ),
        },
    )


def role_rows(con) -> pd.DataFrame:
    """Each person the rules or an admin name: their role, the rule that gave it, and their monthly budget."""
    rules = access.effective_rules(con)
    people = {p.lower(): p for p in [*rules["users"], *rules["budgets"]]}
    for override in rules["overrides"]:
        people.setdefault(override["user_id"].lower(), override["user_id"])
    rows = []
    for person in sorted(people.values(), key=str.lower):
        role, rule = access.role_for(con, person)
        budget = access.budget_of(con, Actor(person, person, role, "oidc"))
        rows.append({"person": person, "role": role, "from": rule, "budget": money(budget)})
    return pd.DataFrame(rows, columns=["person", "role", "from", "budget"])


def roles_section(con, who: Actor) -> None:
    """The effective roles (file rules and stored overrides) and a form to set a person's role or budget."""
    if SAVED_KEY in st.session_state:
        st.success(st.session_state.pop(SAVED_KEY))
    rules = access.effective_rules(con)
    st.caption(
        f"Rules from `{rules['secrets_file']}` [routeboard.access]; a role or budget set here wins over the file. "
        f"Anyone else: {_mapping(rules['groups'], 'group')}{_mapping(rules['domains'], 'domain')}"
        f"default role {rules['default_role']}. Task inputs and outputs are shown to: "
        f"{', '.join(rules['content_roles']) or 'nobody'}."
    )
    st.dataframe(
        role_rows(con),
        hide_index=True,
        key="admin_roles",
        column_config={
            "from": st.column_config.TextColumn(
                "from", help="The rule that gave the role: set by an admin, or the file."
            ),
            "budget": st.column_config.TextColumn(
                "monthly budget", help=f"{DASH}: no budget applies (local mode, an admin, or none configured)."
            ),
        },
    )
    with st.form("admin_access", clear_on_submit=False):
        left, middle, right = st.columns(3)
        person = left.text_input("Person (e-mail or CLI user name)", key="admin_person")
        role = middle.selectbox("Role", [KEEP, *ROLES], key="admin_role")
        budget = right.number_input(
            "Monthly budget USD (empty: unchanged)", min_value=0.0, value=None, key="admin_budget"
        )
        if st.form_submit_button("Save", key="admin_save"):
            _save(con, who, person, None if role == KEEP else role, budget)


def _save(con, who: Actor, person: str, role: str | None, budget: float | None) -> None:
    try:
        access.set_access(con, person, role=role, monthly_budget_usd=budget, actor=who)
    except RouteboardError as exc:
        show_error(exc)
        return
    role_now = access.role_for(con, person.strip())[0]
    st.session_state[SAVED_KEY] = f"Saved for {person.strip()}: {role_now}, recorded in the audit trail."
    st.rerun()  # the tables above and the trail are drawn again with the change


def _mapping(rules: dict, kind: str) -> str:
    return "".join(f"{kind} {name} -> {role}; " for name, role in rules.items())


def action_words(action: str) -> str:
    """An audited action as a person reads it (the action table's words): 'launch runs', 'sign in'."""
    return WORDS.get(action) or words(action)


def trail_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """audit.trail as a person reads it: a dash where a row has no target, detail or spend."""
    shown = pd.DataFrame(
        {
            "at (UTC)": pd.to_datetime(frame["at"]).dt.strftime("%Y-%m-%d %H:%M:%S"),
            "person": frame["user_id"],
            "role": frame["role"],
            "via": frame["via"],
            "action": [action_words(a) for a in frame["action"]],
            "target": [t if _known(t) and t != "" else DASH for t in frame["target"]],
            "detail": [d if _known(d) and d != "" else DASH for d in frame["detail"]],
            "spend": [money(s) if _known(s) else DASH for s in frame["spend_usd"]],
        }
    )
    return shown


def trail_section(con, who: Actor) -> None:
    """The audit trail, filtered by person, action and date, with a CSV download (read_audit, checked in the core)."""
    left, middle, right = st.columns(3)
    person = left.text_input("Person", key="admin_trail_person").strip() or None
    action = middle.selectbox("Action", [ALL, *AUDITED], key="admin_trail_action", format_func=action_words)
    since = right.date_input(
        "Since (UTC)", value=datetime.now(UTC).date() - timedelta(days=30), key="admin_trail_since"
    )
    frame = audit.read_trail(con, since=since, user_id=person, action=None if action == ALL else action, actor=who)
    if frame.empty:
        st.info("No audited action matches these filters.")
        return
    shown = trail_rows(frame)
    st.caption(f"{len(shown)} rows, newest first (at most 500).")
    st.dataframe(
        shown,
        hide_index=True,
        key="admin_trail",
        column_config={
            "target": st.column_config.TextColumn("target", help=f"What the action was on. {DASH}: nothing named."),
            "detail": st.column_config.TextColumn(
                "detail", help=f"Settings of the action (secrets removed). {DASH}: none."
            ),
            "spend": st.column_config.TextColumn(
                "spend", help=f"Money recorded with the action. {DASH}: none recorded."
            ),
        },
    )
    st.download_button(
        "Download CSV", frame.to_csv(index=False), "routeboard-audit.csv", "text/csv", key="admin_trail_csv"
    )
