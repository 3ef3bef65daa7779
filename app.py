"""Entry point for `flask --app app` and gunicorn (`gunicorn app:app`)."""

from portal import create_app

app = create_app()
