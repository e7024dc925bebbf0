"""Sign-in: a link works once, for 10 minutes; sessions last 8 hours and end at sign-out;
forged or replayed links and cookies get nowhere (SPEC "Portal")."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

from flask.sessions import SecureCookieSessionInterface
from flask.testing import FlaskClient

from bot.portal import PortalConfig, create_portal
from bot.portal.app import COOKIE
from models.db import Database
from tests.portal.world import AUDITOR, SECRET, STRANGER, SUBMITTER, World, build_world

JSON = {"Accept": "application/json"}


def _path(url: str) -> str:
    return urlparse(url).path


def _csrf(client: FlaskClient) -> str:
    page = client.get("/portal/").get_data(as_text=True)
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def test_a_link_signs_in_once_and_get_never_uses_it(world: World) -> None:
    path = _path(world.link(AUDITOR))
    first = world.client()
    for _ in range(3):  # link previewers and scanners GET it: that must not burn it
        page = first.get(path)
        assert page.status_code == 200 and b'method="post"' in page.data
    assert first.get("/portal/", headers=JSON).status_code == 401
    answer = first.post(path)
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/portal/")
    assert first.get("/portal/", headers=JSON).json["user"] == AUDITOR
    again = world.client()
    assert again.post(path).status_code == 410  # replayed link
    assert again.get(path).status_code == 410
    assert again.get("/portal/", headers=JSON).status_code == 401


def test_a_link_expires_after_ten_minutes(world: World) -> None:
    fresh, stale = _path(world.link(AUDITOR)), _path(world.link(AUDITOR))
    world.clock.advance(minutes=9, seconds=59)
    assert world.client().post(fresh).status_code == 303
    world.clock.advance(seconds=2)
    client = world.client()
    assert client.get(stale).status_code == 410
    assert client.post(stale).status_code == 410
    assert client.get("/portal/", headers=JSON).status_code == 401


def test_forged_links_are_refused(world: World) -> None:
    real = _path(world.link(AUDITOR))
    client = world.client()
    for bad in (
        real[:-1] + ("A" if real[-1] != "A" else "B"),
        "/portal/signin/x",
        "/portal/signin/",
    ):
        assert client.post(bad).status_code in (404, 410)
    assert client.get("/portal/", headers=JSON).status_code == 401
    assert client.post(real).status_code == 303  # the real one still works


def test_a_link_is_single_use_across_processes(db_url: str, tmp_path: Path) -> None:
    one, two = Database(db_url), Database(db_url)
    try:
        world = build_world(one, tmp_path / "brands")
        twin = create_portal(PortalConfig(db=two, guidelines_dir=world.folder, secret=SECRET))
        path = _path(world.link(AUDITOR))
        assert twin.test_client().post(path).status_code == 303
        assert world.client().post(path).status_code == 410
    finally:
        one.dispose()
        two.dispose()


def test_the_session_lasts_eight_hours(world: World) -> None:
    client = world.signed_in(AUDITOR)
    world.clock.advance(hours=7, minutes=59)
    assert client.get("/portal/drafts", headers=JSON).status_code == 200
    world.clock.advance(minutes=2)
    assert client.get("/portal/drafts", headers=JSON).status_code == 401
    assert b"/brandgate portal" in client.get("/portal/drafts").data  # says how to sign in


def test_cookie_flags(world: World, db: Database) -> None:
    client = world.client()
    answer = client.post(_path(world.link(AUDITOR)))
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith(COOKIE + "=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/portal" in cookie
    assert "Secure" not in cookie
    secure = create_portal(
        PortalConfig(
            db=db, guidelines_dir=world.folder, secret=SECRET, base_url="https://bg.example"
        )
    )
    answer = secure.test_client().post(_path(world.link(AUDITOR)))
    assert "Secure" in answer.headers["Set-Cookie"]


def _cookie_for(secret: str, world: World, data: dict[str, object]) -> str:
    serializer = SecureCookieSessionInterface().get_signing_serializer(
        create_portal(PortalConfig(db=world.db, guidelines_dir=world.folder, secret=secret))
    )
    assert serializer is not None
    return str(serializer.dumps(data))


def test_forged_and_tampered_cookies_are_refused(world: World) -> None:
    client = world.signed_in(STRANGER)  # a real session row exists (id 1), for a nobody
    assert client.get("/portal/", headers=JSON).status_code == 403
    # Signed with another key, claiming the auditor's session.
    forged = world.client()
    forged.set_cookie(COOKIE, _cookie_for("not-the-secret", world, {"sid": 1, "user": AUDITOR}))
    assert forged.get("/portal/", headers=JSON).status_code == 401
    # The right key (a leaked one) but another user on that session row: the row says who.
    forged.set_cookie(COOKIE, _cookie_for(SECRET, world, {"sid": 1, "user": AUDITOR}))
    assert forged.get("/portal/", headers=JSON).status_code == 401
    # A real cookie with its payload edited.
    real = client.get_cookie(COOKIE, path="/portal")
    assert real is not None
    payload, _, signature = real.value.partition(".")
    forged.set_cookie(COOKIE, payload[:-2] + "xx." + signature)
    assert forged.get("/portal/", headers=JSON).status_code == 401


def test_sign_out_needs_its_token_and_ends_the_session_for_good(world: World) -> None:
    client = world.signed_in(SUBMITTER)
    cookie = client.get_cookie(COOKIE, path="/portal")
    assert cookie is not None
    assert client.get("/portal/signout").status_code == 405  # no state change through GET
    assert client.post("/portal/signout", data={"csrf": "wrong"}).status_code == 403
    assert client.get("/portal/drafts", headers=JSON).status_code == 200
    out = client.post("/portal/signout", data={"csrf": _csrf(client)})
    assert out.status_code == 303
    assert client.get("/portal/drafts", headers=JSON).status_code == 401
    replay = world.client()
    replay.set_cookie(COOKIE, cookie.value, path="/portal")
    assert replay.get("/portal/drafts", headers=JSON).status_code == 401


def test_cross_site_posts_are_refused(world: World) -> None:
    path = _path(world.link(AUDITOR))
    client = world.client()
    assert client.post(path, headers={"Origin": "https://evil.example"}).status_code == 403
    assert client.post(path, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert client.post(path, headers={"Sec-Fetch-Site": "same-site"}).status_code == 403
    same = {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"}
    assert client.post(path, headers=same).status_code == 303


def test_security_headers(world: World) -> None:
    client = world.signed_in(AUDITOR)
    for path in (
        "/portal/",
        "/portal/drafts",
        "/portal/audit",
        "/portal/signin/nothing-here-1234567890",
    ):
        answer = client.get(path)
        csp = answer.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert answer.headers["Cache-Control"] == "no-store"
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert answer.headers["Referrer-Policy"] == "same-origin"
        assert b"<script" not in answer.data and b" style=" not in answer.data
    css = client.get("/portal/static/portal.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert b"http" not in css.data  # nothing fetched from the internet
