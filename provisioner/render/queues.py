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
    options = (
        ("strategy", queue.strategy),
        ("timeout", str(queue.timeout)),
        ("retry", str(queue.retry)),
        ("wrapuptime", str(queue.wrapuptime)),
        ("maxlen", str(queue.maxlen)),
        ("weight", str(queue.weight)),
        ("announce-frequency", str(queue.announce_frequency)),
        ("musicclass", queue.musicclass),
        ("announce-position", queue.announce_position),
        ("announce-holdtime", queue.announce_holdtime),
        *FIXED_OPTIONS,
    )
    return ConfigObject(QUEUES_FILE, "queue", queue.name, options, f"queue:{queue.name}")
