"""The Slack surface: a Bolt app, its HTTP/Socket Mode server, listeners and the outbox dispatcher.

Listeners stay thin (parse, ack, call a service); everything they render comes from the pure
Block Kit builders in `messages` and `views`; everything they decide goes through `backend`.
"""
