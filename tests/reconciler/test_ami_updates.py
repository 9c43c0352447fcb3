"""The UpdateConfig requests built from object changes (no server needed)."""

from __future__ import annotations

from provisioner.render.objects import PJSIP_FILE, QUEUES_FILE
from provisioner.targets.ami.updates import file_requests
from tests.reconciler.ami_helpers import aor, creates, delete, endpoint, queue, update


def numbered(headers: tuple[tuple[str, str], ...]) -> list[tuple[str, ...]]:
    """The numbered actions of a request as tuples (Action, Cat, Var?, Value?, Options?)."""
    actions: dict[str, list[str]] = {}
    for key, value in headers:
        kind, _, number = key.rpartition("-")
        if kind in ("Action", "Cat", "Var", "Value", "Options"):
            actions.setdefault(number, []).append(f"{kind}={value}")
    return [tuple(parts) for _, parts in sorted(actions.items())]


def test_a_create_is_built_under_a_temporary_name_then_renamed() -> None:
    (request,) = file_requests(PJSIP_FILE, creates([aor("1001")]))
    steps = numbered(request.headers)
    assert steps[0] == ("Action=NewCat", "Cat=1001~gitops-new~aor")
    assert steps[1] == ("Action=Append", "Cat=1001~gitops-new~aor", "Var=type", "Value=aor")
    assert steps[-1] == ("Action=RenameCat", "Cat=1001~gitops-new~aor", "Value=1001")
    assert ("SrcFilename", PJSIP_FILE) in request.headers
    assert ("DstFilename", PJSIP_FILE) in request.headers


def test_deletes_use_the_quoted_catfilter_in_pjsip_only() -> None:
    (pjsip,) = file_requests(PJSIP_FILE, [delete(aor("1001"))])
    assert numbered(pjsip.headers) == [
        ("Action=DelCat", "Cat=1001", 'Options=catfilter="type=aor"')
    ]
    (queues,) = file_requests(QUEUES_FILE, [delete(queue("sales"))])
    assert numbered(queues.headers) == [("Action=DelCat", "Cat=sales")]


def test_deletes_then_updates_then_creates() -> None:
    changes = [*creates([endpoint("2")]), update(aor("1"), aor("1", "2")), delete(aor("3"))]
    (request,) = file_requests(PJSIP_FILE, changes)
    ops = [(step[0], step[1]) for step in numbered(request.headers)]
    assert ops[0] == ("Action=DelCat", "Cat=3")
    assert ops[1] == ("Action=DelCat", "Cat=1")
    assert ops[2] == ("Action=NewCat", "Cat=1~gitops-new~aor")
    assert ops[-1] == ("Action=RenameCat", "Cat=2~gitops-new~endpoint")


def test_semicolons_are_escaped_for_the_config_file() -> None:
    (request,) = file_requests(PJSIP_FILE, creates([endpoint("1", ("set_var", "A=b;c"))]))
    assert ("Var=set_var", "Value=A=b\\;c") in [s[2:] for s in numbered(request.headers)]


def test_requests_are_split_between_objects_only() -> None:
    objects = [aor(str(n)) for n in range(10)]  # NewCat, 3 Append, RenameCat: 5 actions each
    requests = file_requests(PJSIP_FILE, creates(objects), max_actions=12)
    assert [len(numbered(r.headers)) for r in requests] == [10, 10, 10, 10, 10]
    for request in requests:
        ops = [step[0] for step in numbered(request.headers)]
        assert ops.count("Action=NewCat") == ops.count("Action=RenameCat") == 2


def test_no_change_no_request() -> None:
    assert file_requests(PJSIP_FILE, []) == []
