-- The timeline keeps codes from closed lists only (issue 12: no free text outside the vault).
-- Entries written from older event versions are rewritten the way the consumer now writes them:
-- a refusal keeps its codes and drops the sentence (GET /cases renders it from the code), and an
-- open reason code of ReferralStatusChanged.v1 / PartnerStatusReported.v1 that is not on the
-- closed successor list (StatusReason, DeclineReason) becomes 'other'.
UPDATE timeline
SET details = jsonb_set(
    details,
    '{reasons}',
    (SELECT jsonb_agg(CASE WHEN jsonb_typeof(r) = 'object' THEN r -> 'code' ELSE r END)
     FROM jsonb_array_elements(details -> 'reasons') AS r)
)
WHERE kind = 'referral_refused'
  AND jsonb_typeof(details -> 'reasons') = 'array'
  AND EXISTS (SELECT 1 FROM jsonb_array_elements(details -> 'reasons') AS r
              WHERE jsonb_typeof(r) = 'object');

UPDATE timeline
SET details = jsonb_set(details, '{reason_code}', '"other"')
WHERE kind = 'partner_status_reported'
  AND jsonb_typeof(details -> 'reason_code') = 'string'
  AND details ->> 'reason_code' NOT IN (
      'no_capacity', 'outside_service_area', 'service_not_offered', 'not_eligible',
      'person_not_reachable', 'person_no_longer_interested', 'duplicate_referral',
      'safety_concern', 'other');

UPDATE timeline
SET details = jsonb_set(details, '{reason_code}', '"other"')
WHERE kind = 'referral_status_changed'
  AND jsonb_typeof(details -> 'reason_code') = 'string'
  AND details ->> 'reason_code' NOT IN (
      'no_capacity', 'outside_service_area', 'service_not_offered', 'not_eligible',
      'person_not_reachable', 'person_no_longer_interested', 'duplicate_referral',
      'safety_concern', 'other',
      'partner_may_not_receive', 'no_partner_answer', 'consent_withdrawn', 'consent_expired',
      'person_erased', 'case_closed', 'protection_first', 'stage_allows_again',
      'implied_by_partner_answer', 'declined_by_partner', 'reported_by_partner');
