"""The shared master-key settings (`hub_runtime.master_key`) and the end of a rotation command
(`hub_runtime.rotation.finish_rotation`), without a database."""

import uuid
from pathlib import Path

import pytest
from hub_runtime.crypto import UnknownKekVersionError, derive_kek, new_person_key
from hub_runtime.entry import production_problems
from hub_runtime.master_key import MasterKeySettings
from hub_runtime.rotation import finish_rotation
from hub_runtime.settings import HubSettings
from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

NEW = "n3w-master-secret-0123456789abcdefghijklmnop"
OLD = "0ld-master-secret-0123456789abcdefghijklmnop"
COMING = "c0ming-master-secret-0123456789abcdefghijkl"


class Vaulted(MasterKeySettings):
    """A service's settings as casefile's, referral's and the gateway's are written."""

    model_config = SettingsConfigDict(env_prefix="VAULTED_", extra="ignore")

    master_key: SecretStr = Field(SecretStr("dev-only-vaulted-master-key-change-me"))
    hub: HubSettings = Field(default_factory=HubSettings)


def test_the_four_settings_come_from_the_service_prefix_and_files(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secret = tmp_path / "master"
    secret.write_text(NEW + "\n")
    monkeypatch.setenv("VAULTED_MASTER_KEY_FILE", str(secret))
    monkeypatch.setenv("VAULTED_MASTER_KEY_VERSION", "2")
    monkeypatch.setenv("VAULTED_PREVIOUS_MASTER_KEY", OLD)
    monkeypatch.setenv("VAULTED_NEXT_MASTER_KEY", COMING)
    settings = Vaulted()
    assert settings.master_key.get_secret_value() == NEW
    assert settings.previous_master_key_variable == "VAULTED_PREVIOUS_MASTER_KEY"
    ring = settings.keyring("vaulted")
    assert ring.current == 2
    assert dict(ring.keks) == {
        1: derive_kek(OLD, context="vaulted", version=1),
        2: derive_kek(NEW, context="vaulted", version=2),
        3: derive_kek(COMING, context="vaulted", version=3),
    }


def test_a_key_wrapped_before_the_rotation_still_unwraps_during_it() -> None:
    case_id, key = uuid.uuid4(), new_person_key()
    version, wrapped = Vaulted(master_key=SecretStr(OLD)).keyring("vaulted").wrap(key, case_id)
    during = Vaulted(
        master_key=SecretStr(NEW), master_key_version=2, previous_master_key=SecretStr(OLD)
    )
    assert during.keyring("vaulted").unwrap(version, wrapped, case_id) == key
    after = Vaulted(master_key=SecretStr(NEW), master_key_version=2)
    with pytest.raises(UnknownKekVersionError):
        after.keyring("vaulted").unwrap(version, wrapped, case_id)


def test_production_refuses_the_default_and_weak_master_keys(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HUB_ENV", "production")
    refused = "\n".join(production_problems(Vaulted(previous_master_key=SecretStr("short"))))
    assert "VAULTED_MASTER_KEY is the development default" in refused
    assert "VAULTED_PREVIOUS_MASTER_KEY is weak" in refused
    assert "VAULTED_NEXT_MASTER_KEY" not in refused  # not set: nothing to refuse
    fine = "\n".join(production_problems(Vaulted(master_key=SecretStr(NEW))))
    assert "MASTER_KEY" not in fine


async def _counts(counts: dict[int, int]) -> dict[int, int]:
    return counts


async def _unknown() -> dict[int, int]:
    raise UnknownKekVersionError("no master key of version 1 is configured")


def test_the_rotation_command_exits_0_only_when_every_key_is_current(
    capsys: pytest.CaptureFixture[str],
) -> None:
    finish_rotation(_counts({2: 3}), 2, "person keys", "VAULTED_PREVIOUS_MASTER_KEY")
    assert capsys.readouterr().out == "person keys by master-key version: v2: 3\n"
    with pytest.raises(SystemExit) as behind:
        finish_rotation(_counts({1: 1, 2: 3}), 2, "person keys", "VAULTED_PREVIOUS_MASTER_KEY")
    assert behind.value.code == 1
    assert capsys.readouterr().out == "person keys by master-key version: v1: 1, v2: 3\n"
    with pytest.raises(SystemExit) as unknown:
        finish_rotation(_unknown(), 2, "person keys", "VAULTED_PREVIOUS_MASTER_KEY")
    assert unknown.value.code == 1
    assert "(set VAULTED_PREVIOUS_MASTER_KEY)" in capsys.readouterr().err
