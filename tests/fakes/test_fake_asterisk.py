"""FakeAsterisk state beyond the transcripts: reload rules, UpdateConfig actions, AstDB, threads."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from tests.fakes.asterisk import FakeAsterisk
from tests.fakes.config import UpdateAction, UpdateError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fakes"
DROPPED = sorted((FIXTURES / "pjsip-dropped").glob("*.conf"))
KEPT = {
    "direct-media-garbage.conf": ("direct_media", "false"),
    "rtp-symmetric-garbage.conf": ("rtp_symmetric", "false"),
    "webrtc-garbage.conf": ("webrtc", "no"),
    "transport-missing.conf": ("transport", "transport-nope"),
}


def reloaded(fake: FakeAsterisk, text: str) -> FakeAsterisk:
    fake.set_config_text("pjsip_gitops.conf", text)
    fake.reload("res_pjsip.so")
    return fake


@pytest.mark.parametrize("fixture", DROPPED, ids=[p.stem for p in DROPPED])
def test_reload_drops_objects_asterisk_refuses(fake_asterisk: FakeAsterisk, fixture: Path) -> None:
    ast = reloaded(fake_asterisk, fixture.read_text())
    assert ast.endpoint("ok") is not None
    assert [o.name for o in ast.pjsip_list("endpoint")] == ["ok"]
    assert [o.name for o in ast.pjsip_list("aor")] == ["ok"]
    assert ast.pjsip_list("auth") == []


@pytest.mark.parametrize("name", sorted(KEPT))
def test_reload_keeps_what_asterisk_accepts(fake_asterisk: FakeAsterisk, name: str) -> None:
    ast = reloaded(fake_asterisk, (FIXTURES / "pjsip-kept" / name).read_text())
    bad = ast.endpoint("bad")
    assert bad is not None
    option, shown = KEPT[name]
    assert bad.get(option) == shown


def test_an_invalid_object_disappears_on_the_next_reload(fake_asterisk: FakeAsterisk) -> None:
    ast = reloaded(fake_asterisk, "[1001]\ntype=endpoint\n")
    assert ast.endpoint("1001") is not None
    reloaded(ast, "[1001]\ntype=endpoint\nmedia_encryption=bogus\n")
    assert ast.endpoint("1001") is None


def test_codecs_follow_disallow_and_allow_in_order(fake_asterisk: FakeAsterisk) -> None:
    ep = reloaded(fake_asterisk, "[a]\ntype=endpoint\ndisallow=all\nallow=opus,ulaw\n").endpoint(
        "a"
    )
    assert ep is not None and ep.get("allow") == "(opus|ulaw)"


def test_unknown_strategy_falls_back_to_ringall(fake_asterisk: FakeAsterisk) -> None:
    fake_asterisk.set_config_text("queues_gitops.conf", "[q]\nstrategy=bogus\n")
    fake_asterisk.reload("app_queue.so")
    queue = fake_asterisk.queue("q")
    assert queue is not None and queue.strategy == "ringall"


def test_dynamic_members_survive_a_reload_but_not_their_queue(fake_asterisk: FakeAsterisk) -> None:
    ast = fake_asterisk
    ast.set_config_text("queues_gitops.conf", "[q]\nmember => Local/1@x\n[r]\n")
    ast.reload("app_queue.so")
    assert ast.queue_add("q", "Local/2@x") == "ADDED"
    assert ast.queue_add("r", "Local/2@x") == "ADDED"
    ast.set_config_text("queues_gitops.conf", "[q]\n")
    ast.reload("app_queue.so")
    assert [m.interface for m in ast.members("q")] == ["Local/2@x"]
    assert ast.queue("r") is None
    assert ast.queue_add("r", "Local/2@x") == "NOSUCHQUEUE"


def test_queue_operations_report_like_the_dialplan_apps(fake_asterisk: FakeAsterisk) -> None:
    ast = fake_asterisk
    ast.set_config_text("queues_gitops.conf", "[q]\nmember => Local/1@x\n")
    ast.reload("app_queue.so")
    assert ast.queue_remove("q", "Local/1@x") == "NOTDYNAMIC"
    assert ast.queue_remove("q", "Local/2@x") == "NOTINQUEUE"
    assert ast.queue_add("q", "Local/2@x", paused=True, reason="lunch") == "ADDED"
    assert ast.queue_add("q", "Local/2@x") == "MEMBERALREADY"
    member = ast.members("q")[1]
    assert (member.paused, member.reason) == (True, "lunch")
    assert ast.queue_pause(None, "Local/2@x", False)
    assert not ast.queue_pause(None, "Local/9@x", True)


def update(*actions: tuple[str, ...]) -> list[UpdateAction]:
    """(action, cat, var, value, match, options) tuples, missing fields empty."""
    padded = [(*a, "", "", "", "", "")[:6] for a in actions]
    return [UpdateAction(a, c, v, val, m, "", o) for a, c, v, val, m, o in padded]


def test_update_delete_emptycat_and_insert(fake_asterisk: FakeAsterisk) -> None:
    ast = fake_asterisk
    ast.set_config_text("queues_gitops.conf", "[q]\na=1\nb=2\nb=3\n[r]\nx=1\n")
    ast.update_config("queues_gitops.conf", update(("Delete", "q", "b", "", "3")))
    ast.update_config("queues_gitops.conf", update(("EmptyCat", "r")))
    ast.update_config("queues_gitops.conf", update(("NewCat", "p", "", "", "q")))
    [p, q, r] = ast.categories("queues_gitops.conf")
    assert (p.name, q.lines, r.lines) == ("p", [("a", "1"), ("b", "2")], [])


@pytest.mark.parametrize(
    ("actions", "message"),
    [
        (update(("Frobnicate", "q")), "Unknown action command"),
        (update(("Append", "")), "Category not specified"),
        (update(("Append", "nope", "a", "1")), "Given category does not exist"),
        (update(("Append", "q", "b", "1", "", "catfilter=a=1")), "Given category does not exist"),
        (update(("Delete", "q", "zz")), "Delete did not complete successfully"),
        (update(("RenameCat", "q")), "Problem with category, value, or line (if required)"),
        (update(("NewCat", "q")), "Create category did not complete successfully"),
    ],
)
def test_update_errors_change_nothing(
    fake_asterisk: FakeAsterisk, actions: list[UpdateAction], message: str
) -> None:
    fake_asterisk.set_config_text("queues_gitops.conf", "[q]\na=1\n")
    before = fake_asterisk.config_text("queues_gitops.conf")
    good = update(("Append", "q", "c", "3"))
    with pytest.raises(UpdateError, match=re.escape(message)):
        fake_asterisk.update_config("queues_gitops.conf", good + actions)
    assert fake_asterisk.config_text("queues_gitops.conf") == before


def test_quoted_catfilter_narrows_to_matching_categories(fake_asterisk: FakeAsterisk) -> None:
    fake_asterisk.set_config_text("pjsip_gitops.conf", "[a]\ntype=endpoint\n[a]\ntype=aor\n")
    actions = update(("Append", "a", "max_contacts", "1", "", 'catfilter="type=aor"'))
    fake_asterisk.update_config("pjsip_gitops.conf", actions)
    endpoint, aor = fake_asterisk.categories("pjsip_gitops.conf")
    assert endpoint.lines == [("type", "endpoint")]
    assert aor.lines == [("type", "aor"), ("max_contacts", "1")]


def test_astdb_tree_and_deltree(fake_asterisk: FakeAsterisk) -> None:
    ast = fake_asterisk
    ast.db_put("gitops/agent/1", "a", "x")
    ast.db_put("gitops/agent/10", "a", "y")
    ast.db_put("gitops", "rev", "z")
    assert list(ast.db_tree("gitops/agent/1")) == ["/gitops/agent/1/a"]
    assert ast.db_deltree("gitops/agent") == 2
    assert ast.db_tree() == {"/gitops/rev": "z"}


def test_concurrent_queue_changes_lose_nothing(fake_asterisk: FakeAsterisk) -> None:
    ast = fake_asterisk
    ast.set_config_text("queues_gitops.conf", "[q]\n")
    ast.reload("app_queue.so")

    def worker(base: int) -> None:
        for n in range(50):
            ast.queue_add("q", f"Local/{base + n}@x")
            ast.queue_pause("q", f"Local/{base + n}@x", True, "r")

    threads = [threading.Thread(target=worker, args=(1000 * t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    members = ast.members("q")
    assert len(members) == 200
    assert all(m.paused for m in members)


STATIC_PHONE = (
    "[ph]\ntype=endpoint\naors=ph\n[ph]\ntype=aor\ncontact=sip:ph@192.0.2.7:5060\n"
    "qualify_frequency={qualify}\n[ph-id]\ntype=identify\nendpoint=ph\nmatch=192.0.2.7\n"
)


def test_permanent_contact_is_dialable_unless_it_stops_answering(
    fake_asterisk: FakeAsterisk,
) -> None:
    ast = reloaded(fake_asterisk, STATIC_PHONE.format(qualify=30))
    assert ast.pjsip_object("identify", "ph-id") is not None
    assert ast.dial_contacts("ph") == ["PJSIP/ph/sip:ph@192.0.2.7:5060"]
    [contact] = ast.contacts("ph")
    assert contact.object_name.startswith("ph@@")
    ast.set_contact_reachable("sip:ph@192.0.2.7:5060", False)
    assert ast.dial_contacts("ph") == []
    reloaded(ast, STATIC_PHONE.format(qualify=0))
    assert ast.dial_contacts("ph") == ["PJSIP/ph/sip:ph@192.0.2.7:5060"]


def test_identify_with_an_unknown_option_is_dropped(fake_asterisk: FakeAsterisk) -> None:
    ast = reloaded(fake_asterisk, "[i]\ntype=identify\nendpoint=x\nmatch_ip=1.2.3.4\n")
    assert ast.pjsip_list("identify") == []


def test_turning_qualify_off_makes_members_available(fake_asterisk: FakeAsterisk) -> None:
    ast = reloaded(
        fake_asterisk, "[a]\ntype=endpoint\naors=a\n[a]\ntype=aor\nqualify_frequency=30\n"
    )
    ast.set_config_text("queues_gitops.conf", "[q]\n")
    ast.reload("app_queue.so")
    ast.set_registered("a", reachable=False)
    ast.queue_add("q", "Local/a@agents", state_interface="PJSIP/a")
    assert ast.device_state("Queue:q_avail") == 2
    seen: list[str] = []
    ast.hub.subscribe(lambda event: seen.append(event.name))
    reloaded(ast, "[a]\ntype=endpoint\naors=a\n[a]\ntype=aor\nqualify_frequency=0\n")
    assert "QueueMemberStatus" in seen
    assert ast.device_state("Queue:q_avail") == 1


def test_queue_log_records_member_changes(fake_asterisk: FakeAsterisk) -> None:
    ast = fake_asterisk
    ast.set_config_text("queues_gitops.conf", "[q]\n")
    ast.reload("app_queue.so")
    ast.queue_add("q", "Local/1@x", member_name="Ann", paused=True, callid="1795.1")
    ast.queue_pause(None, "Local/1@x", False, "back")
    ast.queue_remove("q", "Local/1@x")
    events = [
        (callid, queue, agent, event, data)
        for _, callid, queue, agent, event, data in ast.queue_log
    ]
    assert events == [
        ("1795.1", "q", "Local/1@x", "ADDMEMBER", "PAUSED"),
        ("NONE", "NONE", "Local/1@x", "UNPAUSEALL", "back"),
        ("NONE", "q", "Ann", "UNPAUSE", "back"),
        ("MANAGER", "q", "Local/1@x", "REMOVEMEMBER", ""),
    ]
