"""Who sees what, for every page and every JSON answer (SPEC "Portal"): an auditor sees all of
their brand, an approver its drafts and reports, a submitter their own drafts, anyone else 403,
and nothing of another brand leaks through a list, a search, a count, an export or a chart."""

from __future__ import annotations

import json

import pytest

from tests.portal.world import (
    APPROVER,
    AUDITOR,
    OTHER_APPROVER,
    OTHER_AUDITOR,
    STRANGER,
    SUBMITTER,
    SUBMITTER2,
    World,
)

JSON = {"Accept": "application/json"}
PEOPLE = (AUDITOR, APPROVER, SUBMITTER, SUBMITTER2, OTHER_AUDITOR, OTHER_APPROVER, STRANGER)
#: what each person may see: brands of reports/all drafts, audited brands, own drafts' submitter
SEES = {
    AUDITOR: ({"acme"}, {"acme"}),
    APPROVER: ({"acme"}, set()),
    SUBMITTER: (set(), set()),
    SUBMITTER2: (set(), set()),
    OTHER_AUDITOR: ({"other"}, {"other"}),
    OTHER_APPROVER: ({"other"}, set()),
    STRANGER: (None, None),
}
OTHER_TEXT = "Zephyr"  # only in the other brand's drafts
ACME_TEXT = "Kungsleden"  # only in acme's


def _visible(world: World, user: str) -> set[int]:
    brands, _ = SEES[user]
    submitters = {
        d: ("USUBTWO" if key.split(":")[1] in ("blocked", "waiting") else "USUBONE")
        for key, d in world.drafts.items()
    }
    submitters[world.drafts["other:theirs"]] = "UOUTSIDER"
    return {
        d
        for key, d in world.drafts.items()
        if (brands and key.split(":")[0] in brands) or submitters[d] == user
    }


@pytest.mark.parametrize("user", PEOPLE)
def test_every_page_and_answer_for_every_role(world: World, user: str) -> None:
    client = world.signed_in(user)
    brands, audited = SEES[user]
    pages = ["/portal/", "/portal/drafts", "/portal/audit", "/portal/audit/export?format=jsonl"]
    pages += [f"/portal/drafts/{d}" for d in world.drafts.values()]
    pages += ["/portal/charts/acme.svg", "/portal/charts/other.svg"]
    if brands is None:  # nobody: 403 everywhere, HTML and JSON
        for page in pages:
            assert client.get(page).status_code == 403, page
            assert client.get(page, headers=JSON).status_code == 403, page
        return
    visible = _visible(world, user)

    home = client.get("/portal/", headers=JSON).json
    assert {b["brand"] for b in home["brands"]} == brands
    html = client.get("/portal/").get_data(as_text=True)
    for brand in {"acme", "other"} - brands:
        assert f"/charts/{brand}.svg" not in html

    listed = client.get("/portal/drafts?limit=200", headers=JSON).json
    assert {d["id"] for d in listed["drafts"]} == visible
    html = client.get("/portal/drafts").get_data(as_text=True)
    for key, d in world.drafts.items():
        assert (f'href="/portal/drafts/{d}"' in html) == (d in visible), key

    for key, d in world.drafts.items():
        want = 200 if d in visible else 403
        assert client.get(f"/portal/drafts/{d}").status_code == want, key
        answer = client.get(f"/portal/drafts/{d}", headers=JSON)
        assert answer.status_code == want, key
        if want == 200:
            assert answer.json["id"] == d and answer.json["audit"]
            assert all(e["draft"] == d for e in answer.json["audit"])
    assert client.get("/portal/drafts/999999", headers=JSON).status_code == 403  # as another's

    for brand in ("acme", "other"):
        chart = client.get(f"/portal/charts/{brand}.svg")
        assert chart.status_code == (200 if brand in brands else 403), brand
        if chart.status_code == 200:
            assert chart.mimetype == "image/svg+xml" and b"<svg" in chart.data

    log = client.get("/portal/audit", headers=JSON)
    export = client.get("/portal/audit/export?format=jsonl")
    if not audited:
        assert log.status_code == 403 and export.status_code == 403
        assert client.get("/portal/audit").status_code == 403
        return
    assert log.status_code == 200
    assert {e["brand"] for e in log.json["entries"]} == audited
    assert set(log.json["counts"]) == audited
    lines = [json.loads(line) for line in export.get_data(as_text=True).splitlines()]
    assert lines and {e["brand"] for e in lines} == audited
    for brand in {"acme", "other"} - audited:
        for page in (f"/portal/audit?brand={brand}", f"/portal/audit/export?brand={brand}"):
            assert client.get(page).status_code == 403, page


@pytest.mark.parametrize("user", [AUDITOR, APPROVER, SUBMITTER2])
def test_search_and_filters_never_reach_another_brand(world: World, user: str) -> None:
    client = world.signed_in(user)
    for query in (f"q={OTHER_TEXT}", "brand=other", "rule=no-guarantees", "state=in_review"):
        found = client.get(f"/portal/drafts?{query}", headers=JSON).json["drafts"]
        assert all(d["brand"] == "acme" for d in found), (query, found)
        page = client.get(f"/portal/drafts?{query}").get_data(as_text=True)
        assert "Zephyr lamp" not in page and "Zephyr lights" not in page  # (the query echoes)
        assert "Other Studio" not in page


def test_a_submitter_sees_their_own_drafts_of_every_brand_and_nothing_else(world: World) -> None:
    client = world.signed_in(SUBMITTER)
    found = client.get(f"/portal/drafts?q={OTHER_TEXT}", headers=JSON).json["drafts"]
    assert [d["id"] for d in found] == [world.drafts["other:mine"]]
    mine = client.get("/portal/drafts", headers=JSON).json["drafts"]
    assert {d["submitter"] for d in mine} == {SUBMITTER}
    assert client.get(f"/portal/drafts?q={ACME_TEXT}", headers=JSON).json["drafts"]
    assert client.get("/portal/drafts?submitter=USUBTWO", headers=JSON).json["drafts"] == []


def test_losing_a_role_in_the_guideline_file_takes_effect_at_the_next_request(
    world: World,
) -> None:
    client = world.signed_in(AUDITOR)
    assert client.get("/portal/audit", headers=JSON).status_code == 200
    path = world.folder / "acme.yml"
    path.write_text(path.read_text().replace(f"auditors: [{AUDITOR}]", "auditors: []"))
    assert client.get("/portal/audit", headers=JSON).status_code == 403
    assert client.get("/portal/", headers=JSON).status_code == 403
