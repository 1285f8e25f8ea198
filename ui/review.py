"""The Review page's parts: who reviews, one blinded item, the verdict buttons with their timing, the empty states
and agreement. The queue, the claims and every rule about verdicts live in routeboard.review.queue (docs/design.md)."""

from __future__ import annotations

import hashlib
import time

import streamlit as st

from routeboard.errors import Refused, RouteboardError
from routeboard.review.queue import REJECT_REASONS, ReviewItem, left_text
from routeboard.review.record import record_review
from routeboard.team import access
from ui.auth import actor, sees_content
from ui.state import show_error

REVIEWER = "review_reviewer"  # session key: the name typed once when nobody is signed in
DONE = "review_done"  # session key: {suite_id: reviews given in this session}
NOTICE = "review_notice"  # session key: the last verdict, said once on the next item
# An item's own widgets and timers carry its token in their keys, so each item starts with no reason, note or edit:
# a widget of a fixed key keeps the browser's last value across items (one "r" would store the last reason).
ITEM_KEYS = ("review_reason", "review_note", "review_edit_text", "review_shown", "review_editing")
BLINDED = ("run_id", "suite_id", "model_id", "trial")  # columns a reviewer never sees

# a, r and e click the page's buttons; Streamlit's own shortcut parameter reserves "r" (rerun), so one capturing
# listener handles all three and keeps the "r" from rerunning; keys typed into a field are left alone
SHORTCUTS = """
<script>
if (!window.__routeboardReviewKeys) {
  window.__routeboardReviewKeys = true;
  const targets = {a: "review_accept", r: "review_reject", e: "review_edit_open"};
  window.addEventListener("keydown", (event) => {
    const key = targets[event.key];
    const typing = event.target.closest
      && event.target.closest("input:not([type=radio]):not([type=checkbox]), textarea, [contenteditable=true]");
    if (!key || typing || event.ctrlKey || event.metaKey || event.altKey) return;
    const button = document.querySelector(`.st-key-${key} button`);
    if (!button) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    button.click();
  }, true);
}
</script>
"""


def require_content() -> None:
    """Reviewing is reading task inputs and outputs: a role the content_roles setting keeps from them is told why
    and sees nothing of the queue."""
    if sees_content():
        return
    try:
        access.require(actor(), "see_content")
    except Refused as exc:
        st.error(f"Review shows task inputs and outputs: {exc}", icon=":material/block:")
    st.stop()


def reviewer_name() -> str:
    """The signed-in person (their id: with sign-in a review is always the acting person's, routeboard.review.queue),
    else the name asked once in this session (the page stops till then)."""
    signed_in = _signed_in_name()
    if signed_in:
        return signed_in
    # the name also rides in the address, so a page refresh (a new session) does not ask again; it is written back
    # on every run because the browser drops the address's parameters when the person moves between pages
    remembered = st.session_state.get(REVIEWER) or st.query_params.get("reviewer")
    if remembered:
        st.session_state[REVIEWER] = remembered
        if st.query_params.get("reviewer") != remembered:
            st.query_params["reviewer"] = remembered
        return remembered
    st.info("Your name is stored with each verdict, so agreement between reviewers can be measured.")
    name = st.text_input("Your name", key="review_name", placeholder="e.g. Dana")
    if st.button("Start reviewing", key="review_name_save", type="primary"):
        if name.strip():
            st.session_state[REVIEWER] = st.query_params["reviewer"] = name.strip()
            st.rerun()
        st.error("Type your name to start reviewing.")
    st.stop()


def whoami(reviewer: str) -> None:
    """Who the verdicts are stored under, with a way to hand the screen to someone else (not when signed in)."""
    left, right = st.columns([4, 1])
    left.caption(f"Reviewing as **{reviewer}**.")
    if not _signed_in_name() and right.button(f"Not {reviewer}?", key="review_switch", type="tertiary"):
        st.session_state.pop(REVIEWER, None)
        st.query_params.pop("reviewer", None)
        st.rerun()


def _signed_in_name() -> str | None:
    """The signed-in person's id, as the core knows them; None in local mode (nobody signs in there)."""
    who = actor()
    return who.user_id if who is not None and who.via == "oidc" else None


def suite_label(suite: dict) -> str:
    """A suite as the picker shows it: name, category, grader and how much waits."""
    return f"{suite['name']} ({suite['category']}, {suite['grader']}: {suite['pending']} waiting for review)"


def no_suites() -> None:
    """Nothing to review yet: how to make a suite people grade."""
    st.info(
        "No suite to review yet. Upload a task file with inputs only (no expected answers) on Suites and grade it "
        "by **human** (or by an LLM judge, whose verdicts people can check here), then run it on the Run page."
    )
    st.page_link("pages/suites.py", label="Upload a suite on Suites", icon=":material/list_alt:")
    st.page_link("pages/run.py", label="Go to Run", icon=":material/play_circle:")


def queue_empty(suite_id: str) -> None:
    """No item for this reviewer: all done in this session, or nothing waits."""
    given = st.session_state.get(DONE, {}).get(suite_id, 0)
    if given:
        st.success(f"All done: you gave {given} verdicts in this session. Every verdict is settled for now.")
    else:
        st.info("Nothing to review: every verdict is settled or waiting for a run.")
    st.page_link("pages/run.py", label="Run more tasks on the Run page", icon=":material/play_circle:")


def show_item(item: ReviewItem) -> None:
    """One item, blinded: the prompt, the output and the reference, never the model, tier, cost or run."""
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        st.toast(notice)
    given = st.session_state.get(DONE, {}).get(item.key.suite_id, 0)
    st.caption(
        f"Your item {item.position} of this suite · {left_text(item.remaining, item.dropped)} · "
        f"{given} given by you in this session · "
        "keys: a accept, r reject, e accept with edit"
    )
    st.markdown("**Prompt**")
    st.code(item.prompt, language=None, wrap_lines=True)
    st.markdown("**Output**")
    st.code(item.output, language=None, wrap_lines=True)
    if item.reference:
        st.markdown("**Reference answer**")
        st.code(item.reference, language=None, wrap_lines=True)
    st.html(SHORTCUTS, unsafe_allow_javascript=True)


def _token(item: ReviewItem) -> str:
    """A session key for an item that names no model (session keys reach the browser as CSS classes)."""
    key = item.key
    raw = f"{key.run_id}|{key.suite_id}|{key.task_id}|{key.model_id}|{key.trial}|{item.slot}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _shown_at(item: ReviewItem, token: str) -> float | None:
    """When this session first showed the item; None when it was first shown elsewhere (a refresh or a restart's
    reconnect finds it held already): a time on screen is measured only where the whole of it was this session's."""
    key = f"review_shown_{token}"
    if key not in st.session_state:
        st.session_state[key] = None if item.held_before else time.time()
        return None  # shown by this very run: a verdict in it (a click replayed on reconnect) was not timed here
    return st.session_state[key]


def _elapsed_ms(since: float | None) -> float | None:
    return None if since is None else (time.time() - since) * 1000


def verdict_controls(con, item: ReviewItem, reviewer: str) -> None:
    """Accept, reject with a reason, or accept with an edit; each records the time the item was on screen in this
    session (unknown, not 0, when it was not all here), and its widgets are the item's own, so each starts empty."""
    token = _token(item)
    shown_at = _shown_at(item, token)
    editing_since = st.session_state.get(f"review_editing_{token}")
    if editing_since is not None:
        _editor(con, item, reviewer, token, shown_at, editing_since)
        return
    accept, reject = st.columns(2)
    if accept.button("Accept (a)", key="review_accept", type="primary", width="stretch"):
        _record(con, item, reviewer, token, "accepted", review_ms=_elapsed_ms(shown_at))
    if accept.button("Accept with edit (e)", key="review_edit_open", width="stretch"):
        st.session_state[f"review_editing_{token}"] = time.time()
        st.session_state[f"review_edit_text_{token}"] = item.output
        st.rerun()
    with reject:
        reason = st.radio(
            "Reason to reject",
            list(REJECT_REASONS),
            index=None,
            format_func=REJECT_REASONS.get,
            horizontal=True,
            key=f"review_reason_{token}",
        )
        note = st.text_input("Note (optional)", key=f"review_note_{token}")
        if st.button("Reject (r)", key="review_reject", width="stretch"):
            if reason is None:
                st.error("Choose a reason to reject (wrong fact, missing fact, ...).")
                return
            _record(
                con,
                item,
                reviewer,
                token,
                "rejected",
                reason=reason,
                note=note or None,
                review_ms=_elapsed_ms(shown_at),
            )


def _editor(con, item: ReviewItem, reviewer: str, token: str, shown_at, editing_since: float) -> None:
    """The output in a text area; saving accepts the edited text, the time spent editing is rework."""
    edited = st.text_area("Edit the output, then save", key=f"review_edit_text_{token}", height=200)
    save, cancel = st.columns(2)
    if save.button("Save edit and accept", key="review_edit_save", type="primary", width="stretch"):
        _record(
            con,
            item,
            reviewer,
            token,
            "edited",
            edited_output=edited,
            review_ms=_elapsed_ms(shown_at),
            rework_ms=_elapsed_ms(editing_since),  # the editor opened in this session: all of it was on screen here
        )
    if cancel.button("Cancel edit", key="review_edit_cancel", width="stretch"):
        del st.session_state[f"review_editing_{token}"]
        st.rerun()


def _record(con, item: ReviewItem, reviewer: str, token: str, verdict: str, **fields) -> None:
    """Store the verdict, forget the item's timers and widgets, and move on to the next item."""
    try:
        record_review(con, item.key, reviewer, verdict, actor=actor(), **fields)
    except RouteboardError as exc:
        show_error(exc)
        return
    for name in ITEM_KEYS:
        st.session_state.pop(f"{name}_{token}", None)
    done = st.session_state.setdefault(DONE, {})
    done[item.key.suite_id] = done.get(item.key.suite_id, 0) + 1
    st.session_state[NOTICE] = f"Saved: {verdict}."
    st.rerun()


def agreement_section(con, suite_id: str) -> None:
    """Cohen's kappa between reviewers of the same items, or why it is unknown; the disagreements for a third look."""
    from routeboard.review.agreement import agreement

    st.subheader("Agreement between reviewers")
    found = agreement(con, suite_id)
    if found.kappa is None:
        st.caption(f"Kappa unknown: {found.reason} ({found.n_pairs} items reviewed twice).")
    else:
        st.metric("Cohen's kappa", f"{found.kappa:.2f}", help=f"Over {found.n_pairs} items reviewed by two people.")
    if len(found.disagreements):
        st.caption("Items the two reviewers judged differently, for a third look:")
        # blinded here too: the task and the output, never the model or run behind it
        shown = [c for c in found.disagreements.columns if c not in BLINDED]
        st.dataframe(found.disagreements[shown], hide_index=True, key="review_disagreements")
