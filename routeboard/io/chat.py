"""Chat messages as OpenAI fine-tuning files and gateways log them, split into the prompt and the reply.

``[{"role": "system"|"user"|"assistant"|"tool", "content": ...}, ...]``: the messages up to the last user turn
are the task; one assistant message after it is the production model's output. Content is text, or a list of
text parts (``[{"type": "text", "text": ...}]``, OpenAI's multi-part form); images and audio are refused.
"""

from __future__ import annotations

from typing import NamedTuple

from routeboard.errors import Problems

ROLES = ("system", "user", "assistant", "tool")
# OpenAI's newer name for the system message: stored as "system", which every provider understands
ALIASES = {"developer": "system"}
MAX_MESSAGE_BYTES = 2 * 1024 * 1024  # one message over 2 MB is a pasted file, not a prompt a model is sent
_TEXT_PARTS = ("text", "input_text", "output_text")


class Chat(NamedTuple):
    """A logged chat: the prompt a model was given and, when logged, the assistant's reply."""

    prompt: list[dict[str, str]]
    output: str | None


def text_content(content) -> str:
    """A message's content as text; raises ValueError saying why it is not text."""
    if isinstance(content, str):
        return content
    if isinstance(content, list) and content:
        parts = []
        for part in content:
            kind = part.get("type") if isinstance(part, dict) else type(part).__name__
            if kind not in _TEXT_PARTS or not isinstance(part.get("text"), str):
                raise ValueError(f"non-text content ({kind!r} part): only text can be imported")
            parts.append(part["text"])
        return "\n".join(parts)
    if content is None:
        raise ValueError("message has no text content (a tool call or an empty message)")
    raise ValueError(f"non-text content ({type(content).__name__}): only text can be imported")


def too_large(text: str, line: int | None, field: str, problems: Problems) -> bool:
    """Note a text over the per-message limit; True when it is too large."""
    size = len(text.encode("utf-8", errors="replace"))
    if size <= MAX_MESSAGE_BYTES:
        return False
    problems.add(
        line,
        field,
        f"too large: {size / 1024 / 1024:.1f} MB in one message, over the {MAX_MESSAGE_BYTES // 1024 // 1024} MB "
        "limit per message; shorten it or leave this line out",
    )
    return True


def split_chat(messages, line: int | None, problems: Problems, field: str = "messages") -> Chat | None:
    """The prompt (up to the last user message) and the reply after it, or None after noting each problem."""
    if not isinstance(messages, list) or not messages:
        problems.add(line, field, "no prompt: messages must be a non-empty list of {role, content}")
        return None
    clean, ok = [], True
    for index, message in enumerate(messages):
        where = f"{field}[{index}]"
        if not isinstance(message, dict):
            problems.add(line, where, "each message must be an object with role and content")
            ok = False
            continue
        role = ALIASES.get(message.get("role"), message.get("role"))
        if role not in ROLES:
            known = ", ".join([*ROLES, *ALIASES])
            problems.add(line, f"{where}.role", f"unknown role {role!r} (known: {known})")
            ok = False
            continue
        try:
            text = text_content(message.get("content"))
        except ValueError as exc:
            problems.add(line, f"{where}.content", str(exc))
            ok = False
            continue
        if too_large(text, line, f"{where}.content", problems):
            ok = False
            continue
        clean.append({"role": role, "content": text})
    if not ok:
        return None
    users = [i for i, m in enumerate(clean) if m["role"] == "user"]
    if not users:
        problems.add(line, field, "no prompt: the chat has no user message")
        return None
    after = clean[users[-1] + 1 :]
    if len(after) > 1 or (after and after[0]["role"] != "assistant"):
        roles = ", ".join(m["role"] for m in after)
        problems.add(line, field, f"after the last user message only one assistant reply may follow; got {roles}")
        return None
    return Chat(clean[: users[-1] + 1], after[0]["content"] if after else None)
