"""The buitenschuld dossier as Markdown, for printing with the application."""

from typing import Any

from hub_runtime.render import escape_markdown


def dossier_markdown(dossier: dict[str, Any]) -> str:
    """The same dossier as Markdown, for printing with the application.

    Every value passes ``escape_markdown`` (hub_runtime.render): a name or a note can never
    add a heading, a table row, a link or raw HTML to the document.
    """
    md = escape_markdown
    person = dossier["person"]
    lines = [
        "# Buitenschuld dossier: own efforts to obtain travel documents",
        "",
        f"- Case: {md(dossier['case_id'])}",
        f"- Name: {md(person.get('name', ''))}",
        f"- Date of birth: {md(person.get('date_of_birth', ''))}",
        f"- Country of origin: {md(dossier['country_of_origin'])}",
        f"- Procedure stage: {md(dossier['stage'])}",
        f"- Generated on: {md(dossier['generated_on'])}",
        "",
        "## Efforts",
        "",
        "| date | kind | authority | outcome | evidence | note |",
        "|---|---|---|---|---|---|",
    ]
    for e in dossier["efforts"]:
        cells = [e["occurred_on"], e["kind"], e["authority"], e["outcome"]]
        cells += [", ".join(e["evidence_refs"]), e["note"] or ""]
        lines.append("| " + " | ".join(md(cell) for cell in cells) + " |")
    return "\n".join(lines) + "\n"
