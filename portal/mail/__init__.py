"""Mail: the outbox, queuing a message for someone, and the sender that delivers it over SMTP."""
