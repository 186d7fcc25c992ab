"""``hub dead-letters list|show|replay <topic>``: over ``hub_runtime.dead_letters``.

A dead letter is named ``<partition>:<offset>`` in its ``<topic>.dlq`` (the topic has several
partitions, so an offset alone can be ambiguous). Listing and showing never print the payload
(the envelope's ``data``), nor a key or subject that is not id-shaped, nor a ``source``,
``dataschema`` or ``type`` that is not a closed value the hub knows. Letters are stored sealed:
the CLI opens them with ``HUB_DEAD_LETTER_KEY`` (`hub_cli.config.hub_settings`); a letter sealed
under another key lists with ``unopened`` saying why and is not replayed. Replay republishes
the original record of the chosen letters to its original topic with a progress bar, once per
original record (several consumers' letters of one record, and the letters of its earlier
replays, are one record); it is safe to repeat (consumers drop envelope ids they already
applied). The topic prefix comes from ``HUB_TOPIC_PREFIX`` and
the broker from ``HUB_KAFKA_BOOTSTRAP``.
"""

import asyncio
import re
import sys
from typing import Annotated

import typer
from aiokafka.errors import KafkaError
from hub_contracts.topics import Topic
from hub_runtime import dead_letters as dlq
from hub_runtime.kafka_security import KafkaSecurityError
from hub_runtime.settings import HubSettings
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from hub_cli import output
from hub_cli.config import hub_settings
from hub_cli.context import JSON_HELP
from hub_cli.output import UNREACHABLE, USAGE, CliError, handles_errors
from hub_cli.usage import INVALID_ID

app = typer.Typer(help="Dead letters: list, show, replay after a fix.")
JsonFlag = Annotated[bool, typer.Option("--json", help=JSON_HELP)]
TopicArg = Annotated[Topic, typer.Argument(help="The original topic, e.g. referral.events.v1.")]


def letter_id(letter: dlq.DeadLetter) -> str:
    """``<partition>:<offset>`` of the letter in its dead-letter topic."""
    return f"{letter.partition}:{letter.offset}"


def _load(settings: HubSettings, topic: Topic) -> list[dlq.DeadLetter]:
    try:
        return asyncio.run(dlq.load(settings, topic.value))
    except (KafkaError, OSError) as exc:
        raise CliError(
            "unreachable",
            f"Kafka at {settings.kafka_bootstrap} did not answer ({type(exc).__name__})",
            exit_code=UNREACHABLE,
        ) from exc
    except KafkaSecurityError as exc:  # no login configured: say which variable is missing
        raise CliError("unreachable", str(exc), exit_code=UNREACHABLE) from exc


_LETTER_ID = re.compile(r"[0-9]{1,10}(:[0-9]{1,19})?")


def _pick(letters: list[dlq.DeadLetter], wanted: str) -> dlq.DeadLetter:
    """The letter named ``wanted`` (``P:O``, or ``O`` when only one partition has that offset).

    Raises `CliError` ``invalid_id`` (exit 2, a usage error) for anything else, without quoting
    it: an operator may have pasted a person's name or a payload where the id goes."""
    if not _LETTER_ID.fullmatch(wanted):
        raise CliError(
            INVALID_ID,
            "a dead letter's id is PARTITION:OFFSET or OFFSET, digits only"
            " (see `hub dead-letters list`)",
            exit_code=USAGE,
        )
    if ":" in wanted:
        found = [x for x in letters if letter_id(x) == wanted]
    else:
        found = [x for x in letters if str(x.offset) == wanted]
    if len(found) == 1:
        return found[0]
    if not found:
        raise CliError("not_found", f"no dead letter {wanted} (see `hub dead-letters list`)")
    raise CliError("ambiguous", f"offset {wanted} is in several partitions: name it as P:O")


@app.command("list")
@handles_errors()
def list_letters(topic: TopicArg, as_json: JsonFlag = False) -> None:
    """Every dead letter of the topic: id, envelope id and type, the error (never the payload).

    JSON: {"topic", "count", "items": [{"id", "dlq_partition", "dlq_offset", "envelope_id",
    "type", "error", "original-topic", ...}]}."""
    letters = _load(hub_settings(), topic)
    items = [{"id": letter_id(x), **x.summary()} for x in letters]
    if as_json:
        output.emit_json({"topic": topic.value, "count": len(items), "items": items})
        return
    output.table(
        f"{len(items)} dead letter(s) of {topic.value}",
        ["id", "type", "envelope_id", "consumer", "attempts", "error"],
        [
            (i["id"], i["type"], i["envelope_id"], i.get("consumer"), i.get("attempts"), i["error"])
            for i in items
        ],
    )


@app.command()
@handles_errors()
def show(
    topic: TopicArg,
    letter: Annotated[str, typer.Argument(help="P:O as `list` shows it (or O if unique).")],
    as_json: JsonFlag = False,
) -> None:
    """One dead letter: its summary, key, headers, size and envelope attributes (never the data).

    JSON: the summary's keys plus "id", "key", "value_bytes", "headers", "envelope"."""
    chosen = _pick(_load(hub_settings(), topic), letter)
    detail = {"id": letter_id(chosen), **chosen.detail()}
    output.emit_json(detail) if as_json else output.fields(f"dead letter {detail['id']}", detail)


@app.command()
@handles_errors()
def replay(
    topic: TopicArg,
    letter: Annotated[
        list[str] | None, typer.Option("--id", help="P:O of a letter to replay; repeat.")
    ] = None,
    every: Annotated[bool, typer.Option("--all", help="Replay every dead letter.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Republish the records of the chosen dead letters to their original topic, with a
    progress bar: each original record once, however many letters it has (one per consumer
    that dead-lettered it, one per earlier replay).

    JSON: {"topic", "replayed" (records sent), "letters" (letters chosen), "ids"}. Name
    letters with --id (repeat) or --all."""
    if every and letter:
        raise CliError(
            "conflicting_options", "give --id P:O (repeatable) or --all, not both", exit_code=USAGE
        )
    if not every and not letter:
        raise CliError(
            "missing_option",
            "name the letters with --id P:O (repeatable) or --all",
            exit_code=USAGE,
        )
    settings = hub_settings()
    letters = _load(settings, topic)
    chosen = letters if every else [_pick(letters, wanted) for wanted in letter or []]
    unopened = [x for x in chosen if x.value is None]
    if unopened:  # nothing is sent: a replay is all of the chosen letters or none
        raise CliError("sealed", f"not replayed: {letter_id(unopened[0])}: {unopened[0].unopened}")
    progress = Progress(
        TextColumn("replaying"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(file=sys.stderr),
        disable=as_json,
    )
    with progress:
        task = progress.add_task("replay", total=len(dlq.distinct_records(chosen)))
        try:
            sent = asyncio.run(
                dlq.replay(settings, chosen, on_sent=lambda _: progress.advance(task))
            )
        except KafkaError as exc:
            raise CliError(
                "unreachable",
                f"Kafka refused the replay ({type(exc).__name__}); replaying again is safe",
                exit_code=UNREACHABLE,
            ) from exc
    ids = [letter_id(x) for x in chosen]
    if as_json:
        output.emit_json(
            {"topic": topic.value, "replayed": sent, "letters": len(chosen), "ids": ids}
        )
    else:
        typer.echo(
            f"replayed {sent} record(s) from {len(chosen)} dead letter(s) of {topic.value} to"
            " their original topic (each original record once)"
        )
