"""The materials of an options talk are codes of a closed list, on the real stack.

A new user's trial had "zarina_probeperson" accepted as a material code, stored in plaintext,
shown by ``GET /cases/{id}`` and kept after the person's erasure (no free text outside the
vault). Now an unlisted code is 422 without being echoed, and the erasure drops the unlisted
codes that talks recorded before the list was closed still hold.
"""

from typing import Any

import pytest
from hub_contracts import InformationMaterial
from hub_runtime.auth import Role

pytestmark = pytest.mark.integration

PROBE = "zarina_probeperson"


def talk(casefile: Any, materials: list[str]) -> dict[str, Any]:
    return {
        "options": ["independent_return"],
        "language": "ar",
        "interpreter_used": False,
        "materials": materials,
        "discussed_on": casefile.today().isoformat(),
    }


async def stored_materials(casefile: Any, case_id: str) -> list[list[str]]:
    assert casefile.runtime.context is not None
    rows = await casefile.runtime.context.pool.fetch(
        "SELECT materials FROM options_discussed WHERE case_id = $1 ORDER BY id", case_id
    )
    return [list(row["materials"]) for row in rows]


async def test_an_unlisted_material_is_refused_without_echo_and_nothing_is_stored(
    casefile: Any,
) -> None:
    case_id = await casefile.open_case()
    headers = casefile.token(Role.COUNSELLOR)
    response = await casefile.http.post(
        f"/cases/{case_id}/options",
        json=talk(casefile, ["leaflet_return_options_ar", PROBE]),
        headers=headers,
    )
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "invalid_request"
    assert [reason.split(":")[0] for reason in body["reasons"]] == ["materials[1]"], body
    assert "zarina" not in response.text.lower()
    assert not any("zarina" in value.lower() for value in response.headers.values())
    assert await stored_materials(casefile, case_id) == []

    # Every listed code is taken (the one the tests used before the list was closed too).
    listed = [material.value for material in InformationMaterial]
    accepted = await casefile.http.post(
        f"/cases/{case_id}/options", json=talk(casefile, listed), headers=headers
    )
    assert accepted.status_code == 201, accepted.text
    view = (await casefile.http.get(f"/cases/{case_id}", headers=headers)).json()
    assert view["options_discussed"][0]["materials"] == listed


async def test_older_talks_stay_readable_and_erasure_drops_their_unlisted_codes(
    casefile: Any,
) -> None:
    case_id = await casefile.open_case()
    counsellor = casefile.token(Role.COUNSELLOR)
    response = await casefile.http.post(
        f"/cases/{case_id}/options",
        json=talk(casefile, ["leaflet_return_options_ar"]),
        headers=counsellor,
    )
    assert response.status_code == 201, response.text
    # A talk recorded before the list was closed, as the trial left it.
    assert casefile.runtime.context is not None
    await casefile.runtime.context.pool.execute(
        "INSERT INTO options_discussed (case_id, options, language, interpreter_used,"
        " materials, discussed_on, recorded_by) VALUES ($1, $2, 'ar', false, $3, $4, 'alice')",
        case_id,
        ["irregular_stay"],
        [PROBE, "entry_ban", "leaflet_x"],
        casefile.today(),
    )
    admin = casefile.token(Role.ADMIN)
    view = await casefile.http.get(f"/cases/{case_id}", headers=admin)
    assert view.status_code == 200, view.text
    assert [t["materials"] for t in view.json()["options_discussed"]] == [
        ["leaflet_return_options_ar"],
        [PROBE, "entry_ban", "leaflet_x"],
    ]

    erased = await casefile.http.delete(f"/cases/{case_id}/person", headers=admin)
    assert erased.status_code == 200, erased.text
    assert await stored_materials(casefile, case_id) == [
        ["leaflet_return_options_ar"],
        ["entry_ban"],
    ]
