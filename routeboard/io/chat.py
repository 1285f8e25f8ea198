"""Chat messages as OpenAI fine-tuning files and gateways log them, split into the prompt and the reply.

``[{"role": "system"|"user"|"assistant"|"tool"|"function", "content": ...}, ...]``: the messages up to the last
user turn are the task; one assistant message after it is the production model's output. Content is text, or a
list of text parts (``[{"type": "text", "text": ...}]``, OpenAI's multi-part form); images and audio are refused.

Tool use is read as the conversation's context: a ``tool`` result (or a legacy ``function`` result) becomes a user
message saying which tool answered, and an assistant's tool call with no text becomes its call written out. The
models a task is replayed on are given no tools, and a ``tool`` message without its matching ``tool_calls`` is
refused by OpenAI's API; tool results travel in the user turn as Anthropic's API sends them.
"""

from __future__ import annotations

from typing import NamedTuple

from routeboard.errors import Problems

ROLES = ("system", "user", "assistant", "tool", "function")
TOOL_RESULTS = ("tool", "function")  # function: OpenAI's legacy function-call result, before tool_calls
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
    tools = _tool_names(messages)
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
            text = _message_text(message, role, tools)
        except ValueError as exc:
            problems.add(line, f"{where}.content", str(exc))
            ok = False
            continue
        if too_large(text, line, f"{where}.content", problems):
            ok = False
            continue
        clean.append({"role": "user" if role in TOOL_RESULTS else role, "content": text})
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


def _message_text(message: dict, role: str, tools: dict[str, str]) -> str:
    """A message's text as a model without tools can read it: a tool's result says which tool it came from, an
    assistant's tool call is written out."""
    if role in TOOL_RESULTS:
        name = message.get("name") or tools.get(str(message.get("tool_call_id")))
        heading = f"Result of tool {name}" if name else "Tool result"
        return f"{heading}:\n{text_content(message.get('content'))}"
    calls = _calls(message) if role == "assistant" else []
    if not calls:
        return text_content(message.get("content"))
    said = text_content(message["content"]) if message.get("content") else ""
    return "\n".join([*([said] if said else []), *(f"Called tool {name} with {args}" for name, args in calls)])


def _calls(message: dict) -> list[tuple[str, str]]:
    """(name, arguments) of an assistant's tool_calls, or of its legacy function_call."""
    found = message.get("tool_calls") or ([message["function_call"]] if message.get("function_call") else [])
    calls = []
    for call in found if isinstance(found, list) else []:
        function = call.get("function", call) if isinstance(call, dict) else {}
        if isinstance(function, dict) and function.get("name"):
            calls.append((str(function["name"]), str(function.get("arguments") or "{}")))
    return calls


def _tool_names(messages: list) -> dict[str, str]:
    """tool_call_id -> the tool's name, from the assistants' tool_calls (a tool result names only the call id)."""
    names = {}
    for message in messages:
        calls = message.get("tool_calls") if isinstance(message, dict) else None
        for call in calls if isinstance(calls, list) else []:
            if isinstance(call, dict) and isinstance(call.get("function"), dict) and call.get("id"):
                names[str(call["id"])] = str(call["function"].get("name") or "")
    return names
