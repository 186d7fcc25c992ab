"""What the strict JSON check costs a consumer per record (`hub_runtime.strict_json`).

    uv run python bench/strict_json.py [--records 20000]

Decodes one ``CaseOpened`` record (about 580 bytes) as the consumers do
(`hub_runtime.decoding.decode_record`: strict JSON check, envelope, payload, topic) and as they
did before the check (envelope and payload only), in-process, best of five rounds each, and
prints both per-record times and their ratio. No stack needed; a record's transaction (a few
milliseconds on the shared stack) dwarfs either figure.
"""

import argparse
import timeit
import uuid

from aiokafka import ConsumerRecord
from hub_contracts import CaseOpened, new_envelope
from hub_contracts.envelope import Envelope
from hub_contracts.registry import decode
from hub_runtime.decoding import decode_record


def main() -> None:
    """Print the per-record decode time without and with the strict check, and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=20000)
    records = parser.parse_args().records
    payload = CaseOpened(
        case_id=uuid.uuid4(),
        country_of_origin="ER",
        region="west",
        household_size=1,
        has_minors=False,
        vulnerabilities=[],
        location_type="azc",
        stage="final_rejection",
    )
    value = new_envelope(payload, source="casefile", subject=str(payload.case_id)).to_bytes()
    record = ConsumerRecord("casefile.events.v1", 0, 0, 0, 0, b"k", value, None, 1, len(value), ())

    def unchecked() -> None:
        decode(Envelope.from_bytes(value))

    def checked() -> None:
        decode_record(record)

    before = min(timeit.repeat(unchecked, number=records, repeat=5)) / records * 1e6
    after = min(timeit.repeat(checked, number=records, repeat=5)) / records * 1e6
    print(
        f"{len(value)}-byte record: {before:.1f} us without the strict check,"
        f" {after:.1f} us with it, ratio {after / before:.2f}"
    )


if __name__ == "__main__":
    main()
