"""Who is reviewing: a reviewer's name, the acting person's own with sign-in, and who reads outputs blinded."""

from __future__ import annotations

from routeboard.errors import Refused, ReviewError
from routeboard.present import entry
from routeboard.team.access import LOCAL, Actor, allowed, resolve, team_mode


def reviewer_name(reviewer) -> str:
    """The reviewer's name, trimmed; an empty one is refused (every review is someone's)."""
    name = str(reviewer or "").strip()
    if not name:
        raise ReviewError(f"say who is reviewing: a reviewer name is needed ({entry('reviewer')})")
    return name


def reads_blinded(actor: Actor | None) -> bool:
    """Whether this person reads outputs blinded: they review them (and may see content) but may not see outputs
    beside their models (see_model_outputs). They read outputs only on the Review page and its sheets, and
    elsewhere only aggregates: even a trial's row without its output (task, model, tokens, outcome) would tell them
    which model wrote what they judged."""
    actor = resolve(actor)
    return all(allowed(actor, a) for a in ("review", "see_content")) and not allowed(actor, "see_model_outputs")


def reviewer_for(actor: Actor | None, reviewer: str | None = None) -> str:
    """Whose reviews these are. With sign-in, the acting person's, always: naming someone else is refused, so nobody
    files verdicts (which agreement counts as that person's) or holds items under another's name. Without it (one
    person's machine, where several may take turns) the name given, else the CLI's --user."""
    actor = resolve(actor)
    name = str(reviewer or "").strip()
    if team_mode():
        if name and name.casefold() != actor.user_id.casefold():
            raise Refused(
                f"{actor.name} may review only as themselves ({actor.user_id}), not as {name}: each reviewer "
                "exports, fills in and imports their own sheet"
            )
        return actor.user_id
    return reviewer_name(name or (actor.user_id if actor != LOCAL else ""))
