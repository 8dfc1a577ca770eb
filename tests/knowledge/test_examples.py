"""Example questions on "Bilik bazası": supervisors add them, they wait for the
next training, `cc142 kb export-examples` writes them as Rasa NLU data under the
answer key, and the page counts what waits."""

from __future__ import annotations

import re

import yaml

from contact_center.knowledge.examples import EXPORT_FILE
from tests.helpers import audit_entries, cli
from tests.plugins.console import csrf_from, login

KEY = "social_protection/pension"


async def _add(client, token: str, text: str, language: str = "az", key: str = KEY):
    return await client.post(f"/console/knowledge/{key}/examples", allow_redirects=False,
                             data={"csrf_token": token, "language": language, "text": text})


async def test_supervisors_add_examples_that_wait_for_training(client, make_user, sessionmaker):
    await make_user("nigar", role="supervisor")
    token = await login(client, "nigar")
    assert (await _add(client, token, "Təqaüdümü nə vaxt alacam?")).status == 303
    assert (await _add(client, token, "Когда мне назначат пенсию?", "ru")).status == 303
    # The same question typed without Azerbaijani letters and in capitals is not a new example.
    assert (await _add(client, token, "TEQAUDUMU NE VAXT ALACAM?")).status == 303
    too_short = await _add(client, token, "ok")
    assert too_short.status == 422 and "3-300 simvol" in await too_short.text()
    assert (await _add(client, token, "Sual", key="no_such/answer")).status == 404

    page = await (await client.get(f"/console/knowledge/{KEY}")).text()
    waiting = re.findall(r'<li lang="(\w\w)" data-waiting="yes">([^<]+) <span', page)
    assert waiting == [("az", "Təqaüdümü nə vaxt alacam?"), ("ru", "Когда мне назначат пенсию?")]
    listing = await (await client.get("/console/knowledge")).text()
    assert "2 yeni nümunə sual öyrətməni gözləyir" in listing
    trail = await audit_entries(sessionmaker, "kb_changed")
    assert [(e.object_id, e.details, e.actor_name) for e in trail] == [
        (KEY, {"example_added": "az"}, "nigar"), (KEY, {"example_added": "ru"}, "nigar")]


async def test_agents_see_examples_but_cannot_add_them(client, make_user):
    await make_user("aysel")
    await login(client, "aysel")
    page = await (await client.get(f"/console/knowledge/{KEY}")).text()
    assert "Nümunə suallar" in page and "Nümunə əlavə et" not in page
    resp = await _add(client, csrf_from(page), "Pensiyam haqqında")
    assert resp.status == 403


async def test_export_writes_rasa_nlu_data_under_the_answer_key(client, make_user, database_url, tmp_path):
    await make_user("nigar", role="supervisor")
    token = await login(client, "nigar")
    nothing = await cli(database_url, "kb", "export-examples", "--root", str(tmp_path))
    assert nothing.returncode == 0 and "nothing written" in nothing.stdout
    assert not (tmp_path / EXPORT_FILE).exists()
    for text in ("Təqaüdümü nə vaxt alacam?", "Pensiya [kartım] (itib)"):
        await _add(client, token, text)
    await _add(client, token, "Əlilliyə görə müavinət necə təyin olunur?", key="disability/allowance")

    done = await cli(database_url, "kb", "export-examples", "--root", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "wrote 3 example question(s), 3 new" in done.stdout
    data = yaml.safe_load((tmp_path / EXPORT_FILE).read_text(encoding="utf-8"))
    assert data["version"] == "3.1"
    got = {item["intent"]: item["examples"].splitlines() for item in data["nlu"]}
    assert got == {"disability/allowance": ["- Əlilliyə görə müavinət necə təyin olunur?"],
                   # brackets would be read as an entity annotation
                   KEY: ["- Təqaüdümü nə vaxt alacam?", "- Pensiya (kartım) (itib)"]}
    assert str(EXPORT_FILE).startswith("chatbot/data/")  # hashed: the next `make train` learns them
    listing = await (await client.get("/console/knowledge")).text()
    assert "öyrətməni gözləyir" not in listing
    again = await cli(database_url, "kb", "export-examples", "--root", str(tmp_path))
    assert "wrote 3 example question(s), 0 new" in again.stdout
