"""A console list as a file: `?format=csv|xlsx` on the list's own URL exports
exactly its current filter (every page), masked per the access policy;
supervisors may add `unmasked=1&reason=...` (audited with the reason)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aiohttp import web

from agent_console.layout import render_error
from agent_console.security import current_user, wants_json
from contact_center.appkeys import READS, SESSIONMAKER
from contact_center.exports import Column, ExportError, audit_export, export_options, export_response, row_batches
from contact_center.privacy import access
from contact_center.web.audit import request_actor, request_address, request_filter


def wants_export(request: web.Request) -> bool:
    return "format" in request.query


async def export_list(
    request: web.Request, *, list_name: str, filename: str, title: str, filters: Mapping[str, Any],
    errors: Mapping[str, str], columns: Sequence[Column], statement: Any,
) -> web.StreamResponse:
    user = current_user(request)
    try:
        if errors:
            field, message = next(iter(errors.items()))
            raise ExportError(message, field)
        options = export_options(request.query, may_unmask=access.supervises(user))
    except ExportError as exc:
        if wants_json(request):
            return web.json_response({"error": "invalid_input", "message": exc.message, "field": exc.field},
                                     status=422)
        return render_error(request, 422, exc.message)
    await audit_export(request.app[SESSIONMAKER], request_actor(request), request_address(request), list_name,
                       request_filter(request, filters), options)  # a phone filter as its keyed hash
    rows = row_batches(request.app[READS].session, statement)  # the read replica, when there is one
    return await export_response(request, filename, title, columns, rows, options)
