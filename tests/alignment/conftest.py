"""Fixtures of the alignment tests: a real SMTP server for the notices that go by mail."""

from tests.mail.conftest import mail_on, smtp  # noqa: F401  (fixtures)
