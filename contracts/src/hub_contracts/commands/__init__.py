"""Command payloads: what a tool asks a service to do, on that service's commands topic.

A command travels in the same :class:`~hub_contracts.Envelope` as an event (subject = case
id, ``source`` = the tool that sent it) and is registered like one, so ``decode`` knows it
and its JSON Schema is committed and checked. Its type is named after the service that owns
the topic and carries the command out (``council.referral.GrantConsentCommand.v1``).
The service answers with ordinary events whose ``causationid`` is the command's envelope id.
"""
