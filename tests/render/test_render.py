"""render(): order, determinism, secrets, and the dialplan contract of docs/runtime-contract.md."""

from __future__ import annotations

import logging
import re
from dataclasses import replace

import pytest

from agi.prompts import STOCK
from provisioner.model import (
    AgiServer,
    FeatureCodes,
    Inventory,
    Permissions,
    Queue,
    Settings,
    Voice,
)
from provisioner.render import render
from provisioner.render.objects import EXTENSIONS_FILE, MANAGED_FILES, PJSIP_FILE, ConfigObject
from provisioner.render.text import split_by_file, to_text
from tests.render.sample import FAKE_PREFIX, agent, fake_secret, inventory


def _contexts(inv: Inventory) -> dict[str, ConfigObject]:
    return {o.name: o for o in render(inv, fake_secret) if o.file == EXTENSIONS_FILE}


def _steps(ctx: ConfigObject, exten: str) -> list[str]:
    """The applications of one extension of a context, in priority order."""
    steps = []
    for key, value in ctx.options:
        ext, _, rest = value.partition(",")
        if key == "exten" and ext == exten:
            steps.append(rest.partition(",")[2])
    return steps


def test_rendering_twice_is_identical() -> None:
    first = render(inventory(), fake_secret)
    second = render(inventory(), fake_secret)
    assert first == second
    texts = [to_text(f, o) for f, o in split_by_file(first).items()]
    assert texts == [to_text(f, o) for f, o in split_by_file(second).items()]


def test_order_is_file_then_owner_and_keys_are_unique() -> None:
    objects = render(inventory(), fake_secret)
    order = [(MANAGED_FILES.index(o.file), o.owner) for o in objects]
    assert order == sorted(order)
    assert len({o.key for o in objects}) == len(objects)
    assert all(o.owner for o in objects)
    endpoint_first = [o.kind for o in objects if o.owner == "agent:1004"]
    assert endpoint_first == ["endpoint", "aor", "auth", "identify"]


def test_secrets_appear_only_on_password_lines_of_auth_objects() -> None:
    objects = render(inventory(), fake_secret)
    carrying = [(o.kind, k) for o in objects for k, v in o.options if FAKE_PREFIX in v]
    assert carrying and set(carrying) == {("auth", "password")}
    redacted = [o.redacted() for o in objects]
    assert not any(FAKE_PREFIX in v for o in redacted for _, v in o.options)


def test_secrets_are_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        render(inventory(), fake_secret)
    assert caplog.records, "render logs what it did"
    assert FAKE_PREFIX not in caplog.text


def test_an_inventory_without_anything_renders_only_the_features() -> None:
    inv = Inventory(settings=Settings(), agents=(), phones=(), queues=())
    objects = render(inv, fake_secret)
    assert {o.name for o in objects} == {"gitops-internal", "gitops-features", "gitops-result"}
    internal = next(o for o in objects if o.name == "gitops-internal")
    assert internal.options == (("include", "gitops-features"),)


@pytest.mark.parametrize(
    ("code", "script"),
    [("*71", "login"), ("*72", "logout"), ("*73", "pause"), ("*74", "unpause"), ("*75", "status")],
)
def test_feature_codes_call_the_agi_server_then_branch_on_the_result(
    code: str, script: str
) -> None:
    features = _contexts(inventory())["gitops-features"]
    assert _steps(features, code) == [
        "Answer()",
        f"AGI(agi://127.0.0.1:4573/{script})",
        "Goto(gitops-result,s,1)",
    ]


def test_pause_with_a_reason_code_passes_the_code_as_the_agi_argument() -> None:
    settings = replace(inventory().settings, feature_codes=FeatureCodes(pause="#9"))
    features = _contexts(replace(inventory(), settings=settings))["gitops-features"]
    assert _steps(features, "_#9.")[1] == "AGI(agi://127.0.0.1:4573/pause,${EXTEN:2})"


def test_a_failed_agi_call_is_audible_with_stock_sounds() -> None:
    """Issue 9, finding 3: an-error-has-occurred is not in asterisk-core-sounds-en 1.6.1, so
    the caller heard silence. The error prompt is made of stock sounds only: it exists
    wherever Asterisk's English sounds do, whether or not our prompts were installed."""
    result = _contexts(inventory())["gitops-result"]
    steps = _steps(result, "s")
    assert steps[0] == 'GotoIf($["${AGISTATUS}" != "SUCCESS"]?failed)'
    assert 'GotoIf($["${GITOPS_STATUS}" = ""]?failed)' in steps
    failed = [v for _, v in result.options if "(failed)" in v]
    assert failed == ["s,n(failed),Playback(im-sorry&please-try-call-later)"]
    played = failed[0].split("Playback(", 1)[1].rstrip(")").split("&")
    assert set(played) <= set(STOCK)


def test_every_prompt_the_dialplan_plays_is_stock() -> None:
    lines = [v for c in _contexts(inventory()).values() for _, v in c.options]
    played = {
        name
        for line in lines
        for data in re.findall(r"Playback\(([^)]*)\)", line)
        for name in data.split("&")
    }
    assert played and played <= set(STOCK)


def test_the_agi_address_comes_from_the_settings() -> None:
    settings = replace(inventory().settings, agi=(AgiServer("127.0.0.1", 4600),))
    features = _contexts(replace(inventory(), settings=settings))["gitops-features"]
    assert "AGI(agi://127.0.0.1:4600/login)" in _steps(features, "*71")


def test_several_agi_servers_are_tried_in_order_while_they_refuse() -> None:
    servers = (AgiServer("10.0.0.5", 4573), AgiServer("10.0.0.6", 4574), AgiServer("::1", 9))
    settings = replace(inventory().settings, agi=servers)
    features = _contexts(replace(inventory(), settings=settings))["gitops-features"]
    refused = '$["${AGISTATUS}" != "FAILURE" | "${GITOPS_STATUS}" != ""]'
    assert _steps(features, "_*73.") == [
        "Answer()",
        "AGI(agi://10.0.0.5:4573/pause,${EXTEN:3})",
        f"GotoIf({refused}?gitops-result,s,1)",
        "AGI(agi://10.0.0.6:4574/pause,${EXTEN:3})",
        f"GotoIf({refused}?gitops-result,s,1)",
        "AGI(agi://[::1]:9/pause,${EXTEN:3})",
        "Goto(gitops-result,s,1)",
    ]


def test_queue_numbers_wait_in_the_queue_with_its_options() -> None:
    queues = (
        Queue("sales", number="500", extra_numbers=("+33140000000",), max_wait=300),
        Queue("support", number="510", caller_hears="ringing"),
        Queue("billing"),  # no number: not dialled
    )
    contexts = _contexts(replace(inventory(), queues=queues))
    numbers = contexts["gitops-queues"]
    assert _steps(numbers, "500") == ["Answer()", "Queue(sales,,,,300)", "Hangup()"]
    assert _steps(numbers, "+33140000000") == _steps(numbers, "500")
    assert _steps(numbers, "510") == ["Answer()", "Queue(support,r)", "Hangup()"]
    assert {v.split(",")[0] for _, v in numbers.options} == {"500", "+33140000000", "510"}
    assert ("include", "gitops-queues") in contexts["gitops-internal"].options


def test_no_queue_numbers_no_queue_context() -> None:
    contexts = _contexts(inventory())
    assert "gitops-queues" not in contexts
    assert ("include", "gitops-queues") not in contexts["gitops-internal"].options


def test_every_agent_can_be_rung_through_the_local_channel_context() -> None:
    agents = _contexts(inventory())["gitops-agents"]
    for agent_id in ("1001", "1002", "1006"):
        steps = _steps(agents, agent_id)
        assert f"GotoIf($[${{DB_EXISTS(gitops/agent/{agent_id}/dial)}}]?dial)" in steps
        assert steps[-2:] == ["Dial(${DB_RESULT})", "Hangup()"]


def test_recording_starts_before_the_dial_in_the_chosen_format() -> None:
    steps = _steps(_contexts(inventory())["gitops-agents"], "1002")
    monitor = next(i for i, s in enumerate(steps) if s.startswith("MixMonitor("))
    assert monitor < steps.index("Dial(${DB_RESULT})")
    assert steps[monitor].endswith(".wav49,b)")


@pytest.mark.parametrize("kind", ["internal", "phone", "mobile"])
def test_every_interface_kind_has_something_to_dial(kind: str) -> None:
    """What login stores in gitops/agent/<id>/dial exists in the rendered config."""
    inv = inventory()
    objects = render(inv, fake_secret)
    keys = {o.key for o in objects}
    agent_1002 = inv.agent("1002")
    assert agent_1002 is not None and agent_1002.phone is not None
    if kind == "internal":
        assert (PJSIP_FILE, "aor", "1002") in keys
    elif kind == "phone":
        assert (PJSIP_FILE, "aor", agent_1002.phone) in keys
    else:
        outbound = _contexts(inv)[inv.settings.outbound_context]
        assert _steps(outbound, "+15550100") == ["Dial(PJSIP/+15550100@trunk-main)", "Hangup()"]


def test_only_inventory_mobile_numbers_can_be_dialled_out() -> None:
    outbound = _contexts(inventory())["gitops-outbound"]
    assert {v.partition(",")[0] for _, v in outbound.options} == {"+15550100"}


def test_dialling_an_extension_rings_that_endpoint_but_not_a_user_endpoint() -> None:
    extensions = _contexts(inventory())["gitops-extensions"]
    assert _steps(extensions, "201") == ["Dial(PJSIP/desk-201,30)", "Hangup()"]
    assert _steps(extensions, "1006") == []  # type user: no aor, cannot be called


def test_an_agents_extension_rings_what_their_queue_member_rings_once_logged_in() -> None:
    # issue 15 item 1: the same AstDB dial string as Local/<id>@gitops-agents, taken only
    # once the login committed (``since``); the own endpoint otherwise (tests/real run it)
    contexts = _contexts(inventory())
    queue_side = _steps(contexts["gitops-agents"], "1002")
    direct = _steps(contexts["gitops-extensions"], "1002")
    assert "GotoIf($[${DB_EXISTS(gitops/agent/1002/dial)}]?dial)" in queue_side
    (recording,) = [s for s in queue_side if s.startswith("MixMonitor(gitops-1002-")]
    assert direct == [
        recording,  # the same recording as a queue call, before anything else
        "GotoIf($[${DB_EXISTS(gitops/agent/1002/since)}]?follow)",
        "Dial(PJSIP/1002,30)",
        "Hangup()",
        "GotoIf($[!${DB_EXISTS(gitops/agent/1002/dial)}]?own)",
        "Set(__SPYGROUP=gitops)",  # spied on wherever the call follows them
        "Dial(${DB_RESULT},30)",
        "Hangup()",
    ]


def test_spy_is_permitted_for_spy_agents_only_and_targets_chanspy_agents_only() -> None:
    contexts = _contexts(inventory())
    allowed = {v.partition(",")[0] for _, v in contexts["gitops-spy-allowed"].options}
    assert allowed == {"1003"}
    targets = {v.partition(",")[0] for _, v in contexts["gitops-spy"].options}
    assert targets == {"1002"}
    spy = _steps(contexts["gitops-spy"], "1002")
    assert any(s.startswith("ChanSpy(") and s.endswith("-,qg(gitops))") for s in spy)
    check = _steps(contexts["gitops-features"], "_*76.")[0]
    assert "DIALPLAN_EXISTS(gitops-spy-allowed,${CHANNEL(endpoint)},1)" in check


def test_spied_agents_calls_carry_the_spy_group() -> None:
    steps = _steps(_contexts(inventory())["gitops-agents"], "1002")
    assert "Set(__SPYGROUP=gitops)" in steps
    assert "Set(__SPYGROUP=gitops)" not in _steps(_contexts(inventory())["gitops-agents"], "1001")


def test_without_spy_permission_there_is_no_spy_feature_at_all() -> None:
    inv = replace(
        inventory(),
        agents=tuple(replace(a, permissions=Permissions()) for a in inventory().agents),
    )
    contexts = _contexts(inv)
    assert "gitops-spy" not in contexts and "gitops-spy-allowed" not in contexts
    assert not any("_*76" in v for _, v in contexts["gitops-features"].options)


def test_one_server_renders_only_its_part() -> None:
    inv = inventory()
    part = Inventory(
        settings=inv.settings,
        agents=tuple(a for a in inv.agents if a.id == "1001"),
        phones=(),
        queues=tuple(q for q in inv.queues if q.name == "sales"),
    )
    owners = {o.owner for o in render(part, fake_secret)}
    assert {"agent:1001", "queue:sales"} <= owners
    assert not {"agent:1002", "queue:support", "phone:desk-201"} & owners


def test_an_agent_with_voice_defaults_renders() -> None:
    inv = Inventory(settings=Settings(), agents=(agent("1", voice=Voice()),), phones=(), queues=())
    assert {o.kind for o in render(inv, fake_secret) if o.owner == "agent:1"} == {
        "endpoint",
        "aor",
        "auth",
    }
