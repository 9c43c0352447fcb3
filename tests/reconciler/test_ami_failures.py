"""Each AMI failure is one clear sentence naming the target; secrets never reach the logs."""

from __future__ import annotations

import logging

import pytest

from provisioner.errors import TargetError
from provisioner.render.objects import PJSIP_FILE, QUEUES_FILE
from provisioner.targets.ami import AmiTarget
from provisioner.targets.ami.errors import AmiAuthError, AmiClosed, AmiTimeout, AmiUnreachable
from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.asterisk import FakeAsterisk
from tests.reconciler.ami_helpers import SECRET, agent_objects, closed_port, creates, queue


def one_sentence(error: BaseException, target: AmiTarget) -> str:
    text = str(error)
    assert target.name in text
    assert "\n" not in text
    return text


def test_unreachable_target() -> None:
    target = AmiTarget(f"ami://gitops@127.0.0.1:{closed_port()}", SECRET, timeout=2.0)
    with pytest.raises(AmiUnreachable) as caught:
        target.read()
    assert "unreachable" in one_sentence(caught.value, target)


def test_authentication_refused(ami_server: FakeAmiServer) -> None:
    target = AmiTarget(ami_server.url, "wrong-secret", timeout=2.0)
    with pytest.raises(AmiAuthError) as caught:
        target.read()
    text = one_sentence(caught.value, target)
    assert "Authentication failed" in text and "wrong-secret" not in text


def test_timeout(ami_server: FakeAmiServer) -> None:
    ami_server.faults.delay("GetConfig", 1.0)
    target = AmiTarget(ami_server.url, SECRET, timeout=0.2)
    with pytest.raises(AmiTimeout) as caught:
        target.read()
    assert "did not answer GetConfig within 0.2 s" in one_sentence(caught.value, target)


def test_a_reload_and_a_write_may_take_longer_than_the_timeout(ami_server: FakeAmiServer) -> None:
    # Asterisk reads (and writes) a whole file for them: seconds at 10000 agents
    ami_server.faults.delay("Reload", 0.5)
    ami_server.faults.delay("UpdateConfig", 0.5)
    with AmiTarget(ami_server.url, SECRET, timeout=0.2) as target:
        target.read()
        target.write(creates([queue("q")]))
        target.reload(["queues_gitops.conf"])


def test_connection_closed_mid_response(ami_server: FakeAmiServer) -> None:
    ami_server.faults.close_mid_response("GetConfig")
    target = AmiTarget(ami_server.url, SECRET, timeout=2.0)
    with pytest.raises(AmiClosed) as caught:
        target.read()
    assert "closed the connection" in one_sentence(caught.value, target)


def test_a_new_connection_is_opened_after_a_failure(ami_server: FakeAmiServer) -> None:
    ami_server.faults.close_mid_response("GetConfig")
    target = AmiTarget(ami_server.url, SECRET, timeout=2.0)
    with pytest.raises(AmiClosed):
        target.read()
    ami_server.faults.clear()
    assert target.read().objects == ()


def test_missing_managed_file(ami_server: FakeAmiServer, fake_asterisk: FakeAsterisk) -> None:
    del fake_asterisk.files[QUEUES_FILE]
    target = AmiTarget(ami_server.url, SECRET, timeout=2.0)
    with pytest.raises(TargetError) as caught:
        target.read()
    text = one_sentence(caught.value, target)
    assert "has no queues_gitops.conf" in text
    assert "#tryinclude queues_gitops.conf" in text and "queues.conf" in text


def test_bad_url_names_the_expected_form_and_never_echoes_a_secret() -> None:
    with pytest.raises(TargetError, match=r"ami://USER@HOST:PORT") as caught:
        AmiTarget("ami://gitops:s3cr3t-in-url@127.0.0.1:5038", SECRET)
    assert "s3cr3t-in-url" not in str(caught.value)
    with pytest.raises(TargetError, match=r"ami://USER@HOST:PORT"):
        AmiTarget("ami://127.0.0.1:5038", SECRET)


def test_a_category_without_type_is_named_with_the_target(
    ami_server: FakeAmiServer, fake_asterisk: FakeAsterisk
) -> None:
    fake_asterisk.set_config_text(PJSIP_FILE, "[by-hand]\ncontext=from-sip\n")
    target = AmiTarget(ami_server.url, SECRET, timeout=2.0)
    with pytest.raises(TargetError) as caught:
        target.read()
    assert "[by-hand]" in one_sentence(caught.value, target)


def test_secrets_never_reach_the_logs(
    ami_server: FakeAmiServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    password = "sip-Pa55word-1001"
    with AmiTarget(ami_server.url, SECRET, timeout=2.0) as target:
        target.write(creates(agent_objects("1001", password)))
        target.read()
        target.reload([PJSIP_FILE])
        assert target.verify([o.key for o in agent_objects("1001")]) == {}
    assert "UpdateConfig" in caplog.text and "PJSIPShowEndpoint" in caplog.text
    assert password not in caplog.text
    assert SECRET not in caplog.text
