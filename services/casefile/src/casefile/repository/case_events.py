"""SQL over the case's own committed events: casefile's outbox rows (written at commit)."""

from collections.abc import Sequence
from uuid import UUID

from hub_runtime.db import Connection


class PgCaseEvents:
    """Reads and erasure of the case's outbox rows (`protocols.CaseEvents`)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def forget_published(self, case_id: UUID) -> None:
        """Drop the case's already published rows: Kafka has them, and a kept copy here would
        outlive the erasure (e.g. a v1 DeadlineScheduled, whose date could be a child's 18th
        birthday; v2 deadline events carry no date)."""
        await self._conn.execute(
            "DELETE FROM hub_outbox WHERE message_key = $1 AND published_at IS NOT NULL",
            str(case_id),
        )

    async def newest_event(
        self, case_id: UUID, topic: str, event_types: Sequence[str]
    ) -> UUID | None:
        """The envelope id of the newest event of the case, among ``event_types`` on
        ``topic``, that this service has committed (published or not); None when there is
        none. Published rows of an erased case are gone (`forget_published`); its
        `PersonErased` stays. The type is read from the envelope's JSON, over this case's rows
        only (index ``hub_outbox_by_case``)."""
        found: UUID | None = await self._conn.fetchval(
            "SELECT event_id FROM hub_outbox"
            " WHERE message_key = $1 AND topic = $2"
            " AND convert_from(payload, 'UTF8')::jsonb ->> 'type' = ANY($3::text[])"
            " ORDER BY id DESC LIMIT 1",
            str(case_id),
            topic,
            list(event_types),
        )
        return found
