"""`flask shell` opens with the database and every model at hand."""

from portal.db import Base


def test_the_shell_has_db_and_every_model(app):
    context = app.make_shell_context()
    assert context["db"].session is not None
    for mapper in Base.registry.mappers:
        assert context[mapper.class_.__name__] is mapper.class_
    assert {"Project", "Organization", "User", "ReportingRound"} <= context.keys()
