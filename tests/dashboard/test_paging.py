"""Long lists come in pages (contact_center/paging.py): every record on exactly
one page, newest first, with links to the neighbours that keep the filters."""

from __future__ import annotations

import re
from html import unescape

import pytest

from contact_center.paging import Page
from tests.dashboard.conftest import get_html, list_ids, total

DAY = {"from": "2024-08-05", "to": "2024-08-05"}
PER_PAGE = 50  # agent_console/views/records.py and views/calls.py


def test_page_arithmetic():
    assert (Page([], 0, 1, 50).pages, Page([], 0, 1, 50).has_next) == (1, False)  # an empty list: one empty page
    assert Page([], 50, 1, 50).pages == 1 and not Page([], 50, 1, 50).has_next
    last = Page([1], 51, 2, 50)
    assert (last.pages, last.has_prev, last.has_next) == (2, True, False)
    assert Page([0] * 50, 101, 2, 50).has_next


def _pager(html: str) -> tuple[str, str | None, str | None]:
    nav = re.search(r'<nav class="pager".*?</nav>', html, re.S).group(0)
    link = {rel: unescape(href) for href, rel in re.findall(r'<a href="([^"]+)" rel="(prev|next)"', nav)}
    return re.search(r"Səhifə \d+ / \d+", nav).group(0), link.get("prev"), link.get("next")


def _registration_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<td><a href="/console/calls/(\d+)">', html)]


@pytest.mark.parametrize("path, params, ids", [
    ("/console/pbx-calls", DAY | {"agent": "1001"}, lambda html: list_ids(html, "data-call")),
    ("/console/calls", DAY | {"stats": "1", "extension": "1001"}, _registration_ids),
])
async def test_a_long_list_is_paged(supervisor, stats_data, path, params, ids):
    agent = await stats_data.user("1001")
    other = await stats_data.user("1002")
    made = []
    for n in range(PER_PAGE + 1):
        call = await stats_data.call(f"2024-08-05 09:{n // 60:02d}:{n % 60:02d}", wait=5, talk=60, agent="1001")
        made.append((call, await stats_data.register(agent, call_id=call)))
    # Filtered away: another agent's call, and a call of the next day.
    await stats_data.register(other, call_id=await stats_data.call("2024-08-05 12:00:00", wait=5, talk=60,
                                                                    agent="1002"))
    await stats_data.call("2024-08-06 09:00:00", wait=5, talk=60, agent="1001")
    expected = [call if path == "/console/pbx-calls" else registration for call, registration in reversed(made)]

    first = await get_html(supervisor, path, params)
    label, prev, following = _pager(first)
    assert total(first) == PER_PAGE + 1 and label == "Səhifə 1 / 2" and prev is None
    assert ids(first) == expected[:PER_PAGE]  # newest first
    second = await get_html(supervisor, following)
    label, prev, following = _pager(second)
    assert total(second) == PER_PAGE + 1 and label == "Səhifə 2 / 2" and following is None
    assert ids(second) == expected[PER_PAGE:]
    assert "extension=1001" in prev or "agent=1001" in prev  # the filters go along
    assert ids(await get_html(supervisor, prev)) == expected[:PER_PAGE]
