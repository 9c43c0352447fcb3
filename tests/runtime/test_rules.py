"""The runtime core against the in-memory Asterisk (through the AGI door's port): pending
requests, who may act, debug client logs, the live table's rows."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import pytest

from fastagi.port import AgiPort
from runtime import actions, clientlog, pending, state
from runtime.context import Context, Options
from runtime.directory import Directory
from runtime.interfaces import binding_for
from runtime.session import log_in
from tests.agi import inventory
from tests.agi.memory import MemoryAsterisk, MemoryChannel

CALL = "Local/1001@gitops-agents-00000007;1"


@pytest.fixture
def ctx() -> Context:
    asterisk = MemoryAsterisk(queues={"support": {}, "sales": {}})
    channel = MemoryChannel(asterisk, {"agi_channel": "web"})
    clock = iter(range(1_800_000_000, 1_900_000_000, 10))
    options = Options(clock=lambda: float(next(clock)), sleep=lambda _s: None)
    return Context(AgiPort(channel), Directory.build(inventory.build()), options, "test", "t1")


def memory(ctx: Context) -> MemoryAsterisk:
    port = ctx.port
    assert isinstance(port, AgiPort) and isinstance(port.channel, MemoryChannel)
    return port.channel.asterisk


def _logged_in(ctx: Context, agent_id: str = "1001") -> None:
    agent = ctx.directory.agent(agent_id)
    assert agent is not None
    assert log_in(ctx, agent, binding_for(ctx.directory, agent, "internal")).status == "ok"


def test_pause_during_a_call_is_pending_then_carried_out(ctx: Context) -> None:
    _logged_in(ctx)
    ann, lunch = ctx.directory.agent("1001"), ctx.directory.reason_named("lunch")
    assert ann is not None and lunch is not None
    memory(ctx).channels.add(CALL)
    held = actions.pause(ctx, ann, lunch, defer=True)
    assert (held.status, held.reason) == ("pending", "lunch")
    assert memory(ctx).members("support")["Local/1001@gitops-agents"].paused == ""
    assert pending.carry_out(ctx, ann) is None  # still on the call
    memory(ctx).channels.clear()
    done = pending.carry_out(ctx, ann)
    assert done is not None and done.status == "ok"
    assert memory(ctx).members("support")["Local/1001@gitops-agents"].paused == "lunch"
    keys = memory(ctx).db_tree("gitops/agent/1001/")
    assert keys["gitops/agent/1001/paused"] == "lunch" and "gitops/agent/1001/pending" not in keys
    assert pending.carry_out(ctx, ann) is None  # nothing pending any more


def test_without_defer_a_pause_acts_at_once_even_during_a_call(ctx: Context) -> None:
    _logged_in(ctx)
    ann, lunch = ctx.directory.agent("1001"), ctx.directory.reason_named("lunch")
    assert ann is not None and lunch is not None
    memory(ctx).channels.add(CALL)
    assert actions.pause(ctx, ann, lunch).status == "ok"  # a feature code: the agent asked


def test_a_pending_logout_and_a_login_dropping_it(ctx: Context) -> None:
    _logged_in(ctx)
    ann = ctx.directory.agent("1001")
    assert ann is not None
    memory(ctx).channels.add(CALL)
    assert actions.logout(ctx, ann, actor="supervisor", defer=True).status == "pending"
    _logged_in(ctx)  # a new login starts afresh: no pending request
    assert "gitops/agent/1001/pending" not in memory(ctx).db


def test_a_supervisor_is_not_bound_by_the_agents_own_permissions(ctx: Context) -> None:
    _logged_in(ctx, "1004")  # may neither pause nor log out
    agent, lunch = ctx.directory.agent("1004"), ctx.directory.reason_named("lunch")
    assert agent is not None and lunch is not None
    assert actions.pause(ctx, agent, lunch).status == "not_permitted"
    assert actions.pause(ctx, agent, lunch, actor="supervisor").status == "ok"
    assert actions.logout(ctx, agent).status == "not_permitted"
    assert actions.logout(ctx, agent, actor="supervisor").status == "ok"


def test_debug_client_logs_show_every_operation(
    ctx: Context, caplog: pytest.LogCaptureFixture
) -> None:
    agent = replace(inventory.agent("1009", "2009"), client_logs="debug")
    caplog.set_level(logging.DEBUG, logger=clientlog.LOGGER)
    assert log_in(ctx, agent, binding_for(ctx.directory, agent, "internal")).status == "ok"
    lines = [r.getMessage() for r in caplog.records if r.name == f"{clientlog.LOGGER}.1009"]
    assert "t1 1009: add Local/1009@gitops-agents to support (paused: ) -> 'ADDED'" in lines
    assert any(line.startswith("t1 1009: db put gitops/agent/1009/since") for line in lines)
    assert "t1 1009: logged in on internal (PJSIP/1009)" in lines


def test_client_logs_go_to_one_file_per_agent(tmp_path: Path) -> None:
    handler = clientlog.AgentFiles(tmp_path)
    logger = logging.getLogger(f"{clientlog.LOGGER}.ann")
    logger.addHandler(handler)
    try:
        logger.warning("x1 ann: wrong PIN")
    finally:
        logger.removeHandler(handler)
    assert (tmp_path / "ann.log").read_text() == "x1 ann: wrong PIN\n"


def test_rows_of_the_live_table() -> None:
    inv = inventory.build()
    ann = inv.agent("1001")
    assert ann is not None
    fields = {
        "Queue": "sales",
        "Interface": "Local/1001@gitops-agents",
        "Paused": "1",
        "PausedReason": "lunch",
        "LastPause": "1800000100",
        "Status": "1",
        "InCall": "0",
    }
    member = state.Member.from_fields(lambda k: fields.get(k, ""))
    assert member is not None
    session = {"since": "1800000000", "interface": "phone", "phone": "ph-a"}
    row = state.row(ann, "pbx", session, [member])
    assert (row.state, row.reason, row.paused_since, row.since) == (
        "paused",
        "lunch",
        1800000100,
        1800000000,
    )
    ringing = state.Member.from_fields(lambda k: {**fields, "Status": "6"}.get(k, ""))
    assert ringing is not None and state.row(ann, "pbx", session, [ringing]).state == "ringing"
    on_call = state.Member.from_fields(lambda k: {**fields, "InCall": "1"}.get(k, ""))
    assert on_call is not None and state.row(ann, "pbx", session, [on_call]).state == "on_call"
    assert state.row(ann, "pbx", {}, []).state == "logged_out"
    other = state.Member.from_fields(lambda k: {"Interface": "PJSIP/x", "Queue": "q"}.get(k, ""))
    assert other is None  # not an agent's member
