from tests.plugins.console import login


async def test_every_page_renders_for_each_role(client, make_user):
    await make_user("aysel", extension="1001")
    await make_user("boss", role="supervisor")
    await make_user("root", role="admin")
    agent_pages = ["/console", "/console/calls", "/console/calls/new", "/console/callbacks"]
    await login(client, "aysel")
    home = await (await client.get("/console")).text()
    assert "Son cavablandırdığım zənglər" in home and "Növbədəki agentlər" not in home
    for path in agent_pages:
        resp = await client.get(path)
        assert resp.status == 200, (path, await resp.text())
    client.session.cookie_jar.clear()
    await login(client, "boss")
    home = await (await client.get("/console")).text()
    assert "Növbədəki agentlər" in home and "Hazırdır: 2" in home  # aysel (never signed out) and boss
    for path in agent_pages + ["/console/agents"]:
        assert (await client.get(path)).status == 200, path
    client.session.cookie_jar.clear()
    await login(client, "root")
    for path in ["/console/admin/users", "/console/admin/reference?kind=districts", "/console/admin/canned",
                 "/console/admin/users/1"]:
        assert (await client.get(path)).status == 200, path
    assert (await client.get("/console/admin/reference?kind=users")).status == 404
