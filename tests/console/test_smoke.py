from tests.plugins.console import login


async def test_pages_render(client, make_user):
    await make_user("aysel", extension="1001")
    await make_user("boss", role="supervisor")
    await login(client, "aysel")
    for path in ["/console", "/console/calls", "/console/calls/new", "/console/callbacks"]:
        resp = await client.get(path)
        assert resp.status == 200, (path, await resp.text())
