"""AmiTarget against the fake Asterisk over TCP: read, write, reload, verify."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from provisioner.errors import TargetError
from provisioner.render.objects import EXTENSIONS_FILE, PJSIP_FILE, QUEUES_FILE
from provisioner.targets.ami import AmiTarget
from provisioner.targets.ami.errors import AmiWriteError
from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.asterisk import FakeAsterisk
from tests.reconciler.ami_helpers import (
    SECRET,
    agent_objects,
    aor,
    context,
    creates,
    delete,
    endpoint,
    fixture_text,
    queue,
    update,
    without_owner,
)


@pytest.fixture
def target(ami_server: FakeAmiServer) -> Iterator[AmiTarget]:
    with AmiTarget(ami_server.url, SECRET, timeout=5.0) as t:
        yield t


def actions(server: FakeAmiServer, name: str) -> int:
    return sum(1 for action, _ in server.requests if action.lower() == name.lower())


def test_read_of_empty_managed_files(target: AmiTarget) -> None:
    state = target.read()
    assert state.objects == ()
    assert state.record.revision is None and state.record.managed == frozenset()
    assert state.members == ()


def test_read_keeps_same_named_categories_apart(
    target: AmiTarget, fake_asterisk: FakeAsterisk
) -> None:
    for file in (PJSIP_FILE, QUEUES_FILE, EXTENSIONS_FILE):
        fake_asterisk.set_config_text(file, fixture_text(f"populated_{file.split('_')[0]}.conf"))
    objects = {o.key: o for o in target.read().objects}
    assert set(objects) == {
        (PJSIP_FILE, "endpoint", "1001"),
        (PJSIP_FILE, "aor", "1001"),
        (PJSIP_FILE, "auth", "1001-auth"),
        (QUEUES_FILE, "queue", "support"),
        (EXTENSIONS_FILE, "context", "gitops-agents"),
    }
    ep = objects[(PJSIP_FILE, "endpoint", "1001")]
    assert [v for k, v in ep.options if k == "allow"] == ["ulaw", "alaw"]
    assert ep.get("callerid") == '"Agent One" <1001>'
    assert objects[(EXTENSIONS_FILE, "context", "gitops-agents")].get("exten") == (
        "1001,n,Hangup()"
    )


def test_create_same_named_objects_round_trips_and_verifies(
    target: AmiTarget, fake_asterisk: FakeAsterisk, ami_server: FakeAmiServer
) -> None:
    desired = [*agent_objects("1001"), queue("support"), context("ctx", "1001,1,Dial(PJSIP/1001)")]
    target.read()
    target.write(creates(desired))
    assert actions(ami_server, "UpdateConfig") == 3  # one per file
    assert without_owner(target.read().objects) == without_owner(desired)
    target.reload([PJSIP_FILE, QUEUES_FILE, EXTENSIONS_FILE])
    assert fake_asterisk.endpoint("1001") is not None
    assert target.verify([o.key for o in desired]) == {}


def test_update_of_one_of_a_same_named_pair_leaves_the_other(
    target: AmiTarget, fake_asterisk: FakeAsterisk
) -> None:
    target.write(creates(agent_objects("1001")))
    ep = endpoint("1001")
    ep2 = endpoint("1001", ("allow", "g722"), ("callerid", '"Ann O\'Neil" <1001>'))
    target.write([update(aor("1001"), aor("1001", "3")), update(ep, ep2)])
    after = {o.key: o for o in target.read().objects}
    assert after[aor("1001").key].get("max_contacts") == "3"
    assert after[ep.key].options == ep2.options
    assert len(after) == 3
    assert "max_contacts = 3" in fake_asterisk.config_text(PJSIP_FILE)


def test_delete_of_one_of_a_same_named_pair(target: AmiTarget) -> None:
    target.write(creates(agent_objects("1001")))
    target.write([delete(aor("1001"))])
    keys = {o.key for o in target.read().objects}
    assert keys == {(PJSIP_FILE, "endpoint", "1001"), (PJSIP_FILE, "auth", "1001-auth")}


def test_values_with_special_characters_survive(target: AmiTarget) -> None:
    special = endpoint(
        "1002",
        ("callerid", '"Zoë \\"Z\\" Test" <1002>'),
        ("set_var", "GREETING=a;b, c: d=e"),
        ("from_user", "user@example.invalid:5060"),
    )
    target.write(creates([special]))
    (read,) = target.read().objects
    assert read.options == special.options


def test_updateconfig_error_leaves_the_file_untouched_and_names_it(
    target: AmiTarget, fake_asterisk: FakeAsterisk
) -> None:
    target.write(creates([queue("sales")]))
    queues_before = fake_asterisk.config_text(QUEUES_FILE)
    ghost = queue("ghost")  # not on the target: DelCat fails with Given category does not exist
    with pytest.raises(AmiWriteError) as caught:
        target.write([*creates(agent_objects("1001")), *creates([queue("new")]), delete(ghost)])
    error = caught.value
    assert error.file == QUEUES_FILE and error.written == (PJSIP_FILE,)
    assert "queues_gitops.conf" in str(error) and "Given category does not exist" in str(error)
    assert target.name in str(error)
    assert fake_asterisk.config_text(QUEUES_FILE) == queues_before  # "new" was not created
    assert {o.name for o in target.read().objects if o.file == PJSIP_FILE} == {"1001", "1001-auth"}


def test_injected_updateconfig_failure_writes_nothing_after_it(
    target: AmiTarget, fake_asterisk: FakeAsterisk, ami_server: FakeAmiServer
) -> None:
    ami_server.faults.fail_update_config("Failed to save config")
    with pytest.raises(AmiWriteError, match="Failed to save config"):
        target.write(creates([*agent_objects("1001"), queue("q")]))
    assert fake_asterisk.config_text(PJSIP_FILE) == ""
    assert actions(ami_server, "UpdateConfig") == 1


def test_large_files_are_split_between_objects(
    ami_server: FakeAmiServer, fake_asterisk: FakeAsterisk
) -> None:
    objects = [o for n in range(5) for o in agent_objects(f"20{n}")]
    with AmiTarget(ami_server.url, SECRET, max_actions=20) as small:
        small.write(creates(objects))
        assert actions(ami_server, "UpdateConfig") > 1
        assert without_owner(small.read().objects) == without_owner(objects)
    for _, headers in ami_server.requests:
        numbered = [k for k in headers if k.startswith("Action-")]
        assert len(numbered) <= 20


def test_verification_reports_an_endpoint_asterisk_dropped(target: AmiTarget) -> None:
    bad = endpoint("1002", ("media_encryption", "bogus"))
    target.write(creates([bad, aor("1002")]))
    target.reload([PJSIP_FILE])
    failures = target.verify([bad.key, aor("1002").key])
    assert failures == {
        bad.key: "Asterisk dropped endpoint 1002 after reload (invalid value?); see its log"
    }


def test_verification_reports_a_queue_strategy_asterisk_ignored(target: AmiTarget) -> None:
    bad = queue("badq", "nosuchstrategy")
    target.write(creates([bad, queue("goodq", "rrmemory")]))
    target.reload([QUEUES_FILE])
    failures = target.verify([bad.key, queue("goodq").key])
    assert list(failures) == [bad.key]
    assert "strategy=nosuchstrategy" in failures[bad.key] and "ringall" in failures[bad.key]


def test_verification_costs_requests_in_proportion_to_the_change(
    target: AmiTarget, ami_server: FakeAmiServer
) -> None:
    objects = [o for n in range(30) for o in agent_objects(f"3{n:02d}")]
    target.write(creates(objects))
    target.reload([PJSIP_FILE])
    before = len(ami_server.requests)
    assert target.verify([o.key for o in agent_objects("305")]) == {}
    assert len(ami_server.requests) - before == 1  # PJSIPShowEndpoint 305 covers aor and auth


def test_reload_reloads_the_module_of_each_file(
    target: AmiTarget, fake_asterisk: FakeAsterisk, ami_server: FakeAmiServer
) -> None:
    del fake_asterisk.reloads[:]
    target.reload([QUEUES_FILE, PJSIP_FILE])
    assert fake_asterisk.reloads == ["res_pjsip.so", "app_queue.so"]
    before = len(ami_server.requests)
    target.reload([])
    target.write([])
    assert len(ami_server.requests) == before


def test_verification_of_many_objects_lists_each_kind_once(
    target: AmiTarget, ami_server: FakeAmiServer
) -> None:
    objects = [o for n in range(30) for o in agent_objects(f"5{n:02d}")]
    bad = endpoint("599", ("media_encryption", "bogus"))
    target.write(creates([*objects, bad]))
    target.reload([PJSIP_FILE])
    before = len(ami_server.requests)
    failures = target.verify([o.key for o in [*objects, bad]])
    assert failures == {
        bad.key: "Asterisk dropped endpoint 599 after reload (invalid value?); see its log"
    }
    assert len(ami_server.requests) - before == 3  # PJSIPShowEndpoints, ...Aors, ...Auths


def test_an_interrupted_write_keeps_whole_objects_and_the_next_one_cleans_up(
    target: AmiTarget, fake_asterisk: FakeAsterisk, caplog: pytest.LogCaptureFixture
) -> None:
    big = context("gitops-agents", *(f"{n},1,Dial(PJSIP/{n})" for n in range(60)))
    ghost = context("gitops-agents", "1,1,Hangup()")  # planned against a state that is gone
    with pytest.raises(AmiWriteError) as caught:
        target.write([update(ghost, big)])
    assert "Given category does not exist" in str(caught.value)
    assert "of its" in str(caught.value) and "requests were applied" in str(caught.value)
    assert "~g~c" in fake_asterisk.config_text(EXTENSIONS_FILE)  # unfinished build
    state = target.read()
    assert state.objects == ()  # the leftover is not shown as an object
    assert "leftovers of an interrupted apply" in caplog.text
    target.write(creates([big]))
    assert "~g~c" not in fake_asterisk.config_text(EXTENSIONS_FILE)
    assert without_owner(target.read().objects) == without_owner([big])


def test_every_request_fits_what_asterisk_reads(
    target: AmiTarget, ami_server: FakeAmiServer
) -> None:
    objects = [o for n in range(20) for o in agent_objects(f"6{n:02d}")]
    target.write(creates([*objects, context("big", *(f"{n},1,NoOp()" for n in range(80)))]))
    sizes = [len(headers) for action, headers in ami_server.requests if action == "UpdateConfig"]
    assert len(sizes) > 3 and max(sizes) <= 128


@pytest.mark.parametrize(
    "edit",
    [
        lambda ls: ["0,1,NoOp(first)", *ls],
        lambda ls: [*ls, "99,1,NoOp(last)"],
        lambda ls: ls[1:],
        lambda ls: ls[:-1],
        lambda ls: [*ls[:3], "x,1,NoOp(x)", "y,1,NoOp(y)", *ls[5:]],
        lambda ls: [*ls[:2], *ls[3:7], "z,1,NoOp()", *ls[8:]],
        lambda ls: list(reversed(ls)),
    ],
    ids=["insert-front", "append", "delete-front", "delete-end", "replace", "mixed", "reverse"],
)
def test_edits_in_place_round_trip(
    target: AmiTarget, edit: Callable[[list[str]], list[str]]
) -> None:
    lines = [f"{n},1,Dial(PJSIP/{n})" for n in range(10)]
    before, after = context("gitops-x", *lines), context("gitops-x", *edit(lines))
    target.write(creates([before]))
    target.write([update(before, after)])
    assert without_owner(target.read().objects) == without_owner([after])


def test_a_value_asterisk_cannot_read_is_refused_before_anything_is_written(
    target: AmiTarget, ami_server: FakeAmiServer
) -> None:
    long_line = context("ctx", "1,1,NoOp(" + "x" * 1100 + ")")
    with pytest.raises(TargetError, match=r"nothing written, extensions_gitops\.conf") as caught:
        target.write(creates([*agent_objects("1001"), long_line]))
    assert "1022 bytes" in str(caught.value)
    assert actions(ami_server, "UpdateConfig") == 0


def test_verification_of_many_queues_lists_them_once(
    target: AmiTarget, ami_server: FakeAmiServer
) -> None:
    queues = [queue(f"q{n:02d}") for n in range(70)]
    bad = queue("q-bad", "nosuchstrategy")
    target.write(creates([*queues, bad]))
    target.reload([QUEUES_FILE])
    before = len(ami_server.requests)
    failures = target.verify([q.key for q in [*queues, bad]])
    assert list(failures) == [bad.key]
    assert len(ami_server.requests) - before == 1


def test_objects_named_up_to_asterisks_limit_are_written_whole(
    target: AmiTarget, fake_asterisk: FakeAsterisk
) -> None:
    # config.c keeps 79 bytes of a category name: a temporary name longer than that is cut
    # by NewCat and the Append that follows it finds no category
    agent = "a" * 64  # the longest agent id validation allows
    long_context = "c" * 79  # the longest context name settings allow
    objects = [*agent_objects(agent), context(long_context, "1,1,Hangup()")]
    target.write(creates(objects))
    assert without_owner(target.read().objects) == without_owner(objects)
    changed = context(long_context, "1,1,Answer()", "1,n,Hangup()")
    target.write([update(objects[-1], changed)])
    assert without_owner([changed]) <= without_owner(target.read().objects)


def test_leftovers_under_the_old_temporary_suffix_are_still_cleaned_up(
    target: AmiTarget, fake_asterisk: FakeAsterisk
) -> None:
    fake_asterisk.set_config_text(QUEUES_FILE, "[sales~gitops-new~queue]\nstrategy=ringall\n")
    assert target.read().objects == ()
    target.write(creates([queue("support")]))
    assert "gitops-new" not in fake_asterisk.config_text(QUEUES_FILE)
    assert without_owner(target.read().objects) == without_owner([queue("support")])


def test_the_live_files_say_what_manages_each_object(
    target: AmiTarget, ami_server: FakeAmiServer
) -> None:
    """Finding 7: the header and owner comments of the rendered files were missing on a live
    server. UpdateConfig cannot write a comment; a variable named like one is read back as a
    comment (tests/real/test_provisioning.py shows the real Asterisk doing it)."""
    before = context("gitops-x", "1,1,NoOp()", "2,1,NoOp()")
    target.write(creates([*agent_objects("1001"), before]))
    asterisk = ami_server.asterisk
    note = "; managed by asterisk-gitops (do not edit here, change the inventory): owner = "
    pjsip = asterisk.config_text(PJSIP_FILE)
    for kind in ("endpoint", "aor", "auth"):
        assert f"{note}agent:1001\ntype = {kind}\n" in pjsip
    assert without_owner(target.read().objects) == without_owner([*agent_objects("1001"), before])
    after = context("gitops-x", "2,1,NoOp()", "3,1,NoOp()")  # the first line goes
    target.write([update(before, after)])
    text = asterisk.config_text(EXTENSIONS_FILE)
    category = text.split("[gitops-x]\n", 1)[1]
    assert category.startswith(f"{note}dialplan\n")  # again right after the name
    assert [line for line in category.splitlines() if line.startswith("exten")] == [
        "exten = 2,1,NoOp()",
        "exten = 3,1,NoOp()",
    ]
    assert text.count(note) == 1
    assert without_owner(target.read().objects) == without_owner([*agent_objects("1001"), after])
