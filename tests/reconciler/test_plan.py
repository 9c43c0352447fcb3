import json
from dataclasses import replace
from pathlib import Path

import pytest

from provisioner.diff import diff
from provisioner.errors import PlanError, SafetyError
from provisioner.plan import (
    Plan,
    check_saved,
    load,
    make_plan,
    save,
    to_json,
)
from provisioner.planformat import MARKDOWN_MARKER, format_markdown, format_text
from provisioner.render.objects import ConfigObject
from provisioner.safety import Thresholds, check, violations
from provisioner.targets.base import ActualState, MemberChange
from tests.reconciler.objects import SECRET, agent_objects, aor, auth, endpoint, queue, state


def _plan(desired: list[ConfigObject], actual: ActualState, revision: str = "r2") -> Plan:
    return make_plan("dir:x", revision, diff(desired, actual), actual)


def _mixed_plan() -> Plan:
    actual = state([*agent_objects("1001"), *agent_objects("1002"), queue("old")])
    desired = [
        endpoint("1001", context="internal"),
        aor("1001"),
        auth("1001", password="rotated-secret-value"),
        *agent_objects("1002"),
        *agent_objects("1003"),
    ]
    return _plan(desired, actual)


def _outputs(plan: Plan) -> list[str]:
    return [format_text([plan]), to_json([plan]), format_markdown([plan])]


def test_text_is_terraform_style() -> None:
    text = format_text([_mixed_plan()])
    assert "  ~ pjsip_gitops.conf: endpoint '1001'" in text
    assert "      context: from-sip -> internal" in text
    assert "      password: (sensitive) -> (sensitive)" in text
    assert "  + pjsip_gitops.conf: auth '1003'" in text
    assert "      allow: ulaw\n      allow: alaw\n" in text
    assert "  - queues_gitops.conf: queue 'old'" in text
    assert "Plan: 3 to add, 2 to change, 1 to destroy." in text


def test_secrets_never_in_any_output_or_saved_plan(tmp_path: Path) -> None:
    plan = _mixed_plan()
    path = tmp_path / "plan.json"
    save(path, [plan], {"target": "dir:x"})
    for out in [*_outputs(plan), path.read_text()]:
        assert SECRET not in out
        assert "rotated-secret-value" not in out
        assert "(sensitive)" in out


def test_json_lists_redacted_changes() -> None:
    data = json.loads(to_json([_mixed_plan()]))
    (target,) = data["targets"]
    assert target["summary"] == {"add": 3, "change": 2, "destroy": 1, "members": 0}
    update = next(c for c in target["changes"] if c["kind"] == "auth" and c["name"] == "1001")
    assert update["fields"] == [
        {"key": "password", "old": ["(sensitive)"], "new": ["(sensitive)"], "sensitive": True}
    ]


def test_markdown_has_sticky_marker_and_diff_block() -> None:
    md = format_markdown([_mixed_plan()])
    assert md.startswith(MARKDOWN_MARKER)
    assert "```diff\n~ pjsip_gitops.conf: endpoint '1001'" in md


def test_no_changes_says_so() -> None:
    objects = agent_objects("1001")
    plan = _plan(objects, state(objects))
    assert not plan.has_changes
    assert "No changes." in format_text([plan])


def test_member_changes_and_unmanaged_are_shown() -> None:
    hand = endpoint("handmade")
    plan = _plan([], state([hand], managed=[]))
    change = MemberChange("remove", "sales", "Local/1001@gitops-agents", 0, "agent 1001 left")
    plan = replace(plan, members=(change,))
    text = format_text([plan])
    assert "- remove Local/1001@gitops-agents from queue sales: agent 1001 left" in text
    assert "! pjsip_gitops.conf: endpoint 'handmade'" in text
    assert "1 live queue member(s) to update" in text


def test_checksum_is_stable_and_sees_changes() -> None:
    assert _mixed_plan().checksum == _mixed_plan().checksum
    actual = state(agent_objects("1001"))
    a = _plan([endpoint("1001", context="a"), aor("1001"), auth("1001")], actual)
    b = _plan([endpoint("1001", context="b"), aor("1001"), auth("1001")], actual)
    assert a.checksum != b.checksum


def test_saved_plan_round_trip_and_stale_refusals(tmp_path: Path) -> None:
    plan = _mixed_plan()
    path = tmp_path / "plan.json"
    save(path, [plan], {"target": "dir:x", "server": None})
    saved = load(path)
    assert saved.options["target"] == "dir:x"
    (one,) = saved.plans
    check_saved(one, plan)  # same: accepted
    with pytest.raises(PlanError, match="inventory revision r2 but the inventory is now at r3"):
        check_saved(one, replace(plan, revision="r3"))
    with pytest.raises(PlanError, match="the target changed since the plan was made"):
        check_saved(one, replace(plan, fingerprint="0" * 64))
    with pytest.raises(PlanError, match="checksum mismatch"):
        check_saved(one, replace(plan, changes=plan.changes[1:]))


def test_fingerprint_sees_a_hand_edit() -> None:
    objects = agent_objects("1001")
    edited = [endpoint("1001", context="hand"), *objects[1:]]
    assert _plan(objects, state(objects)).fingerprint != _plan(objects, state(edited)).fingerprint


@pytest.mark.parametrize("content", ["not json", "{}", '{"format_version": 99, "targets": []}'])
def test_bad_plan_file_is_one_clear_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "p.json"
    path.write_text(content)
    with pytest.raises(PlanError, match=r"p\.json"):
        load(path)


def test_threshold_refuses_with_counts_and_force_overrides() -> None:
    names = [str(n) for n in range(261)]
    actual = state([queue(n) for n in names])
    desired = [queue(n, "leastrecent") if i < 104 else queue(n) for i, n in enumerate(names)]
    plan = _plan(desired, actual)
    with pytest.raises(SafetyError, match=r"39\.85% is over 30\.00% \(104/261\), use --force"):
        check(plan, Thresholds())
    check(plan, Thresholds(), force=True)
    check(plan, Thresholds(update_pcent=0.5))


def test_threshold_counts_deletes_and_ignores_small_targets() -> None:
    few = [queue(str(n)) for n in range(9)]
    assert violations(_plan([], state(few)), Thresholds()) == []
    many = [queue(str(n)) for n in range(10)]
    (found,) = violations(_plan(many[:6], state(many)), Thresholds())
    assert "delete 4 of 10" in found and "40.00% is over 30.00% (4/10)" in found
    assert violations(_plan(many[:7], state(many)), Thresholds()) == []


def test_markdown_too_long_for_a_comment_is_cut() -> None:
    plan = _plan([*agent_objects("1001"), *agent_objects("1002")], state([]))
    full = format_markdown([plan])
    short = format_markdown([plan], budget=300)
    assert len(short) < len(full)
    assert "more line(s): the full plan is in the CI job log" in short
    assert short.rstrip().endswith("</details>")


def test_repeated_keys_show_values_removed_and_added() -> None:
    before = endpoint("1001")
    options = (*(o for o in before.options if o != ("allow", "alaw")), ("allow", "g722"))
    after = replace(before, options=options)
    text = format_text([_plan([after], state([before]))])
    assert "      allow:\n        - alaw\n        + g722\n" in text


def test_objects_written_again_unchanged_do_not_count_for_the_thresholds() -> None:
    many = [queue(f"q{n}") for n in range(12)]
    actual = state(many)
    unverified = replace(actual.record, unverified=frozenset(o.key for o in many))
    plan = _plan(many, replace(actual, record=unverified))
    assert len(plan.changes) == 12 and plan.counts == (0, 0, 0)
    assert plan.shown == (0, 12, 0)
    assert violations(plan, Thresholds()) == []
    assert "Plan: 0 to add, 12 to change, 0 to destroy." in format_text([plan])
    changed = replace(many[0], options=(("strategy", "leastrecent"),))
    assert _plan([changed, *many[1:]], replace(actual, record=unverified)).counts == (0, 1, 0)


def test_forgotten_sessions_are_counted_apart_from_queue_members() -> None:
    objects = agent_objects("1001")
    plan = _plan(objects, state(objects))
    remove = MemberChange("remove", "sales", "Local/1003@gitops-agents", 0, "agent 1003 left")
    forget = MemberChange(
        "forget",
        "",
        "",
        reason="forget session of agent 1003 (not in this server's part)",
        agent="1003",
        keys=(("gitops/agent/1003", "dial"), ("gitops/agent/1003", "since")),
    )
    text = format_text([replace(plan, members=(remove, forget))])
    assert "1 live queue member(s) to update, 1 removed agent session(s) to forget." in text
    only_forget = format_text([replace(plan, members=(forget,))])
    assert "live queue member" not in only_forget
    assert "1 removed agent session(s) to forget." in only_forget
