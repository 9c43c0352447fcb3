"""PJSIP AMI actions and the ``pjsip show endpoint`` CLI output (ami-03, ami-07, ami-09)."""

from __future__ import annotations

import re

from tests.fakes import ami_protocol as proto
from tests.fakes.ami_protocol import Fields, Reply
from tests.fakes.asterisk import FakeAsterisk
from tests.fakes.events import DEVICE_STATE_TEXT
from tests.fakes.pjsip import PjsipObject
from tests.fakes.pjsip_fields import (
    AOR_FIELDS,
    AUTH_FIELDS,
    ENDPOINT_FIELDS,
    TRANSPORT_FIELDS,
    camel,
)
from tests.fakes.registration import Contact

_CLI_HEADER = (
    "",
    " Endpoint:  <Endpoint/CID.....................................>  <State.....>  <Channels.>",
    "    I/OAuth:  <AuthId/UserName...........................................................>",
    "        Aor:  <Aor............................................>  <MaxContact>",
    "      Contact:  <Aor/ContactUri..........................> <Hash....> <Status> <RTT(ms)..>",
    "  Transport:  <TransportId........>  <Type>  <cos>  <tos>  <BindAddress..................>",
    "   Identify:  <Identify/Endpoint.........................................................>",
    "        Match:  <criteria.........................>",
    "    Channel:  <ChannelId......................................>  <State.....>  <Time.....>",
    "        Exten: <DialedExten...........>  CLCID: <ConnectedLineCID.......>",
    "=" * 90,
    "",
)


def _object(kind: str, obj: PjsipObject, table: tuple[tuple[str, str], ...]) -> Fields:
    fields: Fields = [("ObjectType", kind), ("ObjectName", obj.name)]
    for option, _ in table:
        key = "Contacts" if (kind, option) == ("aor", "contact") else camel(option)
        fields.append((key, obj.get(option)))
    return fields


def _contact_list(ast: FakeAsterisk, aors: list[str]) -> str:
    return "".join(f"{c.aor}/{c.uri}," for aor in aors for c in ast.contacts(aor))


def _aor_fields(ast: FakeAsterisk, aor: PjsipObject) -> Fields:
    fields = _object("aor", aor, AOR_FIELDS)
    contacts = _contact_list(ast, [aor.name])
    return [(k, contacts if k == "Contacts" else v) for k, v in fields]


def _state_text(ast: FakeAsterisk, endpoint: str) -> str:
    return DEVICE_STATE_TEXT[ast.endpoint_state(endpoint)]


def show_endpoints(ast: FakeAsterisk, headers: dict[str, str], aid: str | None) -> Reply:
    endpoints = ast.pjsip_list("endpoint")
    if not endpoints:
        return proto.error(aid, "No endpoints found\n")
    items: list[Fields] = []
    for ep in endpoints:
        item: Fields = [
            ("Event", "EndpointList"),
            ("ObjectType", "endpoint"),
            ("ObjectName", ep.name),
            ("Transport", ep.get("transport")),
            ("Aor", ep.get("aors")),
            ("Auths", ep.get("auth")),
            ("OutboundAuths", ep.get("outbound_auth")),
        ]
        aors = [a for a in ep.names("aors") if ast.pjsip_object("aor", a) is not None]
        if aors:
            item.append(("Contacts", _contact_list(ast, aors)))
        item += [("DeviceState", _state_text(ast, ep.name)), ("ActiveChannels", "0")]
        items.append(item)
    message = "A listing of Endpoints follows, presented as EndpointList events"
    return proto.event_list(aid, message, items, "EndpointListComplete")


def show_endpoint(ast: FakeAsterisk, headers: dict[str, str], aid: str | None) -> Reply:
    name = proto.canonical(headers, "Endpoint")
    ep = ast.endpoint(name)
    if ep is None:
        return proto.error(aid, f"Unable to retrieve endpoint {name}\n")
    detail = _object("endpoint", ep, ENDPOINT_FIELDS)
    items: list[Fields] = [
        [
            ("Event", "EndpointDetail"),
            *detail,
            ("DeviceState", _state_text(ast, name)),
            ("ActiveChannels", "0"),
        ]
    ]
    for auth_name in ep.names("auth"):
        auth = ast.pjsip_object("auth", auth_name)
        if auth is not None:
            fields = _object("auth", auth, AUTH_FIELDS)
            items.append([("Event", "AuthDetail"), *fields, ("EndpointName", name)])
    transport = ast.pjsip_object("transport", ep.get("transport"))
    if transport is not None:
        fields = _object("transport", transport, TRANSPORT_FIELDS)
        items.append([("Event", "TransportDetail"), *fields, ("EndpointName", name)])
    for aor_name in ep.names("aors"):
        aor = ast.pjsip_object("aor", aor_name)
        if aor is None:
            continue
        contacts = ast.contacts(aor_name)
        items.append(
            [
                ("Event", "AorDetail"),
                *_aor_fields(ast, aor),
                ("TotalContacts", str(len(contacts))),
                ("ContactsRegistered", str(len(contacts))),
                ("EndpointName", name),
            ]
        )
        items += [_contact_detail(ast, c, aor, name) for c in contacts]
    message = "Following are Events for each object associated with the Endpoint"
    return proto.event_list(aid, message, items, "EndpointDetailComplete")


def _contact_detail(ast: FakeAsterisk, c: Contact, aor: PjsipObject, endpoint: str) -> Fields:
    return [
        ("Event", "ContactStatusDetail"),
        ("AOR", c.aor),
        ("URI", c.uri),
        ("UserAgent", ""),
        ("RegExpire", str(c.expiration)),
        ("ViaAddress", _via(c.uri)[0]),
        ("CallID", c.call_id),
        ("Status", ast.status_of(c)),
        ("RoundtripUsec", "N/A"),
        ("EndpointName", endpoint),
        ("ID", c.object_name),
        ("AuthenticateQualify", "0"),
        ("OutboundProxy", ""),
        ("Path", ""),
        ("QualifyFrequency", aor.get("qualify_frequency")),
        ("QualifyTimeout", aor.get("qualify_timeout")),
    ]


def _via(uri: str) -> tuple[str, str]:
    match = re.search(r"@([^:;>]+)(?::(\d+))?", uri)
    return (match.group(1), match.group(2) or "5060") if match else ("", "")


def show_aors(ast: FakeAsterisk, headers: dict[str, str], aid: str | None) -> Reply:
    aors = ast.pjsip_list("aor")
    if not aors:
        return proto.error(aid, "No Aors found\n")
    items = [[("Event", "AorList"), *_aor_fields(ast, aor)] for aor in aors]
    message = "A listing of AORs follows, presented as AorList events"
    return proto.event_list(aid, message, items, "AorListComplete")


def show_auths(ast: FakeAsterisk, headers: dict[str, str], aid: str | None) -> Reply:
    auths = ast.pjsip_list("auth")
    if not auths:
        return proto.error(aid, "No Auths found\n")
    items = [[("Event", "AuthList"), *_object("auth", a, AUTH_FIELDS)] for a in auths]
    message = "A listing of Auths follows, presented as AuthList events"
    return proto.event_list(aid, message, items, "AuthListComplete")


def show_contacts(ast: FakeAsterisk, headers: dict[str, str], aid: str | None) -> Reply:
    items: list[Fields] = []
    for aor in ast.pjsip_list("aor"):
        for c in ast.contacts(aor.name):
            host, port = _via(c.uri)
            items.append(
                [
                    ("Event", "ContactList"),
                    ("ObjectType", "contact"),
                    ("ObjectName", c.object_name),
                    ("ViaAddr", host),
                    ("QualifyTimeout", aor.get("qualify_timeout")),
                    ("Qualify2xxOnly", aor.get("qualify_2xx_only")),
                    ("CallId", c.call_id),
                    ("RegServer", ""),
                    ("PruneOnBoot", "no"),
                    ("Path", ""),
                    ("Endpoint", c.aor),
                    ("ViaPort", port),
                    ("AuthenticateQualify", "no"),
                    ("Uri", c.uri),
                    ("QualifyFrequency", aor.get("qualify_frequency")),
                    ("UserAgent", ""),
                    ("ExpirationTime", str(c.expiration)),
                    ("OutboundProxy", ""),
                    ("Status", ast.status_of(c)),
                    ("RoundtripUsec", "N/A"),
                ]
            )
    if not items:
        return proto.error(aid, "No Contacts found\n")
    message = "A listing of Contacts follows, presented as ContactList events"
    return proto.event_list(aid, message, items, "ContactListComplete")


def show_registrations_inbound(
    ast: FakeAsterisk, headers: dict[str, str], aid: str | None
) -> Reply:
    items: list[Fields] = []
    for aor in ast.pjsip_list("aor"):
        contacts = ast.contacts(aor.name)
        if not contacts:
            continue
        fields = _aor_fields(ast, aor)
        single = ",".join(f"{c.aor}/{c.uri}" for c in contacts)
        fields = [("Contact", single) if k == "Contacts" else (k, v) for k, v in fields]
        contact_list = _contact_list(ast, [aor.name])
        items.append([("Event", "InboundRegistrationDetail"), *fields, ("Contacts", contact_list)])
    if not items:
        return proto.error(aid, "No Inbound Registrations found\n")
    message = "Following are Events for each Inbound registration"
    return proto.event_list(aid, message, items, "InboundRegistrationDetailComplete")


def cli_show_endpoint(ast: FakeAsterisk, name: str) -> list[str] | None:
    """``pjsip show endpoint NAME`` output lines, or None if there is no such endpoint."""
    ep = ast.endpoint(name)
    if ep is None:
        return None
    cid = re.search(r"<([^>]*)>", ep.get("callerid"))
    label = f"{name}/{cid.group(1)}" if cid and cid.group(1) else name
    out = list(_CLI_HEADER)
    out.append(f" Endpoint:  {label:<53}{_state_text(ast, name):<12}  0 of inf")
    for auth_name in ep.names("auth"):
        auth = ast.pjsip_object("auth", auth_name)
        if auth is not None:
            out.append(f"     InAuth:  {auth_name}/{auth.get('username')}")
    for aor_name in ep.names("aors"):
        aor = ast.pjsip_object("aor", aor_name)
        if aor is not None:
            out.append(f"        Aor:  {aor_name:<51}{aor.get('max_contacts')}")
            for c in ast.contacts(aor_name):
                status = ast.status_of(c)[:5]
                uri = f"{c.aor}/{c.uri}"
                out.append(f"      Contact:  {uri:<40} {c.object_name[-32:][:10]} {status:<8} nan")
    transport = ast.pjsip_object("transport", ep.get("transport"))
    if transport is not None:
        proto_name, bind = transport.get("protocol"), transport.get("bind")
        out.append(f"  Transport:  {transport.name:<21}  {proto_name:>6}  {0:>5}  {0:>5}  {bind}")
    out += ["", "", f" {'ParameterName':<34} : ParameterValue", " " + "=" * 99]
    out += [f" {option:<34} : {ep.get(option)}" for option, _ in sorted(ENDPOINT_FIELDS)]
    out.append("")
    return out
