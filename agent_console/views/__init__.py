"""Console pages, one module per area.

Every module here that defines `setup(app)` is imported and set up by
agent_console.routes (in name order), so a new area adds a module, not an
edit to a shared route table:

    routes = web.RouteTableDef()

    @routes.get("/console/inbox", name="console_inbox")
    @permission("agent")
    async def inbox(request): ...

    def setup(app):
        app.router.add_routes(routes)
        add_nav_item(app, NavItem("inbox", "Çat", "console_inbox", level="agent", order=20))
"""
