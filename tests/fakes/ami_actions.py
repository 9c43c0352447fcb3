"""AMI action handlers of the fake: config, reload, queues, AstDB, Command, Originate.

Each handler takes the fake Asterisk, the request headers and the ActionID (None when the
client sent none) and returns a Reply with Asterisk's exact wording from the transcripts.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Mapping

from tests.fakes import ami_pjsip
from tests.fakes import ami_protocol as proto
from tests.fakes import config as cfg
from tests.fakes.agi_channel import ESCALATING, Channel, read
from tests.fakes.ami_protocol import Fields, Reply
from tests.fakes.asterisk import FakeAsterisk
from tests.fakes.events import DEVICE_STATE_NAMES
from tests.fakes.queues import params_fields, status_member_fields

Handler = Callable[[FakeAsterisk, dict[str, str], str | None], Reply]
_TRUE = ("yes", "true", "y", "t", "1", "on")


def _h(headers: dict[str, str], key: str) -> str:
    return proto.canonical(headers, key)


def ping(ast: FakeAsterisk, headers: dict[str, str], aid: str | None) -> Reply:
    return proto.success(aid, None, [("Ping", "Pong"), ("Timestamp", f"{ast.clock():.6f}")])


def core_settings(ast: FakeAsterisk, headers: dict[str, str], aid: str | None) -> Reply:
    settings: Fields = [
        ("AMIversion", "11.0.0"),
        ("AsteriskVersion", ast.version),
        ("SystemName", ""),
        ("CoreMaxCalls", "0"),
        ("CoreMaxLoadAvg", "0.000000"),
        ("CoreRunUser", "root"),
        ("CoreRunGroup", "root"),
        ("CoreMaxFilehandles", "0"),
        ("CoreRealTimeEnabled", "No"),
        ("CoreCDRenabled", "Yes"),
        ("CoreHTTPenabled", "No"),
        ("SoundsSearchCustomDir", "No"),
    ]
    return proto.success(aid, None, settings)


def get_config(ast: FakeAsterisk, headers: dict[str, str], aid: str | None) -> Reply:
    name = _h(headers, "Filename")
    if not name:
        return proto.error(aid, "Filename not specified")
    if not ast.config_exists(name):
        return proto.error(aid, "Config file not found")
    only = _h(headers, "Category") or None
    lines = ast.getconfig_lines(name, only)
    return proto.success(aid, None, lines)


def get_config_json(ast: FakeAsterisk, headers: dict[str, str], aid: str | None) -> Reply:
    name = _h(headers, "Filename")
    if not ast.config_exists(name):
        return proto.error(aid, "Config file not found")
    return proto.success(aid, None, [("JSON", cfg.getconfig_json(ast.categories(name)))])


def update_config(ast: FakeAsterisk, headers: dict[str, str], aid: str | None) -> Reply:
    source, dest = _h(headers, "SrcFilename"), _h(headers, "DstFilename")
    if not source or not dest:
        return proto.error(aid, "Filename not specified")
    try:
        ast.update_config(dest, cfg.parse_update_actions(headers), source)
    except cfg.UpdateError as e:
        return proto.error(aid, str(e))
    module = _h(headers, "Reload")
    if module:
        ast.reload(None if module.lower() in _TRUE else module)
    return proto.success(aid)


def reload(ast: FakeAsterisk, headers: dict[str, str], aid: str | None) -> Reply:
    module = _h(headers, "Module") or None
    if not ast.reload(module):
        return proto.error(aid, "No such module")
    return proto.success(aid, "Module Reloaded")


def module_check(ast: FakeAsterisk, headers: dict[str, str], aid: str | None) -> Reply:
    return proto.success(aid, None, [("Version", "")])


def command(ast: FakeAsterisk, headers: dict[str, str], aid: str | None) -> Reply:
    words = _h(headers, "Command").split()
    lines: list[str] | None = None
    if [w.lower() for w in words[:3]] == ["pjsip", "show", "endpoint"] and len(words) == 4:
        lines = ami_pjsip.cli_show_endpoint(ast, words[3])
        if lines is None:
            lines = [f"Unable to find object {words[3]}.", ""]
    if lines is None:
        text = " ".join(words)
        reply = proto.error(aid, "Command output follows")
        hint = f"(type 'core show help {text}' for other possible commands)"
        reply.response.append(("Output", f"No such command '{text}' {hint}"))
        return reply
    return proto.success(aid, "Command output follows", [("Output", line) for line in lines])


def device_state_list(ast: FakeAsterisk, headers: dict[str, str], aid: str | None) -> Reply:
    with ast.lock:
        states = list(ast.device_states.items())
    items: list[Fields] = [
        [("Event", "DeviceStateChange"), ("Device", d), ("State", DEVICE_STATE_NAMES[s])]
        for d, s in states
    ]
    message = "Device State Changes will follow"
    return proto.event_list(aid, message, items, "DeviceStateListComplete")


def originate(ast: FakeAsterisk, headers: dict[str, str], aid: str | None) -> Reply:
    """Queue the call; a test's ``dialplan_hooks['300@from-sip']`` plays its dialplan.
    ``Application: AGI`` with ``Data: agi://HOST:PORT/script`` connects to that FastAGI
    server as the Local channel's first half (the HTTP service's lock channel)."""
    channel = _h(headers, "Channel")
    if not channel:
        return proto.error(aid, "Channel not specified")
    data = _h(headers, "Data")
    if _h(headers, "Application").upper() == "AGI" and data.startswith("agi://"):
        _agi_session(ast, channel, data)
        return proto.success(aid, "Originate successfully queued")
    hook = ast.dialplan_hooks.get(channel.partition("/")[2])
    if hook is not None:
        hook(ast)  # its events reach this session after the response, as when queued
    return proto.success(aid, "Originate successfully queued")


def _agi_session(ast: FakeAsterisk, channel: str, data: str) -> None:
    from tests.fakes.agi_client import FakeAgiCall  # the AGI side of the fake

    address, _, script = data.removeprefix("agi://").partition("/")
    host, _, port = address.rpartition(":")
    name = f"{channel.removesuffix('/n')}-{ast.next_sequence():08x};1"

    def run() -> None:
        with ast.lock:
            ast.active_channels.add(name)
        try:
            with contextlib.suppress(OSError):  # nobody listening: AGI() fails, it hangs up
                FakeAgiCall(ast, script, channel=name, callerid="").run(host, int(port), 86400)
        finally:
            with ast.lock:
                ast.active_channels.discard(name)

    thread = threading.Thread(target=run, name=f"agi {name}", daemon=True)
    ast.agi_sessions.append(thread)
    thread.start()


def getvar(ast: FakeAsterisk, headers: dict[str, str], aid: str | None) -> Reply:
    """A global variable or a function (no Channel); func_lock's escalating functions answer
    empty, as AMI's threads may not run them ("Dangerous function TRYLOCK read blocked")."""
    variable = _h(headers, "Variable")
    if not variable:
        return proto.error(aid, "No variable specified")
    name = variable.partition("(")[0].strip().upper()
    if name in ESCALATING:
        value = ""
    else:
        nobody = Channel(name="", callerid="", callerid_name="", context="", exten="", uniqueid="")
        value = read(ast, nobody, variable) or ""
    return proto.success(aid, None, [("Variable", variable), ("Value", value)])


def queue_status(ast: FakeAsterisk, headers: dict[str, str], aid: str | None) -> Reply:
    wanted, member_filter = _h(headers, "Queue"), _h(headers, "Member")
    items: list[Fields] = []
    with ast.lock:
        for queue in ast.queues.values():
            if wanted and queue.name != wanted:
                continue
            items.append([("Event", "QueueParams"), *params_fields(queue)])
            for m in queue.sorted_members():
                if member_filter and m.interface != member_filter:
                    continue
                fields = status_member_fields(queue, m, ast.member_status(m))
                items.append([("Event", "QueueMember"), *fields])
    message = "Queue status will follow"
    return proto.event_list(aid, message, items, "QueueStatusComplete", id_last=True)


def queue_summary(ast: FakeAsterisk, headers: dict[str, str], aid: str | None) -> Reply:
    wanted = _h(headers, "Queue")
    items: list[Fields] = []
    with ast.lock:
        for queue in ast.queues.values():
            if wanted and queue.name != wanted:
                continue
            states = [(m, ast.member_status(m)) for m in queue.members.values()]
            logged = [m for m, s in states if s not in (4, 5)]
            available = [m for m, s in states if s in (0, 1) and not m.paused]
            items.append(
                [
                    ("Event", "QueueSummary"),
                    ("Queue", queue.name),
                    ("LoggedIn", str(len(logged))),
                    ("Available", str(len(available))),
                    ("Callers", "0"),
                    ("HoldTime", "0"),
                    ("TalkTime", "0"),
                    ("LongestHoldTime", "0"),
                ]
            )
    message = "Queue summary will follow"
    return proto.event_list(aid, message, items, "QueueSummaryComplete", id_last=True)


def queue_add(ast: FakeAsterisk, headers: dict[str, str], aid: str | None) -> Reply:
    queue, interface = _h(headers, "Queue"), _h(headers, "Interface")
    if not queue:
        return proto.error(aid, "'Queue' not specified.")
    if not interface:
        return proto.error(aid, "'Interface' not specified.")
    penalty = _h(headers, "Penalty")
    result = ast.queue_add(
        queue,
        interface,
        member_name=_h(headers, "MemberName"),
        state_interface=_h(headers, "StateInterface"),
        penalty=int(penalty) if penalty.isdigit() else 0,
        paused=_h(headers, "Paused").lower() in _TRUE,
        reason=_h(headers, "Reason"),
    )
    messages = {
        "ADDED": "",
        "MEMBERALREADY": "Unable to add interface: Already there",
        "NOSUCHQUEUE": "Unable to add interface to queue: No such queue",
    }
    if result != "ADDED":
        return proto.error(aid, messages[result])
    return proto.success(aid, "Added interface to queue")


def queue_remove(ast: FakeAsterisk, headers: dict[str, str], aid: str | None) -> Reply:
    queue, interface = _h(headers, "Queue"), _h(headers, "Interface")
    if not queue or not interface:
        return proto.error(aid, "Need 'Queue' and 'Interface' parameters.")
    result = ast.queue_remove(queue, interface)
    messages = {
        "NOTINQUEUE": "Unable to remove interface: Not there",
        "NOSUCHQUEUE": "Unable to remove interface from queue: No such queue",
        "NOTDYNAMIC": "Member not dynamic",
    }
    if result != "REMOVED":
        return proto.error(aid, messages[result])
    return proto.success(aid, "Removed interface from queue")


def queue_pause(ast: FakeAsterisk, headers: dict[str, str], aid: str | None) -> Reply:
    interface, paused = _h(headers, "Interface"), _h(headers, "Paused")
    if not interface:
        return proto.error(aid, "Need 'Interface' parameter.")
    if not paused:
        return proto.error(aid, "Need 'Paused' parameter.")
    pause = paused.lower() in _TRUE
    if not ast.queue_pause(_h(headers, "Queue") or None, interface, pause, _h(headers, "Reason")):
        return proto.error(aid, "Interface not found")
    word = "paused" if pause else "unpaused"
    return proto.success(aid, f"Interface {word} successfully")


def queue_penalty(ast: FakeAsterisk, headers: dict[str, str], aid: str | None) -> Reply:
    interface, penalty = _h(headers, "Interface"), _h(headers, "Penalty")
    if not interface or not penalty.isdigit():
        return proto.error(aid, "Invalid interface, queuename or penalty")
    if not ast.queue_penalty(_h(headers, "Queue") or None, interface, int(penalty)):
        return proto.error(aid, "Invalid interface, queuename or penalty")
    return proto.success(aid, "Interface penalty set successfully")


def queue_reload(ast: FakeAsterisk, headers: dict[str, str], aid: str | None) -> Reply:
    queue = _h(headers, "Queue")
    if queue and ast.queue(queue) is None:
        return proto.error(aid, "Error encountered while reloading queue")
    ast.reload("app_queue.so", announce=False)  # no Reload event, unlike a module reload
    return proto.success(aid, "Queue reloaded successfully")


def db_put(ast: FakeAsterisk, headers: dict[str, str], aid: str | None) -> Reply:
    family, key = _h(headers, "Family"), _h(headers, "Key")
    if not family:
        return proto.error(aid, "No family specified")
    if not key:
        return proto.error(aid, "No key specified")
    ast.db_put(family, key, _h(headers, "Val"))
    return proto.success(aid, "Updated database successfully")


def db_get(ast: FakeAsterisk, headers: dict[str, str], aid: str | None) -> Reply:
    family, key = _h(headers, "Family"), _h(headers, "Key")
    if not family:
        return proto.error(aid, "No family specified.")
    if not key:
        return proto.error(aid, "No key specified.")
    value = ast.db_get(family, key)
    if value is None:
        return proto.error(aid, "Database entry not found")
    item: Fields = [("Event", "DBGetResponse"), ("Family", family), ("Key", key), ("Val", value)]
    return proto.event_list(aid, "Result will follow", [item], "DBGetComplete", id_last=True)


def db_get_tree(ast: FakeAsterisk, headers: dict[str, str], aid: str | None) -> Reply:
    family, key = _h(headers, "Family"), _h(headers, "Key")
    tree = ast.db_tree(f"{family}/{key}" if key else family)  # empty: ListItems 0, no error
    items: list[Fields] = [
        [("Event", "DBGetTreeResponse"), ("Key", k), ("Val", v)] for k, v in tree.items()
    ]
    return proto.event_list(aid, "Result will follow", items, "DBGetTreeComplete", id_last=True)


def db_del(ast: FakeAsterisk, headers: dict[str, str], aid: str | None) -> Reply:
    family, key = _h(headers, "Family"), _h(headers, "Key")
    if not family or not key:
        return proto.error(aid, "No family specified." if not family else "No key specified.")
    if not ast.db_del(family, key):
        return proto.error(aid, "Database entry could not be deleted")
    return proto.success(aid, "Key deleted successfully")


def db_del_tree(ast: FakeAsterisk, headers: dict[str, str], aid: str | None) -> Reply:
    family = _h(headers, "Family")
    if not family:
        return proto.error(aid, "No family specified.")
    if not ast.db_deltree(family, _h(headers, "Key")):
        return proto.error(aid, "Database entry not found")
    return proto.success(aid, "Key tree deleted successfully")


HANDLERS: Mapping[str, Handler] = {
    "ping": ping,
    "coresettings": core_settings,
    "getconfig": get_config,
    "getconfigjson": get_config_json,
    "updateconfig": update_config,
    "reload": reload,
    "modulecheck": module_check,
    "command": command,
    "devicestatelist": device_state_list,
    "originate": originate,
    "getvar": getvar,
    "pjsipshowendpoints": ami_pjsip.show_endpoints,
    "pjsipshowendpoint": ami_pjsip.show_endpoint,
    "pjsipshowaors": ami_pjsip.show_aors,
    "pjsipshowauths": ami_pjsip.show_auths,
    "pjsipshowcontacts": ami_pjsip.show_contacts,
    "pjsipshowregistrationsinbound": ami_pjsip.show_registrations_inbound,
    "queuestatus": queue_status,
    "queuesummary": queue_summary,
    "queueadd": queue_add,
    "queueremove": queue_remove,
    "queuepause": queue_pause,
    "queuepenalty": queue_penalty,
    "queuereload": queue_reload,
    "dbput": db_put,
    "dbget": db_get,
    "dbgettree": db_get_tree,
    "dbdel": db_del,
    "dbdeltree": db_del_tree,
}
