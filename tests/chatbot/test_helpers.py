"""Unit tests of the bot's stdlib helpers (no Rasa needed): districts, phones,
yes/no words, the keyword safety nets and manage.py's content hash."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
BOT_DIR = REPO_ROOT / "chatbot"
if str(BOT_DIR) not in sys.path:
    sys.path.append(str(BOT_DIR))  # the action server runs with cwd=chatbot/

from actions.districts import BY_CODE, find_phone, match_districts, mentions_baku  # noqa: E402
from actions.phrases import says_no, says_yes, wants_to_cancel  # noqa: E402
from components.keywords import explicit_handoff, urgent_category  # noqa: E402


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("yasamal", ["baku_yasamal"]),
        ("YASAMAL RAYONU", ["baku_yasamal"]),
        ("Yasamalda yaşayıram", ["baku_yasamal"]),
        ("Sumqayıt", ["sumqayit"]),
        ("sumqayitdan yaziram", ["sumqayit"]),
        ("Lənkəran şəhəri", ["lenkeran_city"]),
        ("Lənkəran rayonu", ["lenkeran"]),
        ("Lənkəran", ["lenkeran_city", "lenkeran"]),
        ("Şəki", ["seki_city", "seki"]),
        ("İsmayıllı", ["ismayilli"]),
        ("Qubadlı", ["qubadli"]),
        ("Qubada", ["quba"]),
        ("Nəsimi və ya Yasamal", ["baku_nesimi", "baku_yasamal"]),
        ("Mənə zəng edin", []),
    ],
)
def test_district_matching(text, codes):
    assert [d.code for d in match_districts(text)] == codes


def test_every_district_matches_its_own_name():
    for code, district in BY_CODE.items():
        assert [d.code for d in match_districts(district.name)] == [code]


def test_baku_without_a_district_is_recognised():
    assert mentions_baku("Bakı") and mentions_baku("bakida yasayiram")
    assert match_districts("Bakı") == []


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("050 123 45 67", "+994501234567"),
        ("nömrəm 0501234567", "+994501234567"),
        ("+994 55 765 43 21", "+994557654321"),
        ("(070) 321-54-76", "+994703215476"),
        ("12345", None),
        ("050 123 45 6", None),
        ("salam", None),
    ],
)
def test_find_phone(text, phone):
    assert find_phone(text) == phone


def test_yes_no_words():
    assert says_yes("Bəli") and says_yes("he") and says_yes("TƏSDİQ EDİRƏM")
    assert says_no("Xeyr") and says_no("yox") and not says_no("Bəli")
    assert wants_to_cancel("imtina edirəm") and wants_to_cancel("lazim deyil")
    assert not wants_to_cancel("050 123 45 67")


@pytest.mark.parametrize(
    "text",
    [
        "Ərim məni hər gün döyür",
        "ERIM MENI DOYUR",
        "intihar etmək istəyirəm",
        "Özümü öldürəcəyəm",
        "məni hədələyirlər",
        "Həyatım təhlükədədir",
        "Qonşunun uşağı evdə tək qalıb",
        "ailədə zorakılıq var",
    ],
)
def test_urgent_keywords(text):
    assert urgent_category(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "Pensiyamı necə alım?",
        "Anketi doldurmaq lazımdır",
        "Aprel döyüşlərində yaralanmışam, status necə alınır?",
        "uşağımı doyura bilmirəm",
        "əməyin təhlükəsizliyi qaydaları",
        "şiddətli ağrılarım var, əlillik ala bilərəm?",
    ],
)
def test_no_urgency_false_alarm(text):
    assert urgent_category(text) is None


def test_explicit_handoff_phrases():
    for text in ("Operator", "operatorla danışmaq istəyirəm", "canlı insan lazımdır",
                 "Məni əməkdaşa qoşun", "bot yox, insan"):
        assert explicit_handoff(text), text
    for text in ("Operator kimi işləmək istəyirəm", "Foto və video operator kursu",
                 "sosial işçi lazımdır", "Mobil operatorum zəngi kəsir"):
        assert not explicit_handoff(text), text


def test_model_path_follows_the_content_hash():
    from tests.plugins.rasa_server import manage

    digest = manage.content_hash()
    assert digest == manage.content_hash()  # stable
    assert manage.model_path() == BOT_DIR / "models" / f"{digest}.tar.gz"
    hashed = {p.relative_to(REPO_ROOT).as_posix() for p in manage._hashed_files()}
    assert "chatbot/config.yml" in hashed
    assert "chatbot/data/vem/nlu.yml" in hashed
    assert not any("/models/" in p or "__pycache__" in p for p in hashed)


# ---------------------------------------------------------- the shared text package


def test_backend_and_bot_share_one_text_package():
    import cc142_text
    import contact_center.text
    from contact_center.reference import DIRECTION_CODES, districts

    from actions.directions import DIRECTION_CODES as BOT_DIRECTIONS

    assert contact_center.text.fold is cc142_text.fold
    assert contact_center.text.normalize_phone is cc142_text.normalize_phone
    # the backend seeds the same district list the bot matches against
    assert [d["code"] for d in districts()] == list(BY_CODE)
    assert BOT_DIRECTIONS == DIRECTION_CODES


def test_the_bot_venv_has_the_current_text_package_and_no_path_hacks():
    from tests.plugins.rasa_server import manage

    assert manage.text_package_current(), "run `python chatbot/manage.py install`"
    hashed = {p.relative_to(REPO_ROOT).as_posix() for p in manage._hashed_files()}
    assert "packages/cc142_text/cc142_text/__init__.py" in hashed
    assert "packages/cc142_text/cc142_text/districts.json" in hashed
    offenders = [
        p.relative_to(REPO_ROOT).as_posix()
        for p in BOT_DIR.rglob("*.py")
        if "models" not in p.parts and "sys.path" in p.read_text(encoding="utf-8")
        and p.name != "manage.py"  # only its docstring mentions sys.path
    ]
    assert not offenders, f"sys.path edits in the bot: {offenders}"


def test_text_package_command_installs_only_that_package():
    from tests.plugins.rasa_server import manage

    command = manage.text_package_command(Path("/x/uv"))
    assert command[:3] == ["/x/uv", "pip", "install"]
    assert "--no-deps" in command and command[-1] == str(manage.TEXT_PACKAGE)
    assert command[command.index("--python") + 1] == str(manage.VENV / "bin" / "python")


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("в Ясамальском районе", ["baku_yasamal"]),
        ("живу в Сумгаите", ["sumqayit"]),
        ("город Ленкорань", ["lenkeran_city"]),
        ("Ленкоранский район", ["lenkeran"]),
        ("Ленкорань", ["lenkeran_city", "lenkeran"]),
        ("в Гяндже", ["gence"]),
        ("Губинский район", ["quba"]),
        ("Губадлы", ["qubadli"]),
        ("Qubadlı rayonu", ["qubadli"]),
        ("Перезвоните мне", []),
    ],
)
def test_district_matching_in_russian(text, codes):
    assert [d.code for d in match_districts(text)] == codes


def test_every_district_matches_its_russian_name():
    for code, district in BY_CODE.items():
        assert [d.code for d in match_districts(district.name_ru)] == [code]
    assert mentions_baku("в Баку") and not match_districts("Баку")


# ------------------------------------------------------- languages, Russian keyword nets


@pytest.mark.parametrize(
    ("text", "language", "latin"),
    [
        ("Pensiyamı necə alım?", "az", False),
        ("pensiyami nece alim", "az", False),
        ("PENSİYAMI NECƏ ALIM", "az", False),
        ("Как оформить пенсию?", "ru", False),
        ("Salam, мне нужна справка", "ru", False),
        ("kak mne poluchit pensiyu", "ru", True),
        ("gde nahoditsya centr DOST", "ru", True),
        ("050 123 45 67", None, False),
        ("Yasamal", None, False),
        ("/affirm", None, False),
        ("", None, False),
        ("😀", None, False),
    ],
)
def test_language_detection(text, language, latin):
    from components.language import detect

    assert detect(text) == (language, latin)


def test_no_azerbaijani_example_or_held_out_question_is_taken_for_latin_russian():
    """A false "Russian in Latin letters" would deny an Azerbaijani citizen an answer."""
    import yaml

    from components.language import detect

    texts = []
    for path in (BOT_DIR / "data").rglob("nlu.yml"):
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            if "intent" in item:
                texts += [line[2:].strip() for line in item["examples"].splitlines() if line.strip()]
    for name in ("heldout.yml", "heldout_az.yml"):
        texts += [q["text"] for q in yaml.safe_load(
            (REPO_ROOT / "tests" / "chatbot" / name).read_text(encoding="utf-8"))["questions"]]
    assert len(texts) > 1000
    assert [t for t in texts if detect(t).latin] == []


def test_the_widget_choice_in_the_metadata():
    from components.language import metadata_language

    assert metadata_language({"channel": "web_chat", "language": "ru"}) == "ru"
    assert metadata_language({"language": "en"}) is None
    assert metadata_language(None) is None


@pytest.mark.parametrize(
    "text",
    [
        "Муж меня избивает",
        "Я не хочу больше жить",
        "хочу покончить с собой",
        "Мне угрожают",
        "Ребёнок третий день один дома",
        "В семье насилие",
    ],
)
def test_russian_urgent_keywords(text):
    assert urgent_category(text) is not None


@pytest.mark.parametrize(
    "text",
    ["Как получить пенсию?", "Техника безопасности на работе", "Пособие на ребёнка", "не понимаю, как оформить"],
)
def test_no_russian_urgency_false_alarm(text):
    assert urgent_category(text) is None


def test_russian_handoff_phrases():
    for text in ("Оператор", "соедините с оператором", "хочу поговорить с живым человеком",
                 "позовите сотрудника", "не с ботом, а с человеком"):
        assert explicit_handoff(text), text
    for text in ("Хочу работать оператором станка", "социальный работник на дому"):
        assert not explicit_handoff(text), text


def test_frustration_phrases():
    from components.keywords import frustrated

    for text in ("Sən heç nə başa düşmürsən", "bu bot faydasızdır", "axmaq bot", "Bezdim",
                 "Ты ничего не понимаешь", "бесполезно", "тупой бот", "Сколько можно!"):
        assert frustrated(text), text
    for text in ("Başa düşmürəm, pensiyanı necə alım?", "Не понимаю, как оформить пособие",
                 "Su axmaq problemi", "Pensiya faydalıdır"):
        assert not frustrated(text), text


def test_russian_yes_no_words():
    assert says_yes("Да") and says_yes("да, подтверждаю") and says_no("Нет")
    assert wants_to_cancel("отмена") and wants_to_cancel("не надо") and not says_no("Да")
