"""The runtime core's port (``runtime.port.Asterisk``) over one call's AGI channel.

Queue membership goes through the queue applications with ``EXEC`` and their status
variables, AstDB through ``DATABASE``, functions (``TRYLOCK`` included: FastAGI runs on the
channel's own thread, where func_lock is allowed) through ``GET FULL VARIABLE``. Locks belong
to the call's channel: Asterisk frees them when the call's channel goes.
"""

from __future__ import annotations

from fastagi.channel import Channel
from runtime.errors import LockUnavailable
from runtime.port import Member

# app.c's __ast_app_separate_args (AST_STANDARD_APP_ARGS: remove_chars on) splits on commas
# outside "..." and outside an open ( or [ (it counts their depth), drops the quotes and takes
# the character after a backslash literally. Unescaped, "Ann (Paris" would keep the split off
# until the end and swallow the state interface into the member name. So a free-text argument
# has every such character backslash-escaped, and commas become blanks (a member name's
# documented form). protocol.quote then doubles the backslashes for res_agi's own parsing.
_APP_TEXT = str.maketrans({",": " "} | {c: "\\" + c for c in '\\"()[]'})


def app_text(text: str) -> str:
    """Free text (member name, pause reason) as one argument app.c reads back literally."""
    return text.translate(_APP_TEXT)


class AgiPort:
    """The rules' Asterisk, reached through the call's channel."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel

    def db_get(self, family: str, key: str) -> str | None:
        return self.channel.database_get(family, key)

    def db_put(self, family: str, key: str, value: str) -> None:
        self.channel.database_put(family, key, value)

    def db_del(self, family: str, key: str) -> None:
        self.channel.database_del(family, key)

    def add_member(self, queue: str, member: Member) -> str:
        """AddQueueMember; paused with its reason in the same step (options ``p`` and
        ``r(reason)``, Asterisk 22.2+; a reason name has no parenthesis or comma)."""
        options = f"pr({member.paused_reason})" if member.paused_reason else ""
        args = [
            queue,
            member.interface,
            str(member.penalty),
            options,
            app_text(member.name),
            member.state_interface,
        ]
        self.channel.exec_app("AddQueueMember", args)
        return self.channel.get_variable("AQMSTATUS")

    def remove_member(self, queue: str, interface: str) -> str:
        self.channel.exec_app("RemoveQueueMember", [queue, interface])
        return self.channel.get_variable("RQMSTATUS")

    def pause_member(self, interface: str, reason: str) -> str:
        self.channel.exec_app("PauseQueueMember", ["", interface, "", app_text(reason)])
        return self.channel.get_variable("PQMSTATUS")

    def unpause_member(self, interface: str) -> str:
        self.channel.exec_app("UnpauseQueueMember", ["", interface])
        return self.channel.get_variable("UPQMSTATUS")

    def function(self, expression: str) -> str:
        return self.channel.get_full_variable(f"${{{expression}}}")

    def try_lock(self, name: str) -> bool:
        answer = self.function(f"TRYLOCK({name})")
        if answer in ("0", "1"):
            return answer == "1"
        raise LockUnavailable(
            f"TRYLOCK({name}) answered {answer!r}: is func_lock.so loaded, and may "
            "this thread run it (live_dangerously in asterisk.conf)?"
        )

    def unlock(self, name: str) -> bool:
        return self.function(f"UNLOCK({name})") == "1"

    def note(self, message: str) -> None:
        self.channel.verbose(message, 1)
