"""End to end: an apply stopped part-way (a file rejected, the connection lost) leaves
nothing written but unloaded and unverified: what it wrote is reloaded and recorded as
unverified, and the next apply writes, reloads and verifies it again."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest

from tests.fakes import ami_protocol as proto
from tests.fakes.ami_protocol import Reply
from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.asterisk import FakeAsterisk
from tests.reconciler.test_cli_ami import PJSIP, QUEUES, AmiCli
from tests.reconciler.test_cli_ami import cli as cli  # the same CLI fixture

Handler = Callable[[FakeAsterisk, dict[str, str], "str | None"], Reply]


class Faults:
    """Per-file and per-action refusals the fake's own faults cannot express."""

    def __init__(self, server: FakeAmiServer, monkeypatch: pytest.MonkeyPatch) -> None:
        self.server = server
        self.reject_file: str | None = None
        self.refuse_reload = False
        self.lose_everything = False  # after the rejected file: connection and logins refused
        handlers: Mapping[str, Handler] = server.handlers
        self._update, self._reload = handlers["updateconfig"], handlers["reload"]
        patched = {**handlers, "updateconfig": self.update, "reload": self.reload}
        monkeypatch.setattr(server, "handlers", patched)

    def update(self, ast: FakeAsterisk, headers: dict[str, str], aid: str | None) -> Reply:
        if proto.canonical(headers, "DstFilename") == self.reject_file:
            if self.lose_everything:
                self.server.faults.refuse_login()
                self.server.faults.close_mid_response("UpdateConfig", times=1)
            return proto.error(aid, "Failed to save config")
        return self._update(ast, headers, aid)

    def reload(self, ast: FakeAsterisk, headers: dict[str, str], aid: str | None) -> Reply:
        if self.refuse_reload:
            return proto.error(aid, "Module reload failed")
        return self._reload(ast, headers, aid)

    def clear(self) -> None:
        self.reject_file, self.refuse_reload, self.lose_everything = None, False, False
        self.server.faults.clear()


@pytest.fixture
def faults(ami_server: FakeAmiServer, monkeypatch: pytest.MonkeyPatch) -> Faults:
    return Faults(ami_server, monkeypatch)


def _sent(server: FakeAmiServer) -> list[tuple[str, str]]:
    """(action, file or module) of the writes and reloads sent."""
    out = []
    for action, headers in server.requests:
        if action.lower() == "updateconfig":
            out.append((action, proto.canonical(dict(headers), "DstFilename")))
        elif action.lower() == "reload":
            out.append((action, proto.canonical(dict(headers), "Module")))
    return out


def _second_apply_heals(cli: AmiCli, server: FakeAmiServer, fake: FakeAsterisk) -> None:
    code, out, err = cli.ami("plan")
    assert "~ pjsip_gitops.conf: endpoint '1001' (not loaded by Asterisk: " in out, err
    server.requests.clear()
    code, out, err = cli.ami("apply", "--auto-approve")
    assert code == 0 and "Apply complete!" in out, err
    sent = _sent(server)
    assert ("UpdateConfig", PJSIP) in sent and ("UpdateConfig", QUEUES) in sent
    assert ("Reload", "res_pjsip.so") in sent and ("Reload", "app_queue.so") in sent
    assert fake.endpoint("1001") is not None and fake.queue("sales") is not None
    assert cli.ami("plan", "--detailed-exitcode")[0] == 0


def test_a_rejected_file_reloads_the_files_written_before_it(
    cli: AmiCli, ami_server: FakeAmiServer, fake_asterisk: FakeAsterisk, faults: Faults
) -> None:
    faults.reject_file = QUEUES
    code, out, err = cli.ami("apply", "--auto-approve")
    assert code == 1 and "Apply complete!" not in out
    assert "rejected a change to queues_gitops.conf (Failed to save config)" in err
    assert "pjsip_gitops.conf was written and reloaded (res_pjsip.so), not verified" in err
    assert fake_asterisk.endpoint("1001") is not None  # live, though apply failed
    faults.clear()
    _second_apply_heals(cli, ami_server, fake_asterisk)


def test_written_files_that_could_not_be_reloaded_are_written_and_reloaded_next_time(
    cli: AmiCli, ami_server: FakeAmiServer, fake_asterisk: FakeAsterisk, faults: Faults
) -> None:
    faults.reject_file, faults.refuse_reload = QUEUES, True
    code, _, err = cli.ami("apply", "--auto-approve")
    assert code == 1
    assert "pjsip_gitops.conf was written but not reloaded (res_pjsip.so)" in err
    assert "the next apply writes, reloads and verifies what was written" in err
    assert "[1001]" in fake_asterisk.config_text(PJSIP)
    assert fake_asterisk.endpoint("1001") is None  # the repro: written, never loaded
    faults.clear()
    _second_apply_heals(cli, ami_server, fake_asterisk)


def test_a_connection_lost_while_writing_a_file_marks_that_file_too(
    cli: AmiCli, ami_server: FakeAmiServer, fake_asterisk: FakeAsterisk
) -> None:
    ami_server.faults.close_mid_response("UpdateConfig", times=1)  # applied, answer lost
    code, _, err = cli.ami("apply", "--auto-approve")
    assert code == 1
    assert "pjsip_gitops.conf was written and reloaded (res_pjsip.so), not verified" in err
    _second_apply_heals(cli, ami_server, fake_asterisk)


def test_when_nothing_can_be_done_any_more_the_error_says_what_to_do_by_hand(
    cli: AmiCli, fake_asterisk: FakeAsterisk, faults: Faults
) -> None:
    faults.reject_file, faults.lose_everything = QUEUES, True
    code, _, err = cli.ami("apply", "--auto-approve")
    assert code == 1
    assert "the record of what is unverified could not be saved" in err
    assert "run 'module reload' of res_pjsip.so, app_queue.so on the Asterisk host" in err
    assert fake_asterisk.endpoint("1001") is None
