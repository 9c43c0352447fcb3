"""FakeAsterisk: the one shared, thread-safe state behind the fake AMI server and AGI client.

Config files by name, PJSIP objects and queues loaded on reload, registered contacts, device
states, AstDB, channel variables and the queue log. Everything the transcripts in
``shared/asterisk/`` show; see docs/test-fakes.md.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections.abc import Callable, Mapping

from agi.prompts import SHIPPED, STOCK
from tests.fakes import config as cfg
from tests.fakes import config_text, pjsip
from tests.fakes.events import AmiEvent, EventHub
from tests.fakes.func_lock import NamedLocks
from tests.fakes.queue_ops import QueueOps
from tests.fakes.queues import NOT_INUSE, Queue, build_queue
from tests.fakes.registration import Contact, RegistrationOps

INITIAL_FILES: Mapping[str, str] = {
    "pjsip.conf": (
        "[transport-udp]\ntype=transport\nprotocol=udp\nbind=127.0.0.1:5060\n\n"
        "[transport-tcp]\ntype=transport\nprotocol=tcp\nbind=127.0.0.1:5060\n\n"
        "#tryinclude pjsip_gitops.conf\n"
    ),
    "queues.conf": "[general]\npersistentmembers=no\n\n#tryinclude queues_gitops.conf\n",
    "extensions.conf": "[general]\nstatic=yes\n\n#tryinclude extensions_gitops.conf\n",
    "pjsip_gitops.conf": "",
    "queues_gitops.conf": "",
    "extensions_gitops.conf": "",
}
MODULES = ("res_pjsip.so", "app_queue.so", "pbx_config.so", "chan_pjsip.so", "res_agi.so")
ASTDB_KINDS = frozenset({"endpoint", "aor", "auth", "identify"})  # sorcery_astdb mode


class FakeAsterisk(QueueOps, RegistrationOps):
    """The state of one fake Asterisk 22 (thread-safe: every public method takes the lock)."""

    version = "22.10.1"

    def __init__(
        self,
        *,
        auth_success_events: bool = True,
        clock: Callable[[], float] = time.time,
        sorcery_astdb: str | None = None,
    ) -> None:
        self.lock = threading.RLock()
        # sorcery.conf mapping endpoint, aor, auth and identify to res_sorcery_astdb with this
        # family prefix (``pjsip``): those objects are then read from AstDB at each lookup
        self.sorcery_astdb = sorcery_astdb
        self.hub = EventHub()
        self.clock = clock
        self.auth_success_events = auth_success_events
        self.config_dir = "ASTDIR/etc"
        self.files: dict[str, cfg.ConfigFile] = {
            name: config_text.parse_config(name, text) for name, text in INITIAL_FILES.items()
        }
        self.pjsip_objects: dict[tuple[str, str], pjsip.PjsipObject] = {}
        self.queues: dict[str, Queue] = {}
        self.registrations: dict[str, Contact] = {}
        self.unreachable: set[str] = set()
        self.device_states: dict[str, int] = {}
        self.astdb: dict[str, str] = {}
        self.named_locks = NamedLocks()  # LOCK / TRYLOCK / UNLOCK (func_lock)
        self.channel_vars: dict[str, dict[str, str]] = {}
        self.queue_log: list[tuple[str, ...]] = []
        self.dialplan_hooks: dict[str, Callable[[FakeAsterisk], None]] = {}
        self.active_channels: set[str] = set()  # channels up, for CHANNELS()
        self.agi_sessions: list[threading.Thread] = []  # Originate(Application=AGI)
        # sound file -> its length in samples (STREAM FILE's endpos): Debian's stock sounds
        # the project plays; ``install_prompts()`` adds the prompts asterisk-gitops ships
        self.sounds: dict[str, int] = {name: 8000 for name in STOCK}
        self.sounds.update({"agent-pass": 26400, "agent-user": 14400, "beep": 2400})
        self.reloads: list[str] = []
        self.boot_time = self.now()
        self._sequence = itertools.count(1)
        self.reload(None, announce=False)

    def install_prompts(self) -> None:
        """What ``asterisk-gitops-agi install-prompts`` does to a real Asterisk."""
        self.sounds.update({name: 8000 for name in SHIPPED})

    def sound_exists(self, name: str) -> bool:
        return name in self.sounds

    def now(self) -> int:
        return int(self.clock())

    def next_sequence(self) -> int:
        """1, 2, 3, ...: numbers channels and unique ids, as Asterisk's counter does."""
        with self.lock:
            return next(self._sequence)

    def emit(self, name: str, category: str, fields: list[tuple[str, str]]) -> None:
        """Publish an unsolicited AMI event to every connected session."""
        self.hub.publish(AmiEvent(name, category, tuple(fields)))

    # ---- config files -------------------------------------------------------------------

    def config_text(self, name: str) -> str:
        """The file's text as Asterisk would have it on disk (``;!`` header after an update)."""
        with self.lock:
            config = self.files[name]
            self._write_out(config)
            return config.text

    def set_config_text(self, name: str, text: str) -> None:
        """Replace (or create) a config file, as an operator editing it on disk would."""
        with self.lock:
            self.files[name] = config_text.parse_config(name, text)

    def config_exists(self, name: str) -> bool:
        with self.lock:
            return name in self.files

    def categories(self, name: str) -> list[cfg.Category]:
        """The categories GetConfig lists: the file's own, then its included files' (copied)."""
        with self.lock:
            return [c.copy() for c in self._expanded(name, set())]

    def getconfig_lines(self, name: str, only: str | None = None) -> list[tuple[str, str]]:
        """GetConfig's header lines, made under the lock: no copy of every category (which
        cost 1.25 s of a 10k-agent read), yet consistent with a concurrent UpdateConfig."""
        with self.lock:
            return cfg.getconfig_lines(self._expanded(name, set()), only)

    def _expanded(self, name: str, seen: set[str]) -> list[cfg.Category]:
        if name in seen or name not in self.files:
            return []
        seen.add(name)
        config = self.files[name]
        result = [c for c in config.categories if not c.template]
        for include in config.includes:
            result.extend(self._expanded(include, seen))
        return result

    def update_config(
        self, name: str, actions: list[cfg.UpdateAction], source: str | None = None
    ) -> None:
        """Apply UpdateConfig actions to ``source`` (default: the same file) and save the
        result as ``name``, all or nothing; raises config.UpdateError, changing nothing.

        The save's text is written out when it is read (``config_text``) or before a request
        after which saving once would not give the same text (``config.save_can_wait``)."""
        with self.lock:
            if name not in self.files or (source or name) not in self.files:
                raise cfg.UpdateError("File requires escalated privileges")
            stamp = time.asctime(time.gmtime(self.clock()))
            if source in (None, name):
                config = self.files[name]
                if not cfg.save_can_wait(config, actions):
                    self._write_out(config)
                cfg.apply_updates(config, actions)
                if any(a.var.startswith(";") for a in actions):  # a comment: as a re-read
                    config.unsaved = stamp
                    self._write_out(config)
            else:  # keep the source file's items untouched
                origin = self.files[source or name]
                self._write_out(origin)
                copied = [c.copy() for c in origin.categories]
                config = cfg.ConfigFile(name, copied, list(origin.includes))
                cfg.apply_updates(config, actions)
                self.files[name] = config
            config.unsaved = stamp

    def _write_out(self, config: cfg.ConfigFile) -> None:
        """Write the pending UpdateConfig save (renumbering items as a re-read would)."""
        if config.unsaved is not None:
            config.text = config_text.save_text(config, config.unsaved, self.config_dir)
            config.unsaved = None

    # ---- reload -------------------------------------------------------------------------

    def reload(self, module: str | None, *, announce: bool = True) -> bool:
        """Reload one module (``res_pjsip.so``, ``app_queue.so``, ...) or all; False if unknown."""
        wanted = MODULES if module is None else (_module_name(module),)
        if any(m not in MODULES for m in wanted):
            return False
        with self.lock:
            for name in wanted:
                self.reloads.append(name)
                if name == "res_pjsip.so":
                    self._reload_pjsip()
                elif name == "app_queue.so":
                    self._load_queues()
                if announce:
                    self.emit("Reload", "system", [("Module", name), ("Status", "0")])
        return True

    def _reload_pjsip(self) -> None:
        """Load PJSIP objects; endpoints whose device state changed (qualify switched off, an
        aor appeared) notify the queues, as chan_pjsip's device state updates do."""
        names = {name for kind, name in self.pjsip_objects if kind == "endpoint"}
        before = {name: self.endpoint_state(name) for name in names}
        self.pjsip_objects = pjsip.load(self._expanded("pjsip.conf", set()))
        names |= {name for kind, name in self.pjsip_objects if kind == "endpoint"}
        for name in sorted(names):
            if self.endpoint_state(name) != before.get(name, 4):
                self.device_changed(f"PJSIP/{name}")

    def _load_queues(self) -> None:
        now = self.now()
        loaded: dict[str, Queue] = {}
        for category in self._expanded("queues.conf", set()):
            if category.name == "general":
                continue
            loaded[category.name] = build_queue(category, now, self.queues.get(category.name))
        self.queues = loaded
        for queue in loaded.values():
            self.refresh_queue_states(queue)

    # ---- PJSIP --------------------------------------------------------------------------

    def pjsip_object(self, kind: str, name: str) -> pjsip.PjsipObject | None:
        with self.lock:
            if self._in_astdb(kind):
                value = self.db_get(f"{self.sorcery_astdb}/{kind}", name)
                return None if value is None else pjsip.from_astdb(kind, name, value)
            return self.pjsip_objects.get((kind, name))

    def pjsip_list(self, kind: str) -> list[pjsip.PjsipObject]:
        with self.lock:
            if self._in_astdb(kind):
                family = f"{self.sorcery_astdb}/{kind}"
                names = [k.rsplit("/", 1)[1] for k in self.db_tree(family)]
                loaded = [self.pjsip_object(kind, name) for name in names]
                return sorted((o for o in loaded if o is not None), key=lambda o: o.name)
            found = [o for (k, _), o in self.pjsip_objects.items() if k == kind]
            return sorted(found, key=lambda o: o.name)

    def _in_astdb(self, kind: str) -> bool:
        return self.sorcery_astdb is not None and kind in ASTDB_KINDS

    def device_state(self, device: str) -> int:
        """The device state number of any device (``PJSIP/x``, ``Local/x@ctx``, ``Queue:...``)."""
        with self.lock:
            tech, _, resource = device.partition("/")
            if tech.upper() == "PJSIP":
                return self.endpoint_state(resource)
            if tech.lower() == "local":
                return NOT_INUSE
            return self.device_states.get(device, 0)

    # ---- AstDB and channel variables ----------------------------------------------------

    def db_put(self, family: str, key: str, value: str) -> None:
        with self.lock:
            self.astdb[f"/{family.strip('/')}/{key}"] = value

    def db_get(self, family: str, key: str) -> str | None:
        """The value at family/key, or None."""
        with self.lock:
            return self.astdb.get(f"/{family.strip('/')}/{key}")

    def db_del(self, family: str, key: str) -> bool:
        with self.lock:
            return self.astdb.pop(f"/{family.strip('/')}/{key}", None) is not None

    def db_tree(self, prefix: str = "") -> dict[str, str]:
        """Every ``/family/key`` under prefix (``gitops/agent``), sorted by key."""
        with self.lock:
            start = "/" + prefix.strip("/") if prefix.strip("/") else ""
            return {
                k: v
                for k, v in sorted(self.astdb.items())
                if not start or k == start or k.startswith(start + "/")
            }

    def db_deltree(self, family: str, key: str = "") -> int:
        """Delete a tree as db.c does (``DELETE FROM astdb WHERE key || '/' LIKE ? || '/' ||
        '%'``, no ESCAPE): ``_`` in the prefix matches any one character, ``%`` any run, and
        ASCII letters match either case. Returns how many entries went."""
        prefix = f"/{family.strip('/')}/{key}" if key else f"/{family.strip('/')}"
        matches = _like(prefix + "/%")
        with self.lock:
            doomed = [k for k in self.astdb if matches(k + "/")]
            for k in doomed:
                del self.astdb[k]
            return len(doomed)

    def set_var(self, channel: str, name: str, value: str) -> None:
        with self.lock:
            self.channel_vars.setdefault(channel, {})[name] = value

    def get_var(self, channel: str, name: str) -> str | None:
        with self.lock:
            return self.channel_vars.get(channel, {}).get(name)


def _like(pattern: str) -> Callable[[str], bool]:
    """SQLite's LIKE without ESCAPE: ``%`` any run, ``_`` any character, ASCII case ignored."""
    wild = {"%": ".*", "_": "."}
    regex = "".join(wild.get(c) or re.escape(c) for c in pattern)
    compiled = re.compile(regex, re.DOTALL | re.IGNORECASE | re.ASCII)
    return lambda text: compiled.fullmatch(text) is not None


def _module_name(module: str) -> str:
    name = module.strip()
    return name if name.endswith(".so") else name + ".so"
