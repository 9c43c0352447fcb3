from pathlib import Path

import pytest

from provisioner.errors import TargetError
from provisioner.model import Inventory, Server, Settings
from provisioner.targets import AMI_SECRET_ENV, ami_servers, open_target, select
from provisioner.targets.directory import DirectoryTarget

EMPTY = Inventory(Settings(), (), (), ())


def _with_servers(*servers: Server) -> Inventory:
    return Inventory(Settings(servers=servers), (), (), ())


def test_default_is_the_asterisk_config_directory() -> None:
    (job,) = select(EMPTY, None, None, {})
    assert isinstance(job.target, DirectoryTarget)
    assert job.target.path == Path("asterisk-config") and job.server is None


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("ami://gitops:pw@127.0.0.1:5038", "the secret comes from the environment"),
        ("ami://127.0.0.1:5038", "use ami://USER@HOST:PORT"),
        ("ami://gitops@127.0.0.1", "use ami://USER@HOST:PORT"),
        ("ami://gitops@127.0.0.1:99999", "use ami://USER@HOST:PORT"),
        ("dir:", "needs a path"),
        ("ftp://x", "unknown target"),
    ],
)
def test_bad_specs_are_clear_errors(spec: str, message: str) -> None:
    with pytest.raises(TargetError, match=message):
        select(EMPTY, spec, None, {AMI_SECRET_ENV: "s"})


def test_ami_secret_from_the_environment_only() -> None:
    with pytest.raises(TargetError, match=f"environment variable {AMI_SECRET_ENV}"):
        open_target("ami://gitops@127.0.0.1:5038", AMI_SECRET_ENV, {})
    target = open_target("ami://gitops@127.0.0.1:5038", AMI_SECRET_ENV, {AMI_SECRET_ENV: "s"})
    assert target.name == "ami://gitops@127.0.0.1:5038"


def test_server_secret_env_is_used_for_its_ami_target() -> None:
    inv = _with_servers(
        Server("pbx1", "ami://gitops@127.0.0.1:5038", secret_env="PBX1_SECRET"),
        Server("pbx2", "dir:elsewhere"),
    )
    with pytest.raises(TargetError, match="PBX1_SECRET"):
        select(inv, "pbx1", None, {AMI_SECRET_ENV: "not this one"})
    (job,) = select(inv, "pbx1", None, {"PBX1_SECRET": "s"})
    assert job.server == "pbx1" and job.label == "pbx1 (ami://gitops@127.0.0.1:5038)"
    (job,) = select(inv, "ami://gitops@10.0.0.9:5038", "pbx1", {"PBX1_SECRET": "s"})
    assert job.target.name == "ami://gitops@10.0.0.9:5038" and job.server == "pbx1"


def test_the_servers_reached_over_ami_include_those_keeping_pjsip_in_astdb() -> None:
    inv = _with_servers(
        Server("paris", "ami://gitops@10.0.0.1:5038"),
        Server("rome", "ami+astdb://gitops@10.0.0.2:5038"),
        Server("lab", "dir:lab"),
    )
    assert [s.name for s in ami_servers(inv)] == ["paris", "rome"]
    assert [s.name for s in ami_servers(inv, ["rome"])] == ["rome"]
    with pytest.raises(TargetError, match=r"--server lab: no ami:// server .*\(paris, rome\)"):
        ami_servers(inv, ["lab"])
    with pytest.raises(TargetError, match="names no ami://"):
        ami_servers(_with_servers(Server("lab", "dir:lab")))
