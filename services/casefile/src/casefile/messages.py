"""Casefile's commands: what each use case needs, one class per use case (`hub_runtime.bus`).

``Message[R]`` says the handler returns ``R``. Bodies are the validated HTTP bodies of
`casefile.bodies`; ``who`` is the acting member of staff (a token's principal).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from hub_runtime.auth import Principal
from hub_runtime.bus import Message
from hub_runtime.errors import DomainError

from casefile import bodies as b
from casefile.repository.audit import Tombstone


@dataclass(frozen=True)
class OpenCase(Message[UUID]):
    """Open a case with the person's data; returns the new case id."""

    body: b.OpenCase
    who: Principal


@dataclass(frozen=True)
class UpdateCase(Message[None]):
    """Change coarse facts of an open case."""

    case_id: UUID
    body: b.UpdateCase


@dataclass(frozen=True)
class UpdatePerson(Message[None]):
    """Replace the person's data (rectification; allowed on a closed case)."""

    case_id: UUID
    body: b.UpdatePerson


@dataclass(frozen=True)
class ChangeStage(Message[None]):
    """Record a procedure stage change."""

    case_id: UUID
    body: b.ChangeStage
    who: Principal


@dataclass(frozen=True)
class RecordDecision(Message[None]):
    """Record the person's decision."""

    case_id: UUID
    body: b.RecordDecision
    who: Principal


@dataclass(frozen=True)
class CorrectRecordedDate(Message[UUID]):
    """Correct the date of a recorded decision or stage change; returns the correction id."""

    case_id: UUID
    body: b.CorrectRecordedDate
    who: Principal


@dataclass(frozen=True)
class RecordBottleneck(Message[UUID]):
    """Record a bottleneck; returns its id."""

    case_id: UUID
    body: b.RecordBottleneck
    who: Principal


@dataclass(frozen=True)
class RecordOptions(Message[None]):
    """Record an options talk."""

    case_id: UUID
    body: b.RecordOptions
    who: Principal


@dataclass(frozen=True)
class RecordEffort(Message[UUID]):
    """Record an own effort for the buitenschuld dossier; returns its id."""

    case_id: UUID
    body: b.RecordEffort
    who: Principal


@dataclass(frozen=True)
class ScheduleDeadline(Message[UUID]):
    """Track a deadline (extension, entry ban, family detention); returns its id."""

    case_id: UUID
    body: b.ScheduleDeadline


@dataclass(frozen=True)
class CloseCase(Message[None]):
    """Close the case (starts the retention period)."""

    case_id: UUID
    body: b.CloseCase
    who: Principal


@dataclass(frozen=True)
class ErasePerson(Message[None]):
    """Erase the person (crypto-shredding). ``by``: staff login or ``retention``; ``reason``:
    ``request`` or ``retention_period_ended``."""

    case_id: UUID
    by: str
    reason: str


@dataclass(frozen=True)
class EraseAfterRetention(Message[list[UUID]]):
    """Erase the persons of cases closed more than ``retention_days`` ago (at most ``limit``);
    returns their case ids."""

    retention_days: int
    limit: int = 100


@dataclass(frozen=True)
class ReadCase(Message[dict[str, Any]]):
    """A case with its history; with the person's data (a logged read) when ``with_person``."""

    case_id: UUID
    who: Principal
    with_person: bool


@dataclass(frozen=True)
class ListCasesByDeadline(Message[list[dict[str, Any]]]):
    """Open cases, the nearest upcoming deadline first (a page)."""

    limit: int
    offset: int


@dataclass(frozen=True)
class ReadDossier(Message[dict[str, Any]]):
    """The buitenschuld dossier as one document (a logged read)."""

    case_id: UUID
    who: Principal


@dataclass(frozen=True)
class ReadTombstone(Message[Tombstone]):
    """The erasure trace of a case."""

    case_id: UUID


@dataclass(frozen=True)
class ReadAccessLog(Message[list[dict[str, Any]]]):
    """Every read of the person's data in a case."""

    case_id: UUID


@dataclass(frozen=True)
class NewestEvent(Message[UUID | None]):
    """The newest committed event of a case among ``event_types`` (read-your-writes)."""

    case_id: UUID
    event_types: tuple[str, ...]


@dataclass(frozen=True)
class SendDeadlineNotices(Message[int]):
    """The deadline worker's pass at ``now`` (aware); returns how many notices it queued."""

    now: datetime
    limit: int = 200


@dataclass(frozen=True)
class SealLegacyEvidence(Message[int]):
    """Migration 0011's data step, one batch; returns how many rows it handled."""

    limit: int = 200


@dataclass(frozen=True)
class NormaliseStoredTexts(Message[tuple[int, int]]):
    """Migration 0020's data step, one batch; returns (persons checked, ciphertexts
    re-sealed)."""

    limit: int = 50


@dataclass(frozen=True)
class RewrapKeys(Message[int]):
    """Master-key rotation, one batch: re-wrap up to ``limit`` person keys under the current
    KEK version; returns how many (0: none left)."""

    limit: int = 200


@dataclass(frozen=True)
class IndexedPersons:
    """One batch of `IndexPersons`: the ``last`` case visited (the next batch starts after
    it; None: no case left), how many were ``indexed``, and the cases ``already_known``:
    (case, the other open case that holds the same person's index)."""

    last: UUID | None
    indexed: int
    already_known: tuple[tuple[UUID, UUID], ...]


@dataclass(frozen=True)
class IndexPersons(Message[IndexedPersons]):
    """The blind index of up to ``limit`` open cases after ``after`` (by case id): those
    without one, or ``every`` one (after ``CASEFILE_INDEX_KEY`` changed)."""

    after: UUID | None = None
    limit: int = 200
    every: bool = False


@dataclass(frozen=True)
class DisclosureAnswer:
    """The disclosure's outcome: the covered categories (``categories``), or the refusal the
    edge raises once the access-log row of the refused read is committed (``refusal``)."""

    case_id: UUID
    categories: dict[str, dict[str, Any]]
    refusal: DomainError | None = None


@dataclass(frozen=True)
class Disclose(Message[DisclosureAnswer]):
    """The gateway's disclosure call, judged again on casefile's own view."""

    body: b.DisclosureIn
    who: Principal
