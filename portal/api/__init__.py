"""The JSON API at /api/v1/ and the personal tokens that open a partner's drafts to it."""
