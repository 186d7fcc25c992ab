"""Plain-text tables for the terminal and the same figures as Markdown for the README."""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

Row = Sequence[str]


@dataclass
class Section:
    title: str
    headers: list[str]
    rows: list[list[str]]
    notes: list[str] = field(default_factory=list)


def _text_table(headers: Row, rows: Sequence[Row]) -> list[str]:
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows, strict=True)]
    line = "  ".join("-" * w for w in widths)

    def fmt(row: Row) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )

    return [fmt(headers), line, *(fmt(r) for r in rows)]


def _md_table(headers: Row, rows: Sequence[Row]) -> list[str]:
    return [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---" if i == 0 else "---:" for i in range(len(headers))) + "|",
        *("| " + " | ".join(r) + " |" for r in rows),
    ]


def text(
    machine: Sequence[tuple[str, str]], settings: Sequence[str], sections: list[Section]
) -> str:
    out = ["MACHINE"]
    out += [f"  {k:<14} {v}" for k, v in machine]
    out += ["", "RUN", *(f"  {s}" for s in settings)]
    for section in sections:
        out += ["", section.title.upper(), *_text_table(section.headers, section.rows)]
        out += [f"  {n}" for n in section.notes]
    return "\n".join(out)


def markdown(
    machine: Sequence[tuple[str, str]], settings: Sequence[str], sections: list[Section]
) -> str:
    out = ["### Benchmark (`make bench`)", ""]
    out.append("Machine: " + "; ".join(f"{k} {v}" for k, v in machine) + ".")
    out += ["", *(f"- {s}" for s in settings)]
    for section in sections:
        out += ["", f"#### {section.title}", "", *_md_table(section.headers, section.rows)]
        if section.notes:
            out += ["", *(f"- {n}" for n in section.notes)]
    return "\n".join(out) + "\n"


def num(value: float, digits: int = 0) -> str:
    if math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return "not within window"
    return f"{value:,.{digits}f}"


def ratio(value: float, base: float) -> str:
    if base <= 0 or math.isnan(value) or math.isnan(base) or math.isinf(value):
        return "n/a"
    return f"{value / base:.2f}"
