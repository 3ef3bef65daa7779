"""Fixtures of the account tests: the real SMTP server of the mail tests."""

from tests.mail.conftest import mail_on, smtp  # noqa: F401  (fixtures)
