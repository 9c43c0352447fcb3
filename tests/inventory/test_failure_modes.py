"""Each failure mode: a small fixture inventory, the file, line, field and sentence reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from provisioner.inventory import load_inventory
from provisioner.inventory.files import MAX_FILE_BYTES, MAX_INVENTORY_BYTES
from provisioner.inventory.load import MAX_FILE_PROBLEMS

from .conftest import FIXTURES, problems_of

# fixture: (file inside the fixture, line, column or None, field path, words of the message)
CASES: dict[str, tuple[str, int, int | None, str, str]] = {
    "broken-settings": (
        "settings.yaml",
        4,
        31,
        "settings.pause_reasons[1].colour",
        "unknown field 'colour'",  # and no guess about the agents' reasons
    ),
    "broken-settings-voice": (
        "settings.yaml",
        4,
        3,
        "settings.bogus",
        "unknown field 'bogus'",  # and no guess that the agent's encryption goes over udp
    ),
    "broken-yaml": ("agents.yaml", 7, 4, "", "the YAML is broken here"),
    "duplicate-key": ("agents.yaml", 6, 5, "", "the key 'name' appears twice"),
    "unquoted-extension": ("agents.yaml", 4, 5, "agents[0].extension", 'quote it, e.g. "0100"'),
    "clear-pin": ("agents.yaml", 5, 5, "agents[0].pin", "run `provisioner hash-pin`"),
    "pin-hash-too-costly": (
        "agents.yaml",
        6,
        5,
        "agents[0].pin",
        "the hash `provisioner hash-pin` prints (pbkdf2_sha256, 10000 to 600000 iterations",
    ),
    "unknown-field": ("agents.yaml", 6, 5, "agents[0].hotdesk", "did you mean 'hot_desk'?"),
    "bad-codec": ("agents.yaml", 7, 22, "agents[0].voice.codecs[1]", "'speex' is not allowed"),
    "missing-required": ("agents.yaml", 2, 5, "agents[0]", "missing the required fields name, pin"),
    "empty-file": ("agents.yaml", 1, 1, "", "the file is empty: it must start with 'agents:'"),
    "not-utf8": ("queues.yaml", 4, 20, "", "not UTF-8 text: byte 0xe9 at offset 79"),
    "line-separator": (
        "phones.yaml",
        5,
        5,
        "phones[0].name",
        "holds a line separator (U+2028): a line break Asterisk's config",
    ),
    "phone-name-too-long": (
        "phones.yaml",
        5,
        5,
        "phones[0].name",
        "is 80 bytes long: Asterisk keeps at most 79 bytes of a caller ID name",
    ),
    "callerid-too-long": (
        "agents.yaml",
        8,
        7,
        "agents[0].voice.callerid",
        "the caller ID name is 2000 bytes long: Asterisk keeps at most 79",
    ),
    "server-name-too-long": (
        "settings.yaml",
        4,
        7,
        "settings.servers[0].name",
        "is 300 bytes long: a file name holds at most 255 bytes",
    ),
    "misnamed-file": ("agent.yaml", 0, 0, "", "not an inventory file"),
    "link-outside": ("phones/x.yaml", 0, 0, "", "a link to a place outside the inventory"),
    "unknown-queue": ("agents.yaml", 8, 10, "agents[0].queues[1].queue", "unknown queue 'salse'"),
    "unknown-phone": ("agents.yaml", 6, 5, "agents[0].phone", "unknown phone 'desk-9'"),
    "duplicate-id": (
        "agents/paris.yaml",
        2,
        5,
        "agents[0].id",
        "'ann' is already used by agent ann",
    ),
    "duplicate-id-case": (  # config.c finds sections with strcasecmp: [Ann] is [ann]
        "agents/paris.yaml",
        2,
        5,
        "agents[0].id",
        "'Ann' is already used by agent ann (",
    ),
    "duplicate-id-case-phone": (  # agents and phones share the PJSIP namespace
        "phones.yaml",
        4,
        5,
        "phones[1].id",
        "'ANN' is already used by agent ann (",
    ),
    "duplicate-queue-case": ("queues.yaml", 4, 5, "queues[2].name", "'Sales' is already used"),
    "trunk-name-case": ("agents.yaml", 6, 5, "agents[1].id", "outbound trunk 'carrier': Asterisk"),
    "duplicate-extension": ("phones.yaml", 5, 5, "phones[1].extension", "'1001' is already used"),
    "feature-code-collision": ("agents.yaml", 4, 5, "agents[0].extension", "login feature code"),
    "queue-number-extension": (
        "queues.yaml",
        3,
        5,
        "queues[0].number",
        "the number 500 of queue sales is already used by agent ann (",
    ),
    "queue-number-feature-code": (
        "queues.yaml",
        4,
        21,
        "queues[0].extra_numbers[0]",
        "7301 of queue sales starts with the pause feature code 73",
    ),
    "queue-number-twice": (
        "queues.yaml",
        6,
        37,
        "queues[1].extra_numbers[1]",
        "the number 500 of queue support is already used by queue sales (",
    ),
    "queue-number-invalid": ("queues.yaml", 3, 5, "queues[0].number", 'quote it, e.g. "500"'),
    "agi-servers-bad-port": ("settings.yaml", 4, 24, "settings.agi[1].port", "at least 1"),
    "hot-desk-no-phone": ("agents.yaml", 6, 5, "agents[0].hot_desk", "no phones to log in at"),
    "hot-desk-wrong-server": ("agents.yaml", 6, 5, "agents[0].hot_desk", "no phone is served"),
    "hot-desk-with-phone": (
        "agents.yaml",
        7,
        5,
        "agents[0].phone",
        "hot-desk agent logs in at any",
    ),
    "mobile-without-number": ("agents.yaml", 6, 5, "agents[0].default_interface", "no mobile"),
    "phone-interface-without-phone": (
        "agents.yaml",
        6,
        5,
        "agents[0].default_interface",
        "no assigned phone",
    ),
    "phone-assigned-twice": (
        "agents.yaml",
        11,
        5,
        "agents[1].phone",
        "already assigned to agent ann",
    ),
    "srtp-over-udp": ("agents.yaml", 8, 7, "agents[0].voice.encryption", "over udp would send"),
    "srtp-default-transport": (
        "settings.yaml",
        4,
        5,
        "settings.defaults.encryption",
        "media keys in clear",
    ),
    "supervisor-unknown-queue": (
        "settings.yaml",
        6,
        23,
        "settings.supervisors[0].queues[1]",
        "unknown queue 'salse'",
    ),
    "supervisor-id-is-agent": (
        "settings.yaml",
        3,
        7,
        "settings.supervisors[0].id",
        "'ann' is an agent's id: a supervisor logs in by a name of their own",
    ),
    "token-clear": (
        "settings.yaml",
        4,
        7,
        "settings.tokens[0].hash",
        "the value is not a valid hash: a token is stored as the hash `provisioner new-token`",
    ),
    "login-paused-unknown-reason": (
        "agents.yaml",
        7,
        5,
        "agents[0].login_paused",
        "unknown pause reason 'coffee' (known: lunch)",
    ),
    "client-logs-bad-level": (
        "agents.yaml",
        7,
        19,
        "agents[0].client_logs.level",
        "'verbose' is not a valid level: choose one of debug, info, warning, error",
    ),
    "unknown-pause-reason": (
        "agents.yaml",
        7,
        30,
        "agents[0].permissions.pause_reasons[1]",
        "unknown pause reason 'coffee'",
    ),
    "server-unknown-names": ("settings.yaml", 5, 21, "settings.servers[0].agents[1]", "'zoe'"),
    "queue-member-wrong-server": (
        "agents.yaml",
        6,
        15,
        "agents[0].queues[0].queue",
        "served by server lyon, which does not serve this agent",
    ),
    "not-served": ("agents.yaml", 6, 5, "agents[1].id", "no server in settings.servers serves"),
    "ami-without-secret": ("settings.yaml", 4, 7, "settings.servers[0].target", "secret_env"),
    "nat-combination": ("agents.yaml", 7, 7, "agents[0].voice.nat", "cannot be combined"),
    "fixed-host-user": ("agents.yaml", 8, 7, "agents[0].voice.type", "type user cannot be reached"),
    "bad-host": ("agents.yaml", 7, 7, "agents[0].voice.host", "neither 'dynamic' nor an IP"),
    "secret-is-master-key": (
        "agents.yaml",
        7,
        14,
        "agents[0].secret.env",
        "GITOPS_MASTER_KEY holds the master key",
    ),
    "shared-secret": ("agents.yaml", 11, 5, "agents[1].secret", "'env:TEAM_SECRET' is already"),
}


@pytest.mark.parametrize("mode", sorted(CASES))
def test_failure_mode_is_reported_with_file_line_and_field(mode: str) -> None:
    file, line, column, path, words = CASES[mode]
    root = FIXTURES / mode
    problems = problems_of(root)
    assert len(problems) == 1, [str(p) for p in problems]
    problem = problems[0]
    assert problem.file == str(root / file)
    assert (problem.line, problem.path) == (line, path)
    assert column is None or problem.column == column
    assert words in problem.message


def test_every_problem_is_collected_in_one_run() -> None:
    problems = problems_of(FIXTURES / "many-problems")
    found = {(p.line, p.path) for p in problems}
    assert found == {
        (6, "agents[0].queues[0].queue"),
        (9, "agents[1].extension"),
        (11, "agents[1].phone"),
        (17, "agents[2].voice.nat"),
    }


def test_duplicate_pause_reasons_name_both_fields() -> None:
    problems = problems_of(FIXTURES / "duplicate-pause-reason")
    assert [(p.line, p.path) for p in problems] == [
        (5, "settings.pause_reasons[2].code"),
        (6, "settings.pause_reasons[3].name"),
    ]
    assert "code 1 is already used by 'lunch'" in problems[0].message


def test_queue_side_members_are_checked() -> None:
    problems = problems_of(FIXTURES / "queue-members")
    assert [p.path for p in problems] == [
        "queues[0].members[0].penalty",
        "queues[0].members[1].agent",
    ]
    assert "penalty 1" in problems[0].message and "3 here" in problems[0].message
    assert "unknown agent 'zoe'" in problems[1].message


def test_a_clear_pin_is_never_repeated_in_the_message() -> None:
    (problem,) = problems_of(FIXTURES / "clear-pin")
    assert "1234" not in str(problem)


def test_broken_file_does_not_hide_other_files_problems(tmp_path: Path) -> None:
    (tmp_path / "agents.yaml").write_text("agents:\n  - id: [\n")
    (tmp_path / "queues.yaml").write_text("queues:\n  - name: sales\n    strategy: fastest\n")
    problems = problems_of(tmp_path)
    assert [p.file.rsplit("/", 1)[-1] for p in problems] == ["agents.yaml", "queues.yaml"]
    assert "choose one of ringall" in problems[1].message


def test_valid_minimal_inventory_loads() -> None:
    inventory = load_inventory(FIXTURES / "valid-minimal", use_cache=False)
    assert [a.id for a in inventory.agents] == ["ann"]
    assert inventory.queues[0].members[0].agent == "ann"
    assert inventory.queues[0].members[0].penalty == 1


def test_problems_of_a_file_are_capped_and_the_cap_is_said() -> None:
    root = FIXTURES / "many-invalid-items"
    problems = problems_of(root)
    assert len(problems) == MAX_FILE_PROBLEMS + 1
    stop, *first = problems  # the file's first line says it stopped
    assert (stop.file, stop.line) == (str(root / "agents.yaml"), 1)
    assert f"stopped after {MAX_FILE_PROBLEMS} problems in this file" in stop.message
    assert [p.line for p in first[:3]] == [3, 3, 4]  # then the first ones, in file order


def test_a_file_too_large_for_an_inventory_is_refused_unread(tmp_path: Path) -> None:
    with (tmp_path / "agents.yaml").open("w") as f:
        f.write("agents:\n")
        f.truncate(MAX_FILE_BYTES + 1)
    (problem,) = problems_of(tmp_path)
    assert problem.file.endswith("agents.yaml") and problem.line == 0
    assert f"at most {MAX_FILE_BYTES >> 20} MiB" in problem.message


def test_files_past_the_inventory_total_are_refused_unread(tmp_path: Path) -> None:
    (tmp_path / "agents").mkdir()
    size = MAX_FILE_BYTES - 1
    count = MAX_INVENTORY_BYTES // size + 1
    for n in range(count):
        with (tmp_path / "agents" / f"team-{n}.yaml").open("w") as f:
            f.truncate(size)
    problems = problems_of(tmp_path)
    refused = [p for p in problems if "already hold" in p.message]
    assert [p.file.rsplit("/", 1)[-1] for p in refused] == [f"team-{count - 1}.yaml"]
    assert f"{MAX_INVENTORY_BYTES >> 20} MiB, the most an inventory may" in refused[0].message
