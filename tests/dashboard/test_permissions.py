"""The statistics pages are for supervisors and admins: agents get 403 and no menu item."""

from __future__ import annotations

import pytest

from tests.plugins.console import login

PAGES = [
    "/console/stats", "/console/wallboard", "/console/wallboard/calls", "/console/wallboard/agents",
    "/console/reports/monthly?month=2024-08", "/console/pbx-calls", "/console/conversations",
    "/console/callback-requests",
]
NAV = ('id="nav-stats"', 'id="nav-wallboard"', 'id="nav-report_monthly"')


async def test_agents_are_refused(dash_client, make_user):
    await make_user("aysel", extension="1001")
    await login(dash_client, "aysel")
    for path in PAGES:
        resp = await dash_client.get(path)
        assert resp.status == 403, path
        body = await resp.text()
        assert "data-tile=" not in body and "wb-card" not in body and "data-call=" not in body
    home = await (await dash_client.get("/console")).text()
    assert not any(item in home for item in NAV)
    # Nor the figures behind them.
    assert (await dash_client.get("/api/v1/stats/report", params={"month": "2024-08", "format": "pdf"})).status == 401


@pytest.mark.parametrize("role", ["supervisor", "admin"])
async def test_supervisors_and_admins_have_them(dash_client, make_user, role):
    await make_user("boss", role=role)
    await login(dash_client, "boss")
    home = await (await dash_client.get("/console")).text()
    assert all(item in home for item in NAV)
    for path in PAGES:
        assert (await dash_client.get(path)).status == 200, path


async def test_signed_out_users_are_sent_to_sign_in(dash_client):
    resp = await dash_client.get("/console/stats?period=month", allow_redirects=False)
    assert resp.status == 303
    assert resp.headers["Location"].startswith("/console/login?next=/console/stats")
    assert (await dash_client.get("/console/wallboard/calls", allow_redirects=False)).status == 303
