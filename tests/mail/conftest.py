"""A real SMTP server for the mail tests: aiosmtpd on a free loopback port, recording what it gets.

`smtp.answer` makes it refuse the next messages with an SMTP reply (e.g. '451 ...' or
'550 ...') at DATA, or at RCPT with `smtp.refuse_at = "RCPT"`.
"""

from __future__ import annotations

import socket
import threading
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

import pytest
from aiosmtpd.controller import Controller

from tests.core.conftest import own_app  # noqa: F401  (a database of its own, for threads)


def free_port() -> int:
    """A TCP port on the loopback that nothing listens on (now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Recorder:
    """An aiosmtpd handler that keeps every message it accepts, or answers as told."""

    def __init__(self) -> None:
        self.envelopes: list = []
        self.answer: str | None = None
        self.refuse_at = "DATA"
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.answer and self.refuse_at == "RCPT":
            return self.answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.answer and self.refuse_at == "DATA":
            return self.answer
        with self.lock:
            self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        with self.lock:
            return [message_from_bytes(e.content, policy=default) for e in self.envelopes]


class SmtpServer:
    def __init__(self, port: int | None = None) -> None:
        self.handler = Recorder()
        self.port = port or free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def answer(self):
        return self.handler.answer

    @answer.setter
    def answer(self, value) -> None:
        self.handler.answer = value

    @property
    def refuse_at(self):
        return self.handler.refuse_at

    @refuse_at.setter
    def refuse_at(self, value) -> None:
        self.handler.refuse_at = value

    def messages(self) -> list[EmailMessage]:
        return self.handler.messages()

    @property
    def envelopes(self) -> list:
        return self.handler.envelopes


@pytest.fixture
def smtp():
    """A running SMTP server on 127.0.0.1 (stopped after the test)."""
    server = SmtpServer().start()
    yield server
    server.stop()


def point_at(app, monkeypatch, port: int) -> None:
    """Configure `app` to send through 127.0.0.1:`port`, for this test only."""
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    monkeypatch.setitem(app.config, "MAIL_DEFAULT_SENDER", "CDC Portal <portal@cdc.example>")
    monkeypatch.setitem(app.config, "PORTAL_BASE_URL", "https://portal.cdc.example/")


@pytest.fixture
def mail_on(app, smtp, monkeypatch):
    """The suite's app sends through the test's SMTP server; returns the server."""
    point_at(app, monkeypatch, smtp.port)
    return smtp


def text_and_html(message: EmailMessage) -> tuple[str, str]:
    """The plain text and the HTML alternative of a received message."""
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text.replace("\r\n", "\n"), html.replace("\r\n", "\n")
