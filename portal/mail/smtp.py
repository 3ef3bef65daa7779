"""Talk to the SMTP server: build a MIME message, keep one connection, sort the answers.

Python's standard library speaks SMTP (`smtplib`, with STARTTLS, implicit TLS and login) and
builds MIME messages (`email.message.EmailMessage`); a mail library would add nothing here.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, make_msgid, parseaddr

from portal.db import utcnow
from portal.mail.services import clean_header, html_from_text

TIMEOUT = 30  # seconds for each exchange with the mail server
# Bodies in any language travel as 7-bit (base64 or quoted-printable): any relay carries them.
POLICY = SMTP_POLICY.clone(cte_type="7bit")


class Temporary(Exception):
    """The server could not take the message now; another attempt may succeed."""


class Permanent(Exception):
    """The server refused the message for good."""


class Unreachable(Temporary):
    """No connection to the mail server: nothing else in this run will get through either."""


def build_message(message, sender: str) -> EmailMessage:
    """The MIME message of an outbox row: plain text with an HTML alternative.

    Refuses (ValueError) an address or a header the message cannot carry.
    """
    email = EmailMessage(policy=POLICY)
    email["Subject"] = clean_header(message.subject)
    email["From"] = sender
    email["To"] = message.to_email
    email["Date"] = format_datetime(utcnow())
    email["Message-ID"] = make_msgid(domain=(parseaddr(sender)[1].rpartition("@")[2] or None))
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.body)
    email.add_alternative(message.body_html or html_from_text(message.body), subtype="html")
    email["Content-Language"] = message.locale  # after the content: setting it clears these
    return email


def _reason(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()


def _answer(code: int, text: bytes | str) -> Exception:
    reason = _reason(code, text)
    return Permanent(reason) if 500 <= code < 600 else Temporary(reason)


class Connection:
    """One SMTP connection, opened when first needed and reused for every message of a run."""

    def __init__(self, config) -> None:
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        config = self.config
        host, port = config["MAIL_SERVER"], config["MAIL_PORT"]
        smtp: smtplib.SMTP | None = None
        try:
            if config.get("MAIL_USE_SSL"):
                smtp = smtplib.SMTP_SSL(
                    host, port, timeout=TIMEOUT, context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(host, port, timeout=TIMEOUT)
            if config.get("MAIL_USE_TLS"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        except (smtplib.SMTPException, OSError):
            if smtp is not None:
                smtp.close()
            raise
        return smtp

    def _connect(self) -> smtplib.SMTP:
        try:
            return self._open()
        except smtplib.SMTPResponseException as error:
            # A refused greeting or login is the server's or the settings' fault, not the
            # message's: the messages wait for it to be put right.
            raise Unreachable(_reason(error.smtp_code, error.smtp_error)) from error
        except (smtplib.SMTPException, OSError) as error:
            raise Unreachable(f"{type(error).__name__}: {error}") from error

    def send(self, email: EmailMessage) -> None:
        if self.smtp is None:
            self.smtp = self._connect()
        try:
            refused = self.smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as error:
            code, text = next(iter(error.recipients.values()))
            raise _answer(code, text) from error
        except smtplib.SMTPResponseException as error:
            if error.smtp_code == 421:  # the server is closing the connection
                self.close()
            raise _answer(error.smtp_code, error.smtp_error) from error
        except (smtplib.SMTPException, OSError) as error:
            # Disconnected, timed out, reset: the connection may be half-way through a
            # command, so the next message starts on a new one.
            self.close()
            raise Temporary(f"{type(error).__name__}: {error}") from error
        if refused:  # one recipient a message: refused means not sent
            code, text = next(iter(refused.values()))
            raise _answer(code, text)

    def close(self) -> None:
        if self.smtp is None:
            return
        try:
            self.smtp.quit()
        except (smtplib.SMTPException, OSError):
            self.smtp.close()
        self.smtp = None
