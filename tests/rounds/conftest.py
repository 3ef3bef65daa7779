from tests.mail.conftest import mail_on, smtp  # noqa: F401  (a real SMTP server for reminders)
