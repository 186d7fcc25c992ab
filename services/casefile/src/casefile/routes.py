"""Casefile's one route table: every command class and every consumed event type, to its
handler, and the batch route of the consumer's fast path. A new use case is one handler and
one line here (`hub_runtime.bus.Routes`)."""

from hub_contracts import (
    ConsentGranted,
    ConsentWithdrawn,
    PartnerRegistered,
)
from hub_runtime.batches import batch_route
from hub_runtime.bus import EventRoute, Routes

from casefile import messages as m
from casefile.deps import Deps
from casefile.handlers import (
    batch,
    cases,
    corrections,
    deadlines,
    disclosures,
    efforts,
    events,
    maintenance,
    reads,
    records,
)
from casefile.unit_of_work import CasefileUow

EVENTS: dict[str, EventRoute[CasefileUow, Deps]] = {
    ConsentGranted.event_type: events.on_consent_granted,
    ConsentWithdrawn.event_type: events.on_consent_withdrawn,
    PartnerRegistered.event_type: events.on_partner_registered,
    **dict.fromkeys(events.TIMELINE_EVENTS, events.on_timeline_event),
}

ROUTES: Routes[CasefileUow, Deps] = Routes(
    commands={
        m.OpenCase: cases.open_case,
        m.UpdateCase: cases.update_case,
        m.UpdatePerson: cases.update_person,
        m.CloseCase: cases.close_case,
        m.ErasePerson: cases.erase_person,
        m.EraseAfterRetention: cases.erase_after_retention,
        m.ChangeStage: records.change_stage,
        m.RecordDecision: records.record_decision,
        m.RecordBottleneck: records.record_bottleneck,
        m.RecordOptions: records.record_options,
        m.CorrectRecordedDate: corrections.correct_recorded_date,
        m.RecordEffort: efforts.record_effort,
        m.ReadDossier: efforts.read_dossier,
        m.SealLegacyEvidence: efforts.seal_legacy_evidence,
        m.NormaliseStoredTexts: maintenance.normalise_stored_texts,
        m.RewrapKeys: maintenance.rewrap_keys,
        m.IndexPersons: maintenance.index_persons,
        m.ScheduleDeadline: deadlines.schedule_deadline,
        m.SendDeadlineNotices: deadlines.send_deadline_notices,
        m.ReadCase: reads.read_case,
        m.ListCasesByDeadline: reads.list_by_deadline,
        m.ReadTombstone: reads.read_tombstone,
        m.ReadAccessLog: reads.read_access_log,
        m.NewestEvent: reads.newest_event,
        m.Disclose: disclosures.disclose,
    },
    events=EVENTS,
    batch=batch_route(EVENTS, batch.Run),
)
