"""Contacts of PJSIP aors: phones registering (set by tests) and permanent ``contact=`` ones.

A contact's status follows ami-07/ami-08: with qualify on, ``Reachable`` or ``Unreachable``
(the phone answers OPTIONS or not); with ``qualify_frequency=0``, ``NonQualified``, which
counts as reachable. ``PJSIP_DIAL_CONTACTS`` and the device state use only contacts that are
not Unreachable.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from tests.fakes.pjsip import PjsipObject
from tests.fakes.queues import INVALID, NOT_INUSE, UNAVAILABLE


@dataclass(frozen=True)
class Contact:
    """A contact of an aor: registered by a phone, or permanent (``contact=`` in the aor)."""

    aor: str
    uri: str
    reachable: bool
    call_id: str = ""
    expiration: int = 0
    permanent: bool = False

    @property
    def object_name(self) -> str:
        """``1001;@<md5 of the URI>`` (registered) or ``1001@@<md5>`` (permanent)."""
        separator = "@@" if self.permanent else ";@"
        return f"{self.aor}{separator}{hashlib.md5(self.uri.encode()).hexdigest()}"


class RegistrationOps:
    """Mixin of FakeAsterisk: registration, contacts, endpoint device state."""

    lock: threading.RLock
    registrations: dict[str, Contact]
    unreachable: set[str]
    auth_success_events: bool
    clock: Callable[[], float]
    now: Callable[[], int]
    emit: Callable[[str, str, list[tuple[str, str]]], None]
    device_changed: Callable[[str], None]
    pjsip_object: Callable[[str, str], PjsipObject | None]

    def endpoint(self, name: str) -> PjsipObject | None:
        """The loaded endpoint (None if absent or dropped by the last reload)."""
        return self.pjsip_object("endpoint", name)

    def set_registered(
        self,
        endpoint: str,
        registered: bool = True,
        reachable: bool = True,
        contact: str | None = None,
    ) -> None:
        """Register (or unregister) a phone on the endpoint's aor, with the events of ami-07/11.

        ``reachable``: whether the phone answers qualify OPTIONS. Registering again while
        registered is a refresh (only the security events).
        """
        uri = contact or f"sip:{endpoint}@127.0.0.1:5070"
        with self.lock:
            ep = self.endpoint(endpoint)
            if ep is None:
                raise LookupError(f"endpoint {endpoint!r} is not loaded: a REGISTER would fail")
            aor = ep.names("aors")[0] if ep.names("aors") else endpoint
            before = self.endpoint_state(endpoint)
            self._security_events(endpoint, registered)
            old = self.registrations.pop(aor, None)
            if registered:
                call_id = f"1-{int(self.clock() * 1000) % 100000}@127.0.0.1"
                new = Contact(aor, uri, reachable, call_id, self.now() + 3600)
                self.registrations[aor] = new
                if old is None or old.uri != uri:
                    self._contact_event(new, self.status_of(new))
            elif old is not None:
                self._contact_event(old, "Removed")
            if self.endpoint_state(endpoint) != before:
                self.device_changed(f"PJSIP/{endpoint}")

    def set_contact_reachable(self, uri: str, reachable: bool) -> None:
        """Whether a permanent contact (``contact=`` of an aor) answers qualify OPTIONS."""
        with self.lock:
            if reachable:
                self.unreachable.discard(uri)
            else:
                self.unreachable.add(uri)

    def _security_events(self, endpoint: str, registered: bool) -> None:
        base = [
            ("EventTV", _event_tv(self.clock())),
            ("Severity", "Informational"),
            ("Service", "PJSIP"),
            ("EventVersion", "1"),
            ("AccountID", endpoint),
            ("SessionID", f"1-{int(self.clock() * 1000) % 100000}@127.0.0.1"),
            ("LocalAddress", "IPV4/UDP/127.0.0.1/5060"),
            ("RemoteAddress", "IPV4/UDP/127.0.0.1/5070"),
        ]
        self.emit("ChallengeSent", "security", [*base, ("Challenge", "")])
        if registered and self.auth_success_events:
            self.emit("SuccessfulAuth", "security", [*base, ("UsingPassword", "1")])

    def _contact_event(self, contact: Contact, status: str) -> None:
        """ContactStatus, as recorded: on NonQualified registration and on removal only."""
        if status not in ("NonQualified", "Removed"):
            return
        fields = [
            ("URI", contact.uri),
            ("ContactStatus", status),
            ("AOR", contact.aor),
            ("EndpointName", contact.aor),
            ("RoundtripUsec", "0"),
        ]
        self.emit("ContactStatus", "system", fields)

    def contacts(self, aor: str) -> list[Contact]:
        """Permanent contacts of the aor, then the registered one."""
        with self.lock:
            obj = self.pjsip_object("aor", aor)
            uris = [u.strip() for u in obj.get("contact").split(",")] if obj else []
            found = [
                Contact(aor, uri, uri not in self.unreachable, permanent=True)
                for uri in uris
                if uri
            ]
            if aor in self.registrations:
                found.append(self.registrations[aor])
            return found

    def status_of(self, contact: Contact) -> str:
        """``NonQualified`` (qualify off), ``Reachable`` or ``Unreachable``."""
        with self.lock:
            obj = self.pjsip_object("aor", contact.aor)
            if obj is not None and obj.get("qualify_frequency") == "0":
                return "NonQualified"
            return "Reachable" if contact.reachable else "Unreachable"

    def contact_status(self, aor: str) -> str:
        """Status of the aor's first contact (``Unreachable`` when it has none)."""
        found = self.contacts(aor)
        return self.status_of(found[0]) if found else "Unreachable"

    def dial_contacts(self, endpoint: str) -> list[str]:
        """What ``PJSIP_DIAL_CONTACTS`` lists: contacts that are not Unreachable."""
        with self.lock:
            ep = self.endpoint(endpoint)
            if ep is None:
                return []
            return [
                f"PJSIP/{endpoint}/{c.uri}"
                for aor in ep.names("aors")
                for c in self.contacts(aor)
                if self.status_of(c) != "Unreachable"
            ]

    def endpoint_state(self, endpoint: str) -> int:
        """The device state number of ``PJSIP/<endpoint>`` (no calls: never in use)."""
        with self.lock:
            if self.endpoint(endpoint) is None:
                return INVALID
            return NOT_INUSE if self.dial_contacts(endpoint) else UNAVAILABLE


def _event_tv(now: float) -> str:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now))
    return f"{stamp}.{int(now * 1000) % 1000:03d}+0000"
