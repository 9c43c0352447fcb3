"""RFC 4733 (RFC 2833) DTMF as pcap files for SIPp's ``play_pcap_audio``.

SIPp replays a pcap's RTP payloads as they are, only re-addressed. The pcaps Debian ships
(``/usr/share/sip-tester/dtmf_2833_*.pcap``) all carry one SSRC and the same fixed RTP
timestamp: Asterisk takes an event with the timestamp of the event it has just ended for a
retransmission of it, so ``1002#`` keyed from them arrives as ``102#``. Here every keyed
digit gets its own RTP timestamp and fresh sequence numbers, continuing across the pcaps of
one call (``Keypad`` carries them), with one SSRC per call.

Per digit: seven event packets 20 ms apart (durations 0 to 960 samples, the first with the
marker bit), then the end packet sent three times (RFC 4733 2.5.1.4), then 60 ms of silence
before the next digit.
"""

from __future__ import annotations

import random
import struct
from dataclasses import dataclass, field
from pathlib import Path

PAYLOAD_TYPE = 101  # telephone-event/8000, as the callers' SDP offers it
EVENTS = {**{str(d): d for d in range(10)}, "*": 10, "#": 11}
PACKETS = 7
STEP = 160  # samples per 20 ms at 8 kHz
GAP = 0.06  # seconds between digits
VOLUME = 10


def _rtp(seq: int, stamp: int, ssrc: int, event: int, end: bool, duration: int) -> bytes:
    marker = 0x80 if not end and duration == 0 else 0
    header = struct.pack("!BBHII", 0x80, marker | PAYLOAD_TYPE, seq & 0xFFFF, stamp, ssrc)
    return header + struct.pack("!BBH", event, (0x80 if end else 0) | VOLUME, duration)


def _frame(payload: bytes) -> bytes:
    """Ethernet + IPv4 + UDP around one RTP payload (SIPp reads only the UDP payload)."""
    udp = struct.pack("!HHHH", 6000, 6000, 8 + len(payload), 0) + payload
    loopback = bytes([127, 0, 0, 1])
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, loopback, loopback)
    return bytes(12) + b"\x08\x00" + ip + udp


@dataclass
class Keypad:
    """The RTP state of one call's DTMF: each ``pcap`` continues where the last one ended."""

    ssrc: int = field(default_factory=lambda: random.getrandbits(32))
    seq: int = field(default_factory=lambda: random.randrange(1000, 30000))
    stamp: int = field(default_factory=lambda: random.randrange(8000, 1 << 30))

    def pcap(self, digits: str, path: Path) -> Path:
        """Write ``digits`` (0-9, *, #) as a pcap at ``path``."""
        records: list[bytes] = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
        clock = 0.0

        def add(payload: bytes) -> None:
            frame = _frame(payload)
            seconds, micros = int(clock), round((clock - int(clock)) * 1e6)
            records.append(struct.pack("<IIII", seconds, micros, len(frame), len(frame)) + frame)

        for digit in digits:
            event = EVENTS[digit]
            for index in range(PACKETS):
                add(_rtp(self.seq, self.stamp, self.ssrc, event, False, index * STEP))
                self.seq += 1
                clock += 0.02
            for _ in range(3):
                add(_rtp(self.seq, self.stamp, self.ssrc, event, True, PACKETS * STEP))
                clock += 0.001
            self.seq += 1
            clock += GAP
            self.stamp = (self.stamp + PACKETS * STEP + int(GAP * 8000)) & 0xFFFFFFFF
        path.write_bytes(b"".join(records))
        return path
