"""The delivery worker: sends queued notifications as signed webhooks, in order per partner.

Each round leases the oldest pending delivery of every partner whose turn it is (retry time
reached, circuit not open), sends them concurrently (one per partner), and records each
outcome with its event (ReferralDelivered / DeliveryFailed) in one transaction. A crash between
the POST and that transaction means the same webhook id is sent again after the lease expires:
partners deduplicate on ``webhook-id`` (at-least-once delivery, as the spec expects).

HTTP goes through one ``aiohttp.ClientSession`` per worker run (`DeliveryWorker.session`):
certificates are verified against an explicit trust store (certifi's bundle by default, see
`DeliveryWorker`), each POST is pinned to the address that was checked (``webhook_target``),
redirects are never followed, ``delivery_timeout_seconds`` bounds each POST as a whole, no
proxy is taken from the environment (a proxy would resolve the name itself), and the
``User-Agent`` names the hub's webhooks, not the HTTP library (`USER_AGENT`).
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import aiohttp
import certifi
import yarl
from hub_contracts import DeliveryFailed, NoticeSentV2, PartnerType, ReferralDelivered, privacy
from hub_runtime.notify import Wakeup
from hub_runtime.service import ServiceContext, Worker

from partner_gateway import gates
from partner_gateway.clock import Clock
from partner_gateway.config import Settings
from partner_gateway.domain.delivery import Breaker, RetryPolicy, failure_code
from partner_gateway.domain.notifications import NotificationKind, kind_of_notice
from partner_gateway.domain.signing import sign
from partner_gateway.domain.webhook_url import WebhookUrlRefusedError
from partner_gateway.repository import DeliveryRepository, DueDelivery
from partner_gateway.unit_of_work import PostgresUnitOfWork
from partner_gateway.webhook_target import pinned

log = logging.getLogger(__name__)

USER_AGENT = "council-hub-webhooks/1"
"""The ``User-Agent`` of every webhook (RFC 9110 section 10.1.5): the product and the version
of its webhooks, nothing more. aiohttp's own (``Python/3.x aiohttp/3.y``) told every partner,
and anyone its URL leaked to, which library versions the gateway runs."""

# Read at most this much of a partner's answer (and discard it): a short answer read to its end
# lets the connection be kept alive for the partner's next webhook; a longer one just closes it.
_ANSWER_BYTES_READ = 64 * 1024


async def _discard_answer(response: aiohttp.ClientResponse) -> None:
    """Read and drop up to `_ANSWER_BYTES_READ` bytes of the answer's body."""
    left = _ANSWER_BYTES_READ
    while left > 0 and (chunk := await response.content.read(left)):
        left -= len(chunk)


def certifi_trust() -> ssl.SSLContext:
    """A client TLS context that verifies certificates (and host names) against certifi's CA
    bundle, the trust store the gateway has always delivered with."""
    return ssl.create_default_context(cafile=certifi.where())


@dataclass(frozen=True)
class Outcome:
    """One attempt's outcome: ``status`` the HTTP status (None without an answer), ``code``
    the delivery log's code (``delivered`` or a `domain.delivery.failure_code`)."""

    ok: bool
    status: int | None
    code: str


class DeliveryWorker:
    """Sends queued webhooks (see the module); one per process, run by `delivery_worker`.

    ``trust``: the certificate authorities a partner's certificate must chain to, as a client
    ``ssl.SSLContext`` that verifies (default: `certifi_trust`, built once here); tests pass a
    context that trusts their own authority.
    """

    def __init__(
        self, settings: Settings, clock: Clock, *, trust: ssl.SSLContext | None = None
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.trust = certifi_trust() if trust is None else trust
        self.retry = RetryPolicy(
            settings.delivery_first_backoff_seconds,
            settings.delivery_max_backoff_seconds,
            settings.delivery_max_attempts,
        )
        self.breaker = Breaker(settings.breaker_failure_threshold, settings.breaker_pause_seconds)

    def session(self) -> aiohttp.ClientSession:
        """The HTTP session of one worker run (open it in the running event loop, close it
        with ``async with``): verifies with ``trust``, ``delivery_timeout_seconds`` as the total
        of each request (connecting and the answer included), no proxy from the environment,
        `USER_AGENT` as the ``User-Agent``."""
        return aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=self.trust),
            timeout=aiohttp.ClientTimeout(total=self.settings.delivery_timeout_seconds),
            trust_env=False,
            headers={"User-Agent": USER_AGENT},
        )

    async def run(self, ctx: ServiceContext) -> None:
        """Lease and send until cancelled, up to ``delivery_concurrency`` partners at once.

        A partner's next delivery is leased as soon as its previous one is recorded (the lease
        query skips partners whose oldest delivery is still leased), not when a whole round is
        done, so one slow partner never holds up the others.
        """
        in_flight: set[asyncio.Task[None]] = set()
        queued = Wakeup(ctx.pool, "gateway_deliveries")
        async with self.session() as client:
            try:
                while True:
                    free = self.settings.delivery_concurrency - len(in_flight)
                    due = await self._lease(ctx, free) if free > 0 else []
                    for delivery in due:
                        in_flight.add(
                            asyncio.create_task(self._deliver_safely(ctx, client, delivery))
                        )
                    if due and len(due) < free:
                        continue  # maybe more partners are due
                    in_flight = await self._wait(in_flight, queued)
            finally:
                for task in in_flight:
                    task.cancel()
                await queued.close()

    async def _wait(
        self, in_flight: set[asyncio.Task[None]], queued: Wakeup
    ) -> set[asyncio.Task[None]]:
        """Until a delivery is queued, one in flight finishes or the poll interval passes;
        returns the deliveries still running."""
        poll = self.settings.delivery_poll_seconds
        wakeup = asyncio.create_task(queued.wait(poll))
        try:
            _, pending = await asyncio.wait(
                {*in_flight, wakeup}, timeout=poll, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            wakeup.cancel()
        return set(pending) - {wakeup}

    async def _lease(self, ctx: ServiceContext, limit: int) -> list[DueDelivery]:
        lease = self.settings.delivery_timeout_seconds + 30
        async with ctx.pool.acquire() as conn:
            return await DeliveryRepository(conn).lease_due(limit, lease)

    async def _deliver_safely(
        self, ctx: ServiceContext, client: aiohttp.ClientSession, due: DueDelivery
    ) -> None:
        try:
            await self._deliver(ctx, client, due)
        except Exception as exc:
            # e.g. the database went away mid-delivery: the lease expires and it is retried
            log.warning(
                "delivery failed unexpectedly",
                extra={"partner_id": due.partner_id, "error_type": type(exc).__name__},
            )

    async def _deliver(
        self, ctx: ServiceContext, client: aiohttp.ClientSession, due: DueDelivery
    ) -> None:
        standing = privacy.PartnerFacts(
            due.partner_id,
            PartnerType(due.partner_type),
            active=True,
            ever_origin_authority=due.ever_origin_authority,
        )
        if privacy.is_origin_authority(standing):  # the policy's one test (hub_contracts.privacy)
            outcome = Outcome(ok=False, status=None, code="partner_origin_authority")
            await self._record_failure(ctx, due, outcome, final=True)
            return
        if await self._dropped_at_send_time(ctx, due):
            return
        outcome = await self._post(client, due)
        if outcome.ok:
            await self._record_success(ctx, due, outcome)
        else:
            await self._record_failure(ctx, due, outcome, final=False)

    async def _dropped_at_send_time(self, ctx: ServiceContext, due: DueDelivery) -> bool:
        """Re-check a ``referral.ready`` at the moment of sending (the facts may have changed
        since it was queued: a consent expired overnight, a stage changed, the partner's
        agreement ended): drop it when the policy says no, with the rule's code in the log.
        Notices always go (ids only; they tell the partner to stop)."""
        if due.kind != NotificationKind.REFERRAL_READY or due.referral_id is None:
            return False
        async with PostgresUnitOfWork(ctx.pool, source=ctx.name) as uow:
            referral = await uow.referrals.get(due.referral_id)
            refusal = (
                None if referral is None else await gates.judge(uow, referral, self.clock.today())
            )
            if refusal is None:
                return False
            await uow.deliveries.drop(due.id, refusal.code)
            await uow.commit()
        log.info(
            "webhook dropped at send time",
            extra={"partner_id": due.partner_id, "referral_id": due.referral_id},
        )
        return True

    async def _post(self, client: aiohttp.ClientSession, due: DueDelivery) -> Outcome:
        try:
            # Checked again now, not only at registration: the name may resolve elsewhere today.
            target = await pinned(due.webhook_url, development=self.settings.hub.development)
        except WebhookUrlRefusedError as refused:
            log.warning(
                "webhook address refused",
                extra={"partner_id": due.partner_id, "error_type": refused.code},
            )
            return Outcome(ok=False, status=None, code="address_refused")
        body = due.body.encode("utf-8")
        signed = sign(due.secrets, str(due.notification_id), int(time.time()), body)
        headers = {"content-type": "application/json", **signed.as_dict(), **target.headers}
        try:
            # Redirects are never followed (aiohttp follows them unless told not to): a 3xx to
            # an internal address would bypass the check above. A 3xx is a failed delivery.
            # The registered URL goes out byte for byte (``encoded=True``): it is stored
            # already encoded (the API's URL type), and yarl would otherwise decode escapes
            # such as %3A or %2F in the query, changing what a partner routes by.
            async with client.post(
                yarl.URL(target.url, encoded=True),
                data=body,
                headers=headers,
                server_hostname=target.server_hostname,
                allow_redirects=False,
            ) as response:
                status = response.status
                await _discard_answer(response)
        except TimeoutError:  # first: it is an OSError (aiohttp's are also ClientErrors)
            return Outcome(ok=False, status=None, code=failure_code(None, timed_out=True))
        except (aiohttp.ClientError, OSError, ValueError):
            # ValueError: a host the resolver cannot even encode (IDNA: a label over 63
            # characters, which the API's URL type lets through in development) is as
            # unreachable as one that does not resolve; recorded, retried, given up in time.
            return Outcome(ok=False, status=None, code=failure_code(None))
        if 200 <= status < 300:
            return Outcome(ok=True, status=status, code="delivered")
        return Outcome(ok=False, status=status, code=failure_code(status))

    async def _record_success(
        self, ctx: ServiceContext, due: DueDelivery, outcome: Outcome
    ) -> None:
        attempt = due.attempts + 1
        async with PostgresUnitOfWork(ctx.pool, source=ctx.name) as uow:
            await uow.deliveries.mark_delivered(due.id, attempt, outcome.status or 200)
            await uow.partners.record_success(due.partner_id)
            if due.kind == NotificationKind.REFERRAL_READY and due.referral_id is not None:
                uow.emit(
                    ReferralDelivered(
                        case_id=due.case_id,
                        referral_id=due.referral_id,
                        partner_id=due.partner_id,
                        attempt=attempt,
                    ),
                    subject=due.case_id,
                )
            elif due.notice_id is not None and (kind := kind_of_notice(due.kind)) is not None:
                await uow.notices.mark_sent(due.notice_id)
                uow.emit(
                    NoticeSentV2(
                        case_id=due.case_id,
                        notice_id=due.notice_id,
                        partner_id=due.partner_id,
                        referral_id=await uow.notices.referral_of(due.notice_id),
                        kind=kind,
                    ),
                    subject=due.case_id,
                )
            await uow.commit()
        log.info(
            "webhook delivered",
            extra={
                "partner_id": due.partner_id,
                "referral_id": due.referral_id,
                "attempt": attempt,
            },
        )

    async def _record_failure(
        self, ctx: ServiceContext, due: DueDelivery, outcome: Outcome, *, final: bool
    ) -> None:
        attempt = due.attempts + 1
        now = datetime.now(UTC)
        give_up = final or self.retry.gives_up_after(attempt)
        async with PostgresUnitOfWork(ctx.pool, source=ctx.name) as uow:
            failures, open_until = self.breaker.after_failure(
                await uow.partners.failures(due.partner_id), now
            )
            await uow.partners.record_failure(due.partner_id, failures, open_until)
            await uow.deliveries.mark_failed(
                due.id,
                attempt,
                outcome.status,
                outcome.code,
                now + self.retry.delay_after(attempt),
                give_up,
            )
            if due.kind == NotificationKind.REFERRAL_READY and due.referral_id is not None:
                uow.emit(
                    DeliveryFailed(
                        case_id=due.case_id,
                        referral_id=due.referral_id,
                        partner_id=due.partner_id,
                        attempt=attempt,
                        reason_code=outcome.code,
                    ),
                    subject=due.case_id,
                )
            await uow.commit()
        log.warning(
            "webhook delivery failed",
            extra={"partner_id": due.partner_id, "attempt": attempt, "status": outcome.code},
        )


def delivery_worker(settings: Settings, clock: Clock) -> Worker:
    """The delivery worker as a service worker (the runtime restarts it if it dies)."""
    worker = DeliveryWorker(settings, clock)

    async def deliveries(ctx: ServiceContext) -> None:
        await worker.run(ctx)

    return deliveries
