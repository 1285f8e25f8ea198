"""Admin: spend per person per month against budgets, who has which role (and setting it), the audit trail."""

import streamlit as st

from routeboard.errors import Refused
from routeboard.team import access
from ui import admin
from ui.auth import guard
from ui.state import connection, error_text

who = guard("Admin")  # first: a page served without app.py still asks for sign-in (ui/auth.py)
st.title("Admin")
con = connection()
try:
    access.require(who, "manage_access")
except Refused as exc:  # the navigation hides this page from other roles; a direct call is refused here too
    st.error(error_text(exc), icon=":material/block:")
    st.stop()

st.caption(
    "Spend per person per month against their budgets, who has which role (from the secrets file, or set here), and "
    "who did what when. Months and times are UTC; a dash means unknown or not applicable (hover a column for why)."
)
spend, roles, trail = st.tabs(["Spend per person", "Roles and budgets", "Audit trail"])
with spend:
    admin.spend_section(con)
with roles:
    admin.roles_section(con, who)
with trail:
    admin.trail_section(con, who)
