"""The PJSIP categories of a snapshot by type, and each endpoint with what it uses.

An endpoint's aor and auth are the first ones its ``aors=`` and ``auth=`` name, its
identifies those whose ``endpoint=`` is its name. Duplicates (same type and name: PJSIP then
refuses to load any object of that type from pjsip.conf) and categories without ``type=`` are
reported as they are met; what no mapped endpoint uses is reported at the end (``unused``).
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from provisioner.dump.endpoint import Device
from provisioner.dump.report import Entry
from provisioner.targets.snapshot import Section

# Why the PJSIP objects of other types stay where they are.
OTHER_TYPES: dict[str, str] = {
    "transport": "transports stay in pjsip.conf: the inventory never manages them",
    "global": "Asterisk-wide settings stay in pjsip.conf",
    "system": "Asterisk-wide settings stay in pjsip.conf",
    "registration": "an outbound registration (a trunk): not managed",
}


def not_mapped(section: Section, note: str) -> Entry:
    return Entry(
        "object", f"{section.type or 'category'} {section.name}", section.where, "", "", note
    )


class Index:
    """The PJSIP categories by type; duplicates and untyped ones reported as they are met."""

    def __init__(self, sections: tuple[Section, ...], entries: list[Entry]) -> None:
        self.by_type: dict[str, list[Section]] = {}
        seen: dict[tuple[str, str], Section] = {}
        for section in sections:
            kind = section.type
            if not kind:
                entries.append(not_mapped(section, "no type= line: PJSIP ignores it"))
                continue
            first = seen.setdefault((kind, section.name), section)
            if first is not section:
                entries.append(
                    not_mapped(
                        section,
                        f"a second {kind} {section.name} (the first is at {first.where}): "
                        f"PJSIP refuses to load any {kind} of pjsip.conf while both exist; "
                        "the first one is read",
                    )
                )
                continue
            self.by_type.setdefault(kind, []).append(section)
        self.protocols = {
            t.name: (t.get("protocol") or "udp").strip().lower() for t in self.of_type("transport")
        }
        self.named = {(kind, s.name): s for kind, found in self.by_type.items() for s in found}
        self.identifies: dict[str, tuple[Section, ...]] = {}
        for identify in self.of_type("identify"):
            endpoint = identify.get("endpoint") or ""
            self.identifies[endpoint] = (*self.identifies.get(endpoint, ()), identify)

    def of_type(self, kind: str) -> list[Section]:
        return self.by_type.get(kind, [])

    def first(self, kind: str, names: str | None) -> Section | None:
        """The object of ``kind`` named first in a ``name1,name2`` reference."""
        if not names or not names.strip():
            return None
        return self.named.get((kind, names.split(",")[0].strip()))

    def unused(self, used: set[int]) -> list[Entry]:
        entries: list[Entry] = []
        for kind, sections in self.by_type.items():
            if kind == "endpoint":
                continue
            why = OTHER_TYPES.get(
                kind,
                "used by no endpoint that maps: left as it is"
                if kind in ("aor", "auth", "identify")
                else f"a {kind} object: not managed by the inventory",
            )
            entries += [not_mapped(s, why) for s in sections if id(s) not in used]
        return entries

    def device(
        self,
        endpoint: Section,
        live: frozenset[str] | None,
        exclude: tuple[str, ...],
        entries: list[Entry],
    ) -> Device | None:
        """The endpoint and what it uses; None (with an entry) when it is left out:
        ``exclude``d, not ``live`` in Asterisk, or naming an aor or auth that does not exist."""
        name = endpoint.name
        if any(fnmatchcase(name, p) for p in exclude):
            entries.append(not_mapped(endpoint, "excluded (--exclude): left as it is"))
            return None
        if live is not None and name not in live:
            entries.append(
                not_mapped(
                    endpoint,
                    "not loaded by Asterisk (it dropped it at load: a value PJSIP refuses? see its "
                    "log): not mapped",
                )
            )
            return None
        aor = self.first("aor", endpoint.get("aors"))
        auth = self.first("auth", endpoint.get("auth"))
        missing = [
            f"its {kind} {ref.split(',')[0].strip()!r} does not exist"
            for kind, ref, found in (
                ("aor", endpoint.get("aors"), aor),
                ("auth", endpoint.get("auth"), auth),
            )
            if ref and ref.strip() and found is None
        ]
        if missing:
            entries.append(not_mapped(endpoint, f"not mapped: {'; '.join(missing)}"))
            return None
        identifies = self.identifies.get(name, ())
        return Device(endpoint, aor, auth, identifies)
