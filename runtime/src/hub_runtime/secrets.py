"""Secrets from the environment or from files, and the refusal to run production on weak ones.

Every setting ``<PREFIX><NAME>`` may instead be given as ``<PREFIX><NAME>_FILE``: the path of a
file holding the value (the container convention of Docker and Kubernetes secrets, mounted
under ``/run/secrets``). One trailing newline is dropped; giving both is refused (which one
would win is a surprise an operator should never have).

Outside development mode (``HUB_ENV=development``) a service refuses to start when a secret is
missing, still the development default written in code, or weak (:func:`insecure_secrets`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

FILE_SUFFIX = "_FILE"
# 32 characters: a random 256-bit key in base64 is 44, in hex 64; `openssl rand -base64 32`.
MIN_SECRET_CHARS = 32
# A long run of few symbols ("aaaa...", "abababab...") is not a secret either.
MIN_DISTINCT_CHARS = 10
_DEVELOPMENT_MARKERS = ("dev-only", "change-me", "changeme")


class SecretFileError(ValueError):
    """A ``*_FILE`` setting names a file that cannot be read, or its variable is set too."""


class FileSecretsSource(PydanticBaseSettingsSource):
    """The pydantic-settings source of ``<PREFIX><NAME>_FILE`` variables (see the module)."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        """Unused: :meth:`__call__` reads every field at once."""
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        """The values read from files, by field name; raises :class:`SecretFileError`."""
        prefix = str(self.config.get("env_prefix") or "").upper()
        environ = {key.upper(): value for key, value in os.environ.items()}
        values: dict[str, Any] = {}
        for name, field in self.settings_cls.model_fields.items():
            variable = f"{prefix}{name}".upper()
            path = environ.get(variable + FILE_SUFFIX)
            if not path:
                continue
            if environ.get(variable):
                raise SecretFileError(f"{variable} and {variable}{FILE_SUFFIX} are both set")
            text = read_secret_file(variable + FILE_SUFFIX, Path(path))
            complex_ = self.field_is_complex(field)
            values[name] = self.decode_complex_value(name, field, text) if complex_ else text
        return values


def read_secret_file(variable: str, path: Path) -> str:
    """The content of ``path`` (UTF-8) without one trailing newline; raises
    :class:`SecretFileError` naming ``variable`` when the file cannot be read or is empty."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SecretFileError(f"{variable}: cannot read {path}: {exc.__class__.__name__}") from exc
    text = text.removesuffix("\n").removesuffix("\r")
    if not text:
        raise SecretFileError(f"{variable}: {path} is empty")
    return text


class EnvSettings(BaseSettings):
    """Base of every settings class: environment variables, then ``*_FILE`` files, then the
    defaults written in code (pydantic-settings' order, with the file source added)."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Init arguments, the environment, ``*_FILE`` files (then pydantic's own)."""
        return (
            init_settings,
            env_settings,
            FileSecretsSource(settings_cls),
            dotenv_settings,
            file_secret_settings,
        )


def insecure_secrets(settings: BaseSettings) -> list[str]:
    """Every secret of ``settings`` (and of its nested settings) that production must refuse,
    as sentences naming the variable: missing (empty), the development default written in code
    (or anything marked ``dev-only``/``change-me``), or weak (fewer than 32 characters, or fewer
    than 10 distinct ones). Optional secrets that are not set (None) are not listed."""
    problems: list[str] = []
    prefix = str(settings.model_config.get("env_prefix") or "").upper()
    for name, field in type(settings).model_fields.items():
        value = getattr(settings, name)
        if isinstance(value, BaseSettings):
            problems.extend(insecure_secrets(value))
        elif isinstance(value, SecretStr):
            problem = _weakness(value.get_secret_value(), field.default)
            if problem:
                problems.append(f"{prefix}{name.upper()} {problem}")
    return problems


def _weakness(secret: str, default: object) -> str | None:
    if not secret:
        return "is missing"
    is_default = isinstance(default, SecretStr) and default.get_secret_value() == secret
    if is_default or any(marker in secret.lower() for marker in _DEVELOPMENT_MARKERS):
        return "is the development default"
    if len(secret) < MIN_SECRET_CHARS or len(set(secret)) < MIN_DISTINCT_CHARS:
        return (
            f"is weak (at least {MIN_SECRET_CHARS} random characters,"
            " e.g. `openssl rand -base64 32`)"
        )
    return None
