"""queues.conf categories: one per queue. Members are never listed: agents join at runtime
(dynamic members added by the AGI server at login)."""

from __future__ import annotations

from provisioner.model import Queue
from provisioner.render.objects import QUEUES_FILE, ConfigObject

CALLER_HEARS: frozenset[str] = frozenset({"music", "ringing"})
ANNOUNCE_POSITION: frozenset[str] = frozenset({"yes", "no", "more", "limit"})
ANNOUNCE_HOLDTIME: frozenset[str] = frozenset({"yes", "no", "once"})
STRATEGIES: frozenset[str] = frozenset(
    {
        "ringall",
        "leastrecent",
        "fewestcalls",
        "random",
        "rrmemory",
        "linear",
        "wrandom",
        "rrordered",
    }
)
# Queue field -> queues.conf option, in render order (``provisioner dump`` reads them back).
QUEUE_OPTIONS: tuple[tuple[str, str], ...] = (
    ("strategy", "strategy"),
    ("timeout", "timeout"),
    ("retry", "retry"),
    ("wrapuptime", "wrapuptime"),
    ("maxlen", "maxlen"),
    ("weight", "weight"),
    ("announce_frequency", "announce-frequency"),
    ("musicclass", "musicclass"),
    ("announce_position", "announce-position"),
    ("announce_holdtime", "announce-holdtime"),
)
# Queue fields rendered to the dialplan (context gitops-queues: the numbers callers dial and
# Queue()'s own options), not to queues.conf: ``provisioner dump`` does not read them back.
DIALPLAN_FIELDS: tuple[str, ...] = ("number", "extra_numbers", "max_wait", "caller_hears")
# Fixed for every managed queue (see docs/voice-mapping.md).
FIXED_OPTIONS: tuple[tuple[str, str], ...] = (
    ("joinempty", "yes"),
    ("leavewhenempty", "no"),
    ("ringinuse", "no"),
    ("setinterfacevar", "yes"),
    ("setqueuevar", "yes"),
    ("autofill", "yes"),
)


def queue_object(queue: Queue) -> ConfigObject:
    fields = tuple((option, str(getattr(queue, name))) for name, option in QUEUE_OPTIONS)
    options = (*fields, *FIXED_OPTIONS)
    return ConfigObject(QUEUES_FILE, "queue", queue.name, options, f"queue:{queue.name}")
