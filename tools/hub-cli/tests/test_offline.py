"""`hub` commands that need no running service: tokens, usage, and what happens when nothing
answers or no token is given (exit codes, error shapes)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import hub_cli
import pytest
import typer
from hub_cli.app import app, json_defaults
from hub_runtime.auth import Role, verify_token
from hub_runtime.testing import stack_settings

from .conftest import Cli

SECRET = "unit-test-secret-0123456789abcdef0123456789"


def test_token_prints_only_a_token_the_services_accept(cli: Cli) -> None:
    result = cli.invoke("token", "--role", "counsellor")
    assert result.exit_code == 0, result.stderr
    principal = verify_token(SECRET, result.stdout.strip())
    assert (principal.role, principal.sub) == (Role.COUNSELLOR, "dev-counsellor")


def test_token_json_shape_and_a_partner_token(cli: Cli) -> None:
    partner = "8f0e9a44-1c3b-4c7e-9d0e-3f1f4b5a6c7d"
    result = cli.invoke("token", "--role", "partner", "--partner-id", partner, "--json")
    assert result.exit_code == 0, result.stderr
    answer = json.loads(result.stdout)
    assert set(answer) == {"token", "role", "sub", "partner_id", "expires_at"}
    assert (answer["role"], answer["sub"], answer["partner_id"]) == (
        "partner",
        "dev-partner",
        partner,
    )
    assert str(verify_token(SECRET, answer["token"]).partner_id) == partner


@pytest.mark.parametrize(
    "args",
    [
        ("token", "--role", "partner", "--partner-id", "8f0e9a44-1c3b-4c7e-9d0e-3f1f4b5a6c7d"),
        ("token", "--role", "partner"),  # an error: JSON on stderr either way
        ("partners", "list"),  # nothing answers: the error as JSON
        ("gateway", "notices"),
    ],
)
def test_json_before_the_command_is_json_after_it(cli: Cli, args: tuple[str, ...]) -> None:
    """The second trial's finding: ``hub --json partners list`` was refused (no such
    option); now the root's ``--json`` is the command's."""
    before = cli.invoke(
        "--json", *args, HUB_STACK_ENV_FILE="/nonexistent", HUB_KAFKA_BOOTSTRAP="127.0.0.1:9"
    )
    after = cli.invoke(
        *args, "--json", HUB_STACK_ENV_FILE="/nonexistent", HUB_KAFKA_BOOTSTRAP="127.0.0.1:9"
    )
    assert before.exit_code == after.exit_code, (before.output, after.output)
    for result in (before, after):
        text = result.stdout if result.exit_code == 0 else result.stderr
        json.loads(text)


def test_every_command_with_json_takes_it_from_the_root() -> None:
    leaves = json_defaults(typer.main.get_command(app))

    def count(tree: dict[str, object]) -> int:
        return sum(1 if v is True else count(v) for v in tree.values())  # type: ignore[arg-type]

    declared = sum(
        1
        for path in Path(hub_cli.__file__).parent.glob("*.py")
        for _ in range(path.read_text().count("as_json: JsonFlag"))
    )
    assert count(leaves) == declared


@pytest.mark.expected_server_errors  # aiokafka logs the unreachable broker at ERROR
def test_the_service_urls_follow_the_port_variables_of_make_run(cli: Cli) -> None:
    """Without ``HUB_*_URL``, ``hub`` finds each service on the port ``make run`` gave it
    (its ``<SERVICE>_HTTP_PORT``; nothing listens on these)."""
    ports = {"CASEFILE": "9", "REFERRAL": "19", "PARTNER_GATEWAY": "29", "SIGNALS": "39"}
    env: dict[str, str | None] = {f"{name}_HTTP_PORT": port for name, port in ports.items()}
    env.update({f"HUB_{n}_URL": None for n in ("CASEFILE", "REFERRAL", "GATEWAY", "SIGNALS")})
    offline = {"HUB_STACK_ENV_FILE": "/nonexistent", "HUB_KAFKA_BOOTSTRAP": "127.0.0.1:9"}
    result = cli.invoke("status", "--json", **env, **offline)
    assert result.exit_code == 3, result.output
    urls = [s["url"] for s in json.loads(result.stdout)["services"]]
    assert urls == [f"http://127.0.0.1:{port}" for port in ports.values()]
    wrong = cli.invoke("partners", "list", "--json", **{**env, "REFERRAL_HTTP_PORT": "81o2"})
    assert wrong.exit_code == 1
    assert json.loads(wrong.stderr)["error"] == "bad_setting"
    assert "REFERRAL_HTTP_PORT" in json.loads(wrong.stderr)["detail"]


@pytest.mark.expected_server_errors  # aiokafka logs the unreachable broker at ERROR
def test_the_service_urls_follow_the_ports_make_run_recorded(cli: Cli, tmp_path: Path) -> None:
    """The fourth trial: ``make status`` read ``.hub/run/ports.env`` but ``hub`` needed the
    port variables exported; now it reads the record too (a variable set still wins)."""
    recorded = tmp_path / "ports.env"
    recorded.write_text(
        "CASEFILE_HTTP_PORT=9\nREFERRAL_HTTP_PORT=19\nPARTNER_GATEWAY_HTTP_PORT=29\n"
        "SIGNALS_HTTP_PORT=39\nSIM_PORT=49\n"
    )
    env: dict[str, str | None] = {
        f"{name}_HTTP_PORT": None for name in ("CASEFILE", "REFERRAL", "PARTNER_GATEWAY")
    }
    env.update({f"HUB_{n}_URL": None for n in ("CASEFILE", "REFERRAL", "GATEWAY", "SIGNALS")})
    offline = {"HUB_STACK_ENV_FILE": "/nonexistent", "HUB_KAFKA_BOOTSTRAP": "127.0.0.1:9"}
    result = cli.invoke(
        "status",
        "--json",
        **env,
        **offline,
        SIGNALS_HTTP_PORT="59",
        HUB_PORTS_FILE=str(recorded),
    )
    assert result.exit_code == 3, result.output
    urls = [s["url"] for s in json.loads(result.stdout)["services"]]
    assert urls == [f"http://127.0.0.1:{port}" for port in (9, 19, 29, 59)]


def test_token_reads_the_key_make_run_generated(cli: Cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    secrets = tmp_path / "secrets.env"
    secrets.write_text("HUB_JWT_SECRET=from-the-file-0123456789abcdef0123456789\n")
    result = cli.invoke(
        "token", "--role", "admin", HUB_JWT_SECRET=None, HUB_SECRETS_FILE=str(secrets)
    )
    assert result.exit_code == 0, result.stderr
    verify_token("from-the-file-0123456789abcdef0123456789", result.stdout.strip())


def test_a_partner_token_without_partner_id_is_a_usage_error(cli: Cli) -> None:
    """The sixth trial: it exited 1 (refused) where every other missing option exits 2; now
    the usage code, with its closed code under ``--json`` too, and whatever ``HUB_ENV``."""
    result = cli.invoke("token", "--role", "partner")
    assert result.exit_code == 2
    assert result.stderr.strip() == "error partner_id_required: a partner token needs --partner-id"
    assert "Traceback" not in result.output
    for env in ("development", "production"):
        as_json = cli.invoke("token", "--role", "partner", "--json", HUB_ENV=env)
        assert as_json.exit_code == 2, env
        assert json.loads(as_json.stderr)["error"] == "partner_id_required"
        assert as_json.stdout == ""


def test_no_development_token_outside_development(cli: Cli) -> None:
    for env in ("production", None):
        result = cli.invoke("token", "--role", "admin", HUB_ENV=env)
        assert result.exit_code == 1, env
        assert result.stderr.startswith("error not_development:"), result.stderr
        assert result.stdout == ""


def test_an_unknown_role_is_a_usage_error_naming_the_roles(cli: Cli) -> None:
    result = cli.invoke("token", "--role", "superuser")
    assert result.exit_code == 2
    assert "should be one of counsellor, coordinator" in result.stderr
    assert "superuser" not in result.output


PASTED = "Fatima Ahmed-1987"
"""A person's name pasted where a value goes: no usage error may print it back."""
CASE = "8f0e9a44-1c3b-4c7e-9d0e-3f1f4b5a6c7d"


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("erase", PASTED), "invalid_id"),
        (("erase", "--yes", PASTED), "invalid_id"),
        (("partners", "issue", PASTED), "invalid_id"),
        (("partners", "clients", PASTED), "invalid_id"),
        (("partners", "webhook", PASTED), "invalid_id"),
        (("gateway", "deliveries", "--partner-id", PASTED), "invalid_id"),
        (("token", "--role", "partner", "--partner-id", PASTED), "invalid_id"),
        (("token", "--role", PASTED), "usage"),
        (("token", "--role", "admin", "--ttl", PASTED), "usage"),
        (("keys", "steps", PASTED), "usage"),
        (("keys", "rotate", PASTED), "usage"),
        (("keys", "rotate", "casefile", "--batch", PASTED), "usage"),
        (("dead-letters", "list", PASTED), "usage"),
        (("partners", "issue", CASE, PASTED), "usage"),  # an extra argument
        (("erase", CASE, PASTED), "usage"),
        ((PASTED,), "usage"),  # an unknown command
        (("partners", PASTED), "usage"),
    ],
)
def test_a_usage_error_quotes_no_value_typed(cli: Cli, args: tuple[str, ...], code: str) -> None:
    """The fourth trial's finding: ``hub erase <not a uuid>`` printed Click's sentence
    quoting the argument. Every refused value, an extra argument and an unknown command now
    get a closed sentence (exit 2); under ``--json`` the error shape, ``invalid_id`` for an
    id."""
    plain = cli.invoke(*args)
    assert plain.exit_code == 2, plain.output
    assert "Fatima" not in plain.output
    assert "Ahmed" not in plain.output
    as_json = cli.invoke("--json", *args)
    assert as_json.exit_code == 2, as_json.output
    error = json.loads(as_json.stderr)
    assert (error["error"], error["reasons"], error["status"]) == (code, [], None)
    assert "Fatima" not in as_json.output
    if code == "invalid_id":
        assert error["detail"].endswith(
            f"lower-case hexadecimal digits in groups of 8-4-4-4-12, e.g. {CASE})"
        ), error["detail"]


def command_paths(command: object, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The path of every group and command under ``command`` (a Click command), itself
    first."""
    subcommands = getattr(command, "commands", {})
    return [path] + [
        p for name, sub in subcommands.items() for p in command_paths(sub, (*path, name))
    ]


@pytest.mark.parametrize("path", command_paths(typer.main.get_command(app)), ids=" ".join)
@pytest.mark.parametrize("where", ["root", "command"])
def test_an_unknown_option_is_a_closed_sentence_in_every_command(
    cli: Cli, path: tuple[str, ...], where: str
) -> None:
    """The seventh trial's finding: ``hub --<a pasted name> status`` printed Click's ``No such
    option: --<the name>``, and a near miss (``--jsn``) Click's guesses. Both now point to
    the command's ``--help`` (exit 2), the error shape's ``usage`` under ``--json``, before or
    after the command."""
    for typed in ("--Fatima-Ahmed-1987", "--jsn"):
        args = (typed, *path) if where == "root" else (*path, typed)
        for result in (cli.invoke(*args), cli.invoke("--json", *args)):
            assert result.exit_code == 2, result.output
            assert typed not in result.output
            assert "Possible options" not in result.output
            assert "not an option this command takes: see `hub" in " ".join(result.output.split())
        error = json.loads(result.stderr)
        assert (error["error"], error["reasons"], error["status"]) == ("usage", [], None)


@pytest.mark.parametrize(
    ("args", "detail"),
    [
        (("--json", "nosuch"), "name one of the commands of hub: see `hub --help`"),
        (("nosuch", "--json"), "name one of the commands of hub: see `hub --help`"),
        (("dead-letters", "show", "referral.events.v1", "--json"), "Missing argument 'letter'."),
        (
            ("dead-letters", "list", "--json", "--bogus"),
            "not an option this command takes: see `hub dead-letters list --help`",
        ),
        (("token", "--role", "superuser", "--json"), "Invalid value for '--role'"),
    ],
)
def test_a_usage_error_with_json_is_the_error_shape_with_exit_code_2(
    cli: Cli, args: tuple[str, ...], detail: str
) -> None:
    """The third trial's finding: Click's usage errors ignored ``--json``."""
    result = cli.invoke(*args)
    assert result.exit_code == 2, result.output
    error = json.loads(result.stderr)
    assert set(error) == {"error", "detail", "reasons", "status"}
    assert (error["error"], error["reasons"], error["status"]) == ("usage", [], None)
    assert error["detail"].startswith(detail), error["detail"]
    assert result.stdout == ""
    plain = cli.invoke(*(a for a in args if a != "--json"))
    assert plain.exit_code == 2
    assert not plain.stderr.startswith("{")  # without --json, Click's own text as before


def test_no_token_outside_development(cli: Cli) -> None:
    result = cli.invoke("partners", "list", "--json", HUB_ENV="production")
    assert result.exit_code == 1
    error = json.loads(result.stderr)
    assert error["error"] == "no_token"
    assert set(error) == {"error", "detail", "reasons", "status"}
    assert result.stdout == ""


def test_a_service_that_does_not_answer_exits_3_without_a_traceback(cli: Cli) -> None:
    result = cli.invoke("partners", "list")
    assert result.exit_code == 3
    assert result.stderr.startswith("error unreachable: referral at http://127.0.0.1:9 did not")
    assert "Traceback" not in result.output


def test_status_fails_with_3_when_the_services_do_not_answer(cli: Cli) -> None:
    result = cli.invoke("status", "--json")
    assert result.exit_code == 3
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert {s["name"] for s in report["services"]} == {
        "casefile",
        "referral",
        "partner-gateway",
        "signals",
    }
    assert all(s["health"].startswith("unreachable") for s in report["services"])


@pytest.mark.parametrize("as_json", [True, False])
def test_status_never_prints_the_credentials_of_a_service_url(cli: Cli, as_json: bool) -> None:
    """The fifth trial: ``hub status`` printed ``HUB_CASEFILE_URL`` with its user:password@.
    The URL is used as given and shown without its userinfo."""
    offline = {"HUB_STACK_ENV_FILE": "/nonexistent", "HUB_KAFKA_BOOTSTRAP": "127.0.0.1:9"}
    url = "http://council:hunter2pw@127.0.0.1:9/?token=sk-canary-77"
    result = cli.invoke("status", *(["--json"] if as_json else []), HUB_CASEFILE_URL=url, **offline)
    assert result.exit_code == 3, (result.output, result.exception)
    for secret in ("council", "hunter2pw", "sk-canary-77"):
        assert secret not in result.output
    if as_json:
        [casefile] = [s for s in json.loads(result.stdout)["services"] if s["name"] == "casefile"]
        assert casefile["url"] == "http://REDACTED@127.0.0.1:9/?token=REDACTED"
    else:
        assert "REDACTED@127.0.0.1:9" in result.stdout


def test_an_unreachable_service_is_named_without_its_credentials(cli: Cli) -> None:
    result = cli.invoke("partners", "list", HUB_REFERRAL_URL="http://council:hunter2pw@127.0.0.1:9")
    assert result.exit_code == 3
    assert result.stderr.startswith("error unreachable: referral at http://REDACTED@127.0.0.1:9")
    assert "hunter2pw" not in result.output
    assert "council" not in result.output


def _hub_script(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The installed `hub` console script (pyproject [project.scripts]) in a subprocess."""
    script = Path(sys.executable).parent / "hub"
    return subprocess.run(
        [str(script)], env={**os.environ, **env}, capture_output=True, text=True, timeout=60
    )


def test_the_console_script_completes_commands_and_topics() -> None:
    """What the installed completion script asks the command (Click's bash protocol)."""
    groups = _hub_script(
        {"_HUB_COMPLETE": "complete_bash", "COMP_WORDS": "hub de", "COMP_CWORD": "1"}
    )
    assert groups.stdout.split() == ["dead-letters"]
    topics = _hub_script(
        {
            "_HUB_COMPLETE": "complete_bash",
            "COMP_WORDS": "hub dead-letters list ref",
            "COMP_CWORD": "3",
        }
    )
    assert sorted(topics.stdout.split()) == ["referral.commands.v1", "referral.events.v1"]


def test_the_completion_script_is_shown_for_bash() -> None:
    shown = subprocess.run(
        [str(Path(sys.executable).parent / "hub"), "--show-completion", "bash"],
        env={**os.environ, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    assert "_HUB_COMPLETE=complete_bash" in shown.stdout


@pytest.mark.integration
@pytest.mark.expected_server_errors  # aiokafka logs the unreachable broker at ERROR
def test_status_reads_the_stack_addresses_from_the_stack_env_file(cli: Cli, tmp_path: Path) -> None:
    """After `infra/stack.sh up`, `.hub/stack.env` says where Kafka and PostgreSQL are."""
    real = stack_settings()
    stack_env = tmp_path / "stack.env"
    stack_env.write_text(
        f"HUB_KAFKA_BOOTSTRAP={real.kafka_bootstrap}\nHUB_PG_DSN={real.pg_dsn}\n"
        f"HUB_KAFKA_USERNAME={real.kafka_username}\nHUB_KAFKA_CA_FILE={real.kafka_ca_file}\n"
        f"HUB_KAFKA_PASSWORD={real.kafka_password.get_secret_value()}\n"
    )
    result = cli.invoke(
        "status",
        "--json",
        HUB_KAFKA_BOOTSTRAP=None,
        HUB_PG_DSN=None,
        HUB_STACK_ENV_FILE=str(stack_env),
    )
    report = json.loads(result.stdout)
    assert report["stack"]["kafka"] == {
        "status": "pass",
        "target": real.kafka_bootstrap,
        "detail": report["stack"]["kafka"]["detail"],
    }
    assert report["stack"]["postgres"]["status"] == "pass"
    assert "@" not in report["stack"]["postgres"]["target"]
    without = cli.invoke(
        "status",
        "--json",
        HUB_KAFKA_BOOTSTRAP="127.0.0.1:9",
        HUB_PG_DSN="postgresql://hub:pw@127.0.0.1:9",
        HUB_STACK_ENV_FILE=str(stack_env),
    )
    stack = json.loads(without.stdout)["stack"]
    assert (stack["kafka"]["status"], stack["postgres"]["status"]) == ("fail", "fail")
    assert stack["postgres"]["target"] == "127.0.0.1:9"


def test_the_console_script_reports_an_unreachable_broker_in_one_line() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "hub"), "dead-letters", "list", "partner.events.v1"],
        # PLAINTEXT: nothing listens there, so no login is ever tried (what is tested is the
        # report of an unreachable broker).
        env={
            **os.environ,
            "HUB_KAFKA_BOOTSTRAP": "127.0.0.1:9",
            "HUB_KAFKA_SECURITY_PROTOCOL": "PLAINTEXT",
            "HUB_STACK_ENV_FILE": "/none",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 3
    assert result.stderr.splitlines() == [
        "error unreachable: Kafka at 127.0.0.1:9 did not answer (KafkaConnectionError)"
    ]
