"""AMI wire framing as Asterisk 22 writes it (``Key: value\\r\\n`` lines, empty line ends)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

BANNER = "Asterisk Call Manager/11.0.0\r\n"
Fields = list[tuple[str, str]]


def render(fields: Iterable[tuple[str, str]]) -> str:
    """One message. A value ending in a bare ``\\n`` keeps it (PJSIP errors do, ami-03); a
    field with an empty name is a bare line (GetConfig's ``No categories found``)."""
    lines = (f"{key}: {value}\r\n" if key else f"{value}\r\n" for key, value in fields)
    return "".join(lines) + "\r\n"


def parse_message(text: str) -> dict[str, str]:
    """Headers of one client message; the first occurrence of a header wins, like astman."""
    return parse_lines(text.replace("\r\n", "\n").split("\n"))


def parse_lines(lines: Iterable[str]) -> dict[str, str]:
    """Headers from a message's lines; the first occurrence of a header wins, like astman."""
    headers: dict[str, str] = {}
    for line in lines:
        if ":" not in line:
            continue
        key, _, value = line.partition(":")
        headers.setdefault(key.strip(), value.strip())
    return headers


def canonical(headers: dict[str, str], key: str) -> str:
    """Case-insensitive header lookup (astman_get_header is case-insensitive)."""
    for name, value in headers.items():
        if name.lower() == key.lower():
            return value
    return ""


@dataclass
class Reply:
    """What an action handler answers: the response, then list events, then a Complete event."""

    response: Fields
    events: list[Fields] = field(default_factory=list)
    close: bool = False

    def text(self) -> str:
        return render(self.response) + "".join(render(e) for e in self.events)


def _with_id(first: tuple[str, str], action_id: str | None, rest: Fields) -> Fields:
    head = [first]
    if action_id is not None:
        head.append(("ActionID", action_id))
    return head + rest


def success(
    action_id: str | None, message: str | None = None, extra: Fields | None = None
) -> Reply:
    rest: Fields = [("Message", message)] if message is not None else []
    return Reply(_with_id(("Response", "Success"), action_id, rest + (extra or [])))


def error(action_id: str | None, message: str) -> Reply:
    return Reply(_with_id(("Response", "Error"), action_id, [("Message", message)]))


def event_list(
    action_id: str | None,
    message: str,
    items: list[Fields],
    complete: str,
    *,
    id_last: bool = False,
    count: int | None = None,
) -> Reply:
    """``EventList: start``, one event per item, then ``<complete>`` with ``ListItems``.

    Item fields start with ``("Event", name)``; the ActionID goes right after it, or last
    (``id_last``) for the queue and AstDB lists, as the transcripts show.
    """
    reply = Reply(
        _with_id(("Response", "Success"), action_id, [("EventList", "start"), ("Message", message)])
    )
    for item in items:
        ident: Fields = [("ActionID", action_id)] if action_id is not None else []
        reply.events.append(item + ident if id_last else item[:1] + ident + item[1:])
    done = _with_id(("Event", complete), action_id, [("EventList", "Complete")])
    reply.events.append([*done, ("ListItems", str(len(items) if count is None else count))])
    return reply
