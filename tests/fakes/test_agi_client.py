"""The fake AGI client against a scripted FastAGI server: environment, caller, hang-up."""

from __future__ import annotations

import socket

import pytest

from tests.fakes.agi_client import AgiConnection, AgiTimeout, FakeAgiCall
from tests.fakes.agi_script_server import ScriptedAgiServer
from tests.fakes.asterisk import FakeAsterisk


def with_queue(ast: FakeAsterisk) -> FakeAsterisk:
    ast.set_config_text("queues_gitops.conf", "[support]\nstrategy=rrmemory\n")
    ast.reload("app_queue.so")
    return ast


def test_environment_carries_script_query_and_args(fake_asterisk: FakeAsterisk) -> None:
    call = FakeAgiCall(fake_asterisk, "login?queue=support", args=("7", "x y"))
    with ScriptedAgiServer([]) as server:
        result = call.run(server.host, server.port)
    env = dict(line.split(": ", 1) for line in server.env_lines if ": " in line)
    assert env["agi_network_script"] == "login?queue=support"
    assert env["agi_request"] == f"agi://127.0.0.1:{server.port}/login?queue=support"
    assert env["agi_channel"] == "PJSIP/1001-00000001"
    assert env["agi_type"] == "PJSIP"
    assert (env["agi_arg_1"], env["agi_arg_2"]) == ("7", "x y")
    assert result.closed_by_server and result.commands == []


def test_queue_apps_change_shared_state_and_status_variables(fake_asterisk: FakeAsterisk) -> None:
    ast = with_queue(fake_asterisk)
    commands = [
        'EXEC AddQueueMember "support,Local/1001@agents,2,p r(lunch),Agent One,PJSIP/1001"',
        "GET VARIABLE AQMSTATUS",
        "GET FULL VARIABLE ${QUEUE_MEMBER(support,paused,Local/1001@agents)}",
        "EXEC UnpauseQueueMember ,Local/1001@agents",
    ]
    with ScriptedAgiServer(commands) as server:
        result = FakeAgiCall(ast, "login").run(server.host, server.port)
    assert server.replies == [
        ["200 result=0"],
        ["200 result=1 (ADDED)"],
        ["200 result=1 (1)"],
        ["200 result=0"],
    ]
    member = ast.members("support")[0]
    assert (member.name, member.state_interface, member.penalty) == ("Agent One", "PJSIP/1001", 2)
    assert not member.paused
    assert result.variables["UPQMSTATUS"] == "UNPAUSED"


def test_unquoted_exec_splits_on_spaces(fake_asterisk: FakeAsterisk) -> None:
    ast = with_queue(fake_asterisk)
    with ScriptedAgiServer(["EXEC AddQueueMember support,Local/9@x,0,,Agent Nine"]) as server:
        FakeAgiCall(ast, "login").run(server.host, server.port)
    assert [m.name for m in ast.members("support")] == ["Agent"]


def test_scripted_dtmf_then_timeout(fake_asterisk: FakeAsterisk) -> None:
    commands = ["GET DATA agent-user 5000 4", "GET DATA agent-pass 5000 4", "GET DATA beep 100 4"]
    with ScriptedAgiServer(commands) as server:
        FakeAgiCall(fake_asterisk, "login", dtmf=["1001", "12#"]).run(server.host, server.port)
    assert server.replies == [
        ["200 result=1001"],
        ["200 result=12"],
        ["200 result= (timeout)"],
    ]


def test_hangup_answers_minus_one_then_announces(fake_asterisk: FakeAsterisk) -> None:
    commands = ["ANSWER", "GET DATA beep 8000 4", 'VERBOSE "x" 1', "GET VARIABLE CHANNEL"]
    with ScriptedAgiServer(commands) as server:
        result = FakeAgiCall(fake_asterisk, "pause", hangup_after=1).run(server.host, server.port)
    assert server.replies == [
        ["200 result=0"],
        ["200 result=-1"],
        ["HANGUP", "200 result=1"],
        ["200 result=1 (PJSIP/1001-00000001)"],
    ]
    assert result.hung_up


def test_raw_connection_sees_server_close(fake_asterisk: FakeAsterisk) -> None:
    with ScriptedAgiServer(["NOOP"]) as server:
        conn = AgiConnection.connect(server.host, server.port)
        with conn:
            conn.send_slowly(b"agi_network: yes\n\n", chunk=4, pause=0.001)
            assert conn.read_line() == "NOOP"
            conn.send_line("200 result=0")
            assert conn.read_line() is None


def test_after_hangup_only_dead_safe_commands_run(fake_asterisk: FakeAsterisk) -> None:
    commands = ["DATABASE PUT gitops/x k v", 'STREAM FILE beep ""', "DATABASE GET gitops/x k"]
    with ScriptedAgiServer(commands) as server:
        result = FakeAgiCall(fake_asterisk, "s", hangup_after=0).run(server.host, server.port)
    assert server.replies == [
        ["200 result=1"],
        ["HANGUP", "511 Command Not Permitted on a dead channel or intercept routine"],
        ["200 result=1 (v)"],
    ]
    assert result.replies[0] == ["200 result=1", "HANGUP"]
    assert fake_asterisk.db_get("gitops/x", "k") == "v"


def test_variables_functions_and_astdb(fake_asterisk: FakeAsterisk) -> None:
    commands = [
        "SET VARIABLE DB(gitops/agent/7/dial) PJSIP/7",
        'EXEC Set "GITOPS_STATUS=ok"',
        "GET FULL VARIABLE ${DB(gitops/agent/7/dial)}/${GITOPS_STATUS}/${CALLERID(num)}",
        "GET VARIABLE DB_EXISTS(gitops/agent/7/nope)",
        "GET VARIABLE QUEUE_MEMBER(nosuchqueue,logged)",
    ]
    with ScriptedAgiServer(commands) as server:
        result = FakeAgiCall(fake_asterisk, "s", callerid="1007").run(server.host, server.port)
    assert server.replies[2:] == [
        ["200 result=1 (PJSIP/7/ok/1007)"],
        ["200 result=1 (0)"],
        ["200 result=0"],
    ]
    assert fake_asterisk.db_get("gitops/agent/7", "dial") == "PJSIP/7"
    assert result.variables == {"GITOPS_STATUS": "ok"}


def test_a_server_that_never_answers_times_out_with_what_happened(
    fake_asterisk: FakeAsterisk,
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        call = FakeAgiCall(fake_asterisk, "login")
        with pytest.raises(AgiTimeout) as caught:
            call.run("127.0.0.1", port, timeout=0.2)
    assert caught.value.result.commands == []
    assert not caught.value.result.closed_by_server
