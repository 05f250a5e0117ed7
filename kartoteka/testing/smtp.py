"""A real SMTP server on loopback for tests of outgoing mail (aiosmtpd).

The root conftest.py offers the ``smtp_server`` fixture to every test::

    def test_sends(smtp_server):
        ...  # code that sends mail through django.core.mail
        (message,) = smtp_server.messages  # email.message.EmailMessage
        assert message["Subject"] == "..."
        assert "..." in part(message, "text/html")

The fixture points ``settings.MAILERS["default"]`` at the server for the test's duration, so every
``send_mail`` / ``EmailMessage.send()`` goes over a real SMTP conversation on 127.0.0.1.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class Envelope:
    mail_from: str
    rcpt_tos: list[str]


def part(message: EmailMessage, content_type: str) -> str:
    """The decoded text of the message's first ``text/plain`` or ``text/html`` part."""
    for piece in message.walk():
        if piece.get_content_type() == content_type and not piece.is_multipart():
            return str(piece.get_content())  # type: ignore[attr-defined]
    raise LookupError(f"no {content_type} part in the message")


@dataclass
class SmtpServer:
    """What the server received: ``messages`` parsed with the modern email policy, ``envelopes`` beside them."""

    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[Envelope] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append(parsed)  # type: ignore[arg-type]
            self.envelopes.append(Envelope(envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[SmtpServer]:
    host = "127.0.0.1"
    server = SmtpServer(host=host, port=_free_port(host))
    controller = Controller(server, hostname=host, port=server.port)
    controller.start()
    settings.MAILERS = {
        **settings.MAILERS,
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": host, "port": server.port, "use_tls": False, "timeout": 10},
        },
    }
    try:
        yield server
    finally:
        controller.stop()
