"""Settings of the signals service (environment prefix ``SIGNALS_``)."""

from __future__ import annotations

from hub_contracts.events.signals import MAX_EPSILON, MAX_K_THRESHOLD, MAX_ROUNDING_BASE
from hub_runtime.secrets import EnvSettings
from hub_runtime.settings import HubSettings
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict


class Settings(EnvSettings):
    """Everything that tunes the signals service; read from ``SIGNALS_*`` variables."""

    model_config = SettingsConfigDict(env_prefix="SIGNALS_", extra="ignore")

    http_host: str = Field("127.0.0.1", description="Address the HTTP API listens on")
    http_port: int = Field(8104, ge=0, description="HTTP port (0 = any free port)")
    database: str = Field("signals", description="PostgreSQL database of this service")
    hash_key: SecretStr = Field(
        SecretStr("dev-only-signals-hash-key-change-me-0123456789"),
        description="Master key from which the per-period pseudonymisation keys are derived",
    )
    # Upper bounds are the published contract's (SignalsPublished.v2): a setting beyond them
    # is refused at start, not at the first publication.
    k_threshold: int = Field(
        10, ge=2, le=MAX_K_THRESHOLD, description="Cells and totals under k are suppressed"
    )
    rounding_base: int = Field(
        5, ge=1, le=MAX_ROUNDING_BASE, description="Published counts are rounded to this base"
    )
    require_reporting_consent: bool = Field(
        True, description="Count only persons whose consent covers anonymous_reporting"
    )
    allow_country_of_origin: bool = Field(
        False, description="Publish the (top-level only) country-of-origin table"
    )
    max_cells_per_person: int = Field(
        20, ge=1, description="A person contributes to at most this many cells per period"
    )
    grace_days: int = Field(
        5, ge=0, description="A month is closed this many days after it ended (late events)"
    )
    publish_interval_seconds: float = Field(
        60.0, gt=0, description="How often the publisher looks for closed, unpublished periods"
    )
    dp_enabled: bool = Field(False, description="Add Laplace noise before suppression")
    dp_epsilon_per_table: float = Field(
        0.5, gt=0, le=MAX_EPSILON, description="Epsilon spent per table release"
    )
    # Nine tables at 0.5 each (partner_declines_by_reason, issue 12, was the ninth).
    dp_budget_per_period: float = Field(
        4.5, gt=0, description="Total epsilon a period may spend; releases over it are refused"
    )
    session_idle_minutes: int = Field(
        30, ge=1, le=24 * 60, description="A dashboard session unused this long ends"
    )
    session_lifetime_hours: int = Field(
        10, ge=1, le=24, description="A dashboard session ends this long after sign-in"
    )
    sign_in_max_failures: int = Field(
        5, ge=1, description="Failed sign-ins per username within the window before a pause"
    )
    sign_in_window_minutes: int = Field(
        15, ge=1, description="The window of the sign-in rate limit"
    )
    oidc_client_id: str | None = Field(
        None,
        description="The dashboard's client id at the council's OpenID Connect provider. Set:"
        " staff sign in there (Authorization Code flow with PKCE) and local accounts are off;"
        " unset: local accounts",
    )
    oidc_client_secret: SecretStr | None = Field(
        None, description="The client's secret (a confidential client); unset: a public client"
    )
    oidc_redirect_url: str | None = Field(
        None,
        description="The dashboard's callback as browsers reach it, registered exactly at the"
        " provider: https://<host>/dashboard/sign-in/callback",
    )
    oidc_issuer: str | None = Field(
        None, description="The provider's issuer URL for the dashboard; unset: HUB_OIDC_ISSUER"
    )
    max_body_bytes: int = Field(16 * 1024, ge=1024, description="Largest HTTP body accepted")
    hub: HubSettings = Field(default_factory=HubSettings)

    @model_validator(mode="after")
    def _provider_sign_in_complete(self) -> Settings:
        if self.oidc_client_id and not (self.dashboard_issuer and self.oidc_redirect_url):
            raise ValueError(
                "SIGNALS_OIDC_CLIENT_ID needs SIGNALS_OIDC_REDIRECT_URL and an issuer"
                " (SIGNALS_OIDC_ISSUER or HUB_OIDC_ISSUER)"
            )
        return self

    @property
    def dashboard_issuer(self) -> str | None:
        """The issuer the dashboard signs staff in at (its own setting, else the hub's)."""
        return self.oidc_issuer or self.hub.oidc_issuer

    def production_problems(self) -> list[str]:
        """What production refuses besides weak secrets (`hub_runtime.entry` calls this outside
        development): the provider sign-in over plain HTTP. The browser carries the code and
        the session cookie on these URLs, and the ID token's keys come from the issuer, so both
        must be ``https`` (OpenID Connect Core 1.0 section 3.1.2.1; RFC 9700 section 4.1)."""
        if not self.oidc_client_id:
            return []
        return [
            f"{name} must be an https URL outside development"
            for name, url in (
                ("SIGNALS_OIDC_ISSUER (or HUB_OIDC_ISSUER)", self.dashboard_issuer),
                ("SIGNALS_OIDC_REDIRECT_URL", self.oidc_redirect_url),
            )
            if not str(url or "").startswith("https://")
        ]
