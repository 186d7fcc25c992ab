"""A service's master key as settings: written once for every service that wraps keys under one.

Casefile (persons' keys), referral (case keys) and the partner gateway (the portal staff's TOTP
secrets) each keep what they protect wrapped under a key-encryption key derived from their own
master secret (`hub_runtime.crypto`). Their ``Settings`` inherit the four settings of that
secret from :class:`MasterKeySettings`, in their own prefix (``CASEFILE_MASTER_KEY``,
``REFERRAL_MASTER_KEY_VERSION``, ...), and only give ``master_key`` their own development
default and a sentence on what it wraps.

Like every setting, each may come from a file (``<PREFIX>MASTER_KEY_FILE``, `hub_runtime.secrets`);
outside development mode the service refuses a master key that is missing, the development
default or weak, and so a previous or next key when one is set (`hub_runtime.entry`).

A rotation without downtime takes four steps (README, Deployment): ``<PREFIX>NEXT_MASTER_KEY`` on
every instance; then the new secret as ``<PREFIX>MASTER_KEY`` with ``<PREFIX>MASTER_KEY_VERSION``
raised by one and the old one as ``<PREFIX>PREVIOUS_MASTER_KEY``; then ``python -m
<service>.rotate`` (`hub_runtime.rotation`); then the previous key removed.
"""

from pydantic import Field, SecretStr

from hub_runtime.crypto import Keyring
from hub_runtime.secrets import EnvSettings


class MasterKeySettings(EnvSettings):
    """Settings of a service that wraps keys under a master key (see the module)."""

    master_key: SecretStr = Field(
        description="Master secret of the key-encryption key of version <PREFIX>MASTER_KEY_VERSION;"
        " new and re-wrapped keys are wrapped under it (each service gives its own development"
        " default, which production refuses)"
    )
    master_key_version: int = Field(
        1,
        ge=1,
        description="Version of <PREFIX>MASTER_KEY, stored with every wrapped key; raise it by"
        " one with each rotation",
    )
    previous_master_key: SecretStr | None = Field(
        None,
        description="During a rotation: the master secret of version <PREFIX>MASTER_KEY_VERSION"
        " - 1, which still unwraps what `python -m <service>.rotate` has not re-wrapped yet",
    )
    next_master_key: SecretStr | None = Field(
        None,
        description="Before a rotation: the master secret that will become version"
        " <PREFIX>MASTER_KEY_VERSION + 1; unwraps only, so instances not yet switched read what"
        " switched ones wrap (README, Deployment)",
    )

    def keyring(self, context: str) -> Keyring:
        """The service's key-encryption keys by version, derived under ``context`` (the
        service's HKDF salt, `hub_runtime.crypto.derive_kek`): the master key as
        ``master_key_version``, and when set the previous key as the version before and the
        next key as the version after (unwrap only)."""
        previous, next_ = self.previous_master_key, self.next_master_key
        return Keyring.of(
            context,
            self.master_key.get_secret_value(),
            self.master_key_version,
            None if previous is None else previous.get_secret_value(),
            None if next_ is None else next_.get_secret_value(),
        )

    @property
    def previous_master_key_variable(self) -> str:
        """The environment variable of the previous master key, e.g.
        ``CASEFILE_PREVIOUS_MASTER_KEY``: what an operator sets when a stored key is under a
        version the settings do not hold."""
        prefix = str(self.model_config.get("env_prefix") or "")
        return f"{prefix}PREVIOUS_MASTER_KEY".upper()
