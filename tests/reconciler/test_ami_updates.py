"""The UpdateConfig requests built from object changes (no server needed)."""

from __future__ import annotations

from provisioner.render.objects import EXTENSIONS_FILE, PJSIP_FILE, QUEUES_FILE
from provisioner.targets.ami.updates import NOTE_KEY, file_requests, is_leftover, temporary_name
from tests.reconciler.ami_helpers import (
    aor,
    auth,
    context,
    creates,
    delete,
    endpoint,
    queue,
    update,
)


def numbered(headers: tuple[tuple[str, str], ...]) -> list[tuple[str, ...]]:
    """The numbered actions of a request as tuples (Action, Cat, Var?, Value?, Options?)."""
    actions: dict[str, list[str]] = {}
    for key, value in headers:
        kind, _, number = key.rpartition("-")
        if kind in ("Action", "Cat", "Var", "Value", "Options", "Match", "Line"):
            actions.setdefault(number, []).append(f"{kind}={value}")
    return [tuple(parts) for _, parts in sorted(actions.items())]


def test_a_create_is_built_under_a_temporary_name_then_renamed() -> None:
    (request,) = file_requests(PJSIP_FILE, creates([aor("1001")]))
    steps = numbered(request.headers)
    assert steps[0] == ("Action=NewCat", "Cat=1001~g~a")
    assert steps[1] == ("Action=Append", "Cat=1001~g~a", f"Var={NOTE_KEY}", "Value=agent:1001")
    assert steps[2] == ("Action=Append", "Cat=1001~g~a", "Var=type", "Value=aor")
    assert steps[-1] == ("Action=RenameCat", "Cat=1001~g~a", "Value=1001")
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
    assert ops[1] == ("Action=NewCat", "Cat=1~g~a")
    swap = ops.index(("Action=DelCat", "Cat=1"))
    assert ops[swap + 1] == ("Action=RenameCat", "Cat=1~g~a")
    assert ops[swap + 2] == ("Action=NewCat", "Cat=2~g~e")
    assert ops[-1] == ("Action=RenameCat", "Cat=2~g~e")


def test_no_request_exceeds_what_asterisk_reads() -> None:
    objects = [endpoint(str(n)) for n in range(40)]
    requests = file_requests(PJSIP_FILE, creates(objects))
    assert len(requests) > 1
    for request in requests:
        assert len(request.headers) + 2 <= 128  # Action and ActionID come on top
        ops = [step[0] for step in numbered(request.headers)]
        assert ops.count("Action=NewCat") == ops.count("Action=RenameCat")


def test_a_large_object_is_built_over_several_requests_and_swapped_in_by_the_last() -> None:
    big = context("gitops-agents", *(f"{n},1,Dial(PJSIP/{n})" for n in range(100)))
    before = context("gitops-agents", "1,1,Hangup()")
    requests = file_requests(EXTENSIONS_FILE, [update(before, big)])
    assert len(requests) >= 4
    first, last = numbered(requests[0].headers), numbered(requests[-1].headers)
    assert first[0] == ("Action=NewCat", "Cat=gitops-agents~g~c")
    assert last[-2:] == [
        ("Action=DelCat", "Cat=gitops-agents"),
        ("Action=RenameCat", "Cat=gitops-agents~g~c", "Value=gitops-agents"),
    ]
    appended = [s for r in requests for s in numbered(r.headers) if s[0] == "Action=Append"]
    assert len(appended) == 1 + 100  # the managed-by note, then every line


def test_leftovers_are_removed_first() -> None:
    (request,) = file_requests(QUEUES_FILE, creates([queue("q")]), leftovers=["q~g~q"])
    assert numbered(request.headers)[0] == ("Action=DelCat", "Cat=q~g~q")


def test_semicolons_are_escaped_for_the_config_file() -> None:
    (request,) = file_requests(PJSIP_FILE, creates([endpoint("1", ("set_var", "A=b;c"))]))
    assert ("Var=set_var", "Value=A=b\\;c") in [s[2:] for s in numbered(request.headers)]


def test_requests_are_split_between_objects_only() -> None:
    objects = [aor(str(n)) for n in range(10)]  # NewCat, note + 3 Append, RenameCat: 6
    requests = file_requests(PJSIP_FILE, creates(objects), max_actions=13)
    assert [len(numbered(r.headers)) for r in requests] == [12, 12, 12, 12, 12]
    for request in requests:
        ops = [step[0] for step in numbered(request.headers)]
        assert ops.count("Action=NewCat") == ops.count("Action=RenameCat") == 2


def test_no_change_no_request() -> None:
    assert file_requests(PJSIP_FILE, []) == []


def test_a_small_change_to_a_large_context_is_an_edit_in_place() -> None:
    lines = [f"{n},1,Dial(PJSIP/{n})" for n in range(1000)]
    moved = [*lines[:500], "9999,1,Dial(PJSIP/500)", *lines[501:]]
    (request,) = file_requests(
        EXTENSIONS_FILE, [update(context("big", *lines), context("big", *moved))]
    )
    assert numbered(request.headers) == [
        ("Action=Delete", "Cat=big", "Var=exten", "Match=500,1,Dial(PJSIP/500)"),
        ("Action=Insert", "Cat=big", "Var=exten", "Value=9999,1,Dial(PJSIP/500)", "Line=500"),
    ]


def test_repeated_lines_are_rebuilt_not_edited() -> None:
    before = context("c", "s,1,NoOp()", "s,n,Hangup()", "t,1,NoOp()", "s,n,Hangup()")
    after = context("c", "s,1,NoOp()", "t,1,NoOp()", "s,n,Hangup()")
    (request,) = file_requests(EXTENSIONS_FILE, [update(before, after)])
    ops = [step[0] for step in numbered(request.headers)]
    assert ops[0] == "Action=NewCat" and ops[-1] == "Action=RenameCat"


def test_an_unchanged_object_written_again_is_rebuilt_whole() -> None:
    # an object that failed verification is planned as an update with nothing different:
    # it must still be written (an empty edit in place would send no request at all)
    (request,) = file_requests(QUEUES_FILE, [update(queue("sales"), queue("sales"))])
    steps = numbered(request.headers)
    assert steps[0] == ("Action=NewCat", "Cat=sales~g~q")
    assert ("Action=DelCat", "Cat=sales") in steps
    assert steps[-1] == ("Action=RenameCat", "Cat=sales~g~q", "Value=sales")


def test_temporary_names_fit_asterisks_79_bytes_and_stay_apart() -> None:
    long_names = ["x" * 64, "y" * 79, "y" * 78 + "z"]
    objects = [aor(n) for n in long_names] + [endpoint(n) for n in long_names]
    objects += [context(n) for n in long_names]
    temps = {temporary_name(o) for o in objects}
    assert len(temps) == len(objects)
    assert all(len(t) <= 79 and is_leftover(t) for t in temps)
    assert temporary_name(aor("1001")) != temporary_name(auth("1001", "pw"))


def test_leftovers_are_recognised_under_either_suffix_and_ids_are_not() -> None:
    assert is_leftover("1001~g~a") and is_leftover("q~gitops-new~queue")
    assert not is_leftover("1001") and not is_leftover("gitops-agents")


def test_requests_are_filled_across_objects_to_asterisks_line_limit() -> None:
    # a first apply: every agent's endpoint, aor and auth (66 + 21 + 25 lines with their
    # notes); the old packing closed a request as soon as the next object did not fit (one
    # request per agent: 30)
    objects = [o for n in range(30) for o in (endpoint(str(n)), aor(str(n)), auth(str(n), "pw"))]
    requests = file_requests(PJSIP_FILE, creates(objects))
    sizes = [len(r.headers) - 2 for r in requests]  # SrcFilename, DstFilename
    assert all(size <= 124 for size in sizes)
    assert len(requests) <= -(-sum(sizes) // 124) + 2  # first fit: near as few as lines allow
    built = [
        s[1].removeprefix("Cat=")
        for r in requests
        for s in numbered(r.headers)
        if s[0] == "Action=RenameCat"
    ]
    assert sorted(built) == sorted(temporary_name(o) for o in objects)


def test_groups_of_one_object_stay_in_order_and_phases_never_go_back() -> None:
    big = context("gitops-agents", *(f"{n},1,Dial(PJSIP/{n})" for n in range(60)))
    changes = [
        update(context("gitops-agents", "1,1,Hangup()"), big),
        *creates([context(f"c{n}", "s,1,NoOp()") for n in range(20)]),
        delete(context("old")),
    ]
    requests = file_requests(EXTENSIONS_FILE, changes)
    order = [(s[0], s[1]) for r in requests for s in numbered(r.headers)]
    assert order[0] == ("Action=DelCat", "Cat=old")
    swap = order.index(("Action=RenameCat", "Cat=gitops-agents~g~c"))
    built = [n for n, step in enumerate(order) if step[1] == "Cat=gitops-agents~g~c"]
    assert max(built) == swap
    # the small creates fill the room the big build left, but only after the deletes
    assert order.index(("Action=NewCat", "Cat=c0~g~c")) > 0


def test_an_edit_that_deletes_the_first_line_writes_the_note_again() -> None:
    """Finding 7: the note is a comment of the first line; deleting that line drops it."""
    before = context("c", "a,1,NoOp()", "b,1,NoOp()")
    (request,) = file_requests(EXTENSIONS_FILE, [update(before, context("c", "b,1,NoOp()"))])
    assert numbered(request.headers) == [
        ("Action=Delete", "Cat=c", "Var=exten", "Match=a,1,NoOp()"),
        ("Action=Insert", "Cat=c", f"Var={NOTE_KEY}", "Value=dialplan", "Line=0"),
    ]
    later = context("c", "a,1,NoOp()", "b,1,NoOp()", "z,1,NoOp()")
    (request,) = file_requests(EXTENSIONS_FILE, [update(before, later)])
    assert [s[0] for s in numbered(request.headers)] == ["Action=Append"]  # first line kept
