"""Prometheus metrics every service exposes at /metrics (operational figures, no personal data)."""

from prometheus_client import Counter, Gauge

EVENTS_APPLIED = Counter(
    "hub_events_applied_total", "Events applied by a consumer", ["service", "event_type"]
)
EVENTS_DUPLICATE = Counter(
    "hub_events_duplicate_total", "Re-delivered events dropped by the inbox", ["service"]
)
EVENTS_DEAD_LETTERED = Counter(
    "hub_events_dead_lettered_total", "Events sent to a dead-letter topic", ["service", "topic"]
)
OUTBOX_BACKLOG = Gauge(
    "hub_outbox_backlog", "Committed events not yet published to Kafka", ["service"]
)
OUTBOX_PUBLISHED = Counter(
    "hub_outbox_published_total", "Events published by the outbox relay", ["service"]
)
CONSUMER_LAG = Gauge(
    "hub_consumer_lag", "Records behind the partition end", ["service", "topic", "partition"]
)
IN_FLIGHT_REQUESTS = Gauge("hub_http_in_flight", "HTTP requests being handled", ["service"])
DEAD_LETTER_SIZE = Gauge(
    "hub_dead_letter_records", "Records in a dead-letter topic", ["service", "topic"]
)
