"""``render``: the whole inventory (or one server's part) as config objects. Pure, no I/O."""

from __future__ import annotations

import logging
from collections.abc import Callable
from operator import attrgetter

from provisioner.errors import RenderError
from provisioner.model import Inventory, SecretRef, Voice
from provisioner.render import dialplan
from provisioner.render.objects import ConfigObject
from provisioner.render.pjsip import (
    Device,
    VoiceParts,
    agent_device,
    device_objects,
    phone_device,
    voice_parts,
)
from provisioner.render.queues import queue_object
from provisioner.render.rules import check
from provisioner.render.text import split_by_file

logger = logging.getLogger(__name__)


def render(inventory: Inventory, secret: Callable[[SecretRef], str]) -> tuple[ConfigObject, ...]:
    """Every managed config object of ``inventory``, in file order (MANAGED_FILES), then by
    owner, then in each owner's own order. ``secret`` resolves SIP passwords: the only place
    a secret appears is the ``password=`` line of an auth object.

    Raises RenderError when ``rules.check`` finds a problem (nothing is rendered then).
    """
    problems = check(inventory)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise RenderError(f"cannot render the inventory: {problems[0]}{more}")
    devices = devices_of(inventory)
    objects: list[ConfigObject] = []
    parts: dict[Voice, VoiceParts] = {}
    for device in devices:
        shared = parts.get(device.voice)
        if shared is None:
            shared = parts[device.voice] = voice_parts(device.voice)
        objects.extend(device_objects(device, secret, shared))
    objects.extend(queue_object(q) for q in inventory.queues)
    objects.extend(dialplan.contexts(inventory, devices))
    owner = attrgetter("owner")
    by_file = split_by_file(objects).values()
    ordered = [obj for file_objects in by_file for obj in sorted(file_objects, key=owner)]
    logger.debug("rendered %d objects of revision %s", len(ordered), inventory.revision)
    return tuple(ordered)


def devices_of(inventory: Inventory) -> list[Device]:
    """The endpoints of the inventory: every agent's own, then every phone."""
    return [agent_device(a) for a in inventory.agents] + [phone_device(p) for p in inventory.phones]
