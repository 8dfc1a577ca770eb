"""Every named fixture parsed into what the chat core receives (InboundMessage fields)."""

from __future__ import annotations

from tests.plugins.meta import IG_ACCOUNT_ID, PAGE_ID, fixture
from webhooks.meta_payload import parse_webhook


def test_text_message() -> None:
    parsed = parse_webhook(fixture("text"))
    assert parsed.ignored == []
    [item] = parsed.items
    assert item.kind == "message" and item.channel == "facebook" and item.mid == "m_text_0001"
    assert item.message == {
        "channel": "facebook",
        "contact_id": "7000000000000001",
        "account_id": PAGE_ID,
        "text": "Salam, pensiyam nə vaxt köçürüləcək?",
        "external_id": "m_text_0001",
        "payload": None,
        "bot_text": None,
        "at": "2024-11-23T10:00:00+00:00",
    }


def test_batch_every_entry_and_item() -> None:
    parsed = parse_webhook(fixture("batch"))
    assert [(i.mid, i.contact_id, i.account_id) for i in parsed.items] == [
        ("m_batch_0001", "7000000000000011", PAGE_ID),
        ("m_batch_0002", "7000000000000012", PAGE_ID),
        ("m_batch_0003", "7000000000000014", "104000000000002"),
    ]
    assert [i.what for i in parsed.ignored] == ["read"]


def test_echo_is_marked_and_addressed_to_the_citizen() -> None:
    [item] = parse_webhook(fixture("echo")).items
    assert item.kind == "echo"
    assert item.contact_id == "7000000000000001" and item.account_id == PAGE_ID
    assert item.message["text"].startswith("Salam! Müraciətiniz qeydə alındı")
    assert item.message["external_id"] == "m_echo_0001"
    assert "bot_text" not in item.message  # echoes never go to the bot


def test_duplicate_mid_inside_one_post_is_parsed_twice_and_stored_once() -> None:
    # The parser keeps Meta's items as they are; the inbox keeps one per mid.
    parsed = parse_webhook(fixture("duplicate_mid"))
    assert [i.mid for i in parsed.items] == ["m_dup_0001", "m_dup_0001"]


def test_postbacks_give_the_bot_the_payload_or_the_title() -> None:
    first, second = parse_webhook(fixture("postback")).items
    # A Rasa command payload goes to the bot as it is; agents see the title.
    assert first.message["text"] == "Operatorla danışmaq"
    assert first.message["bot_text"] == "/request_human"
    assert first.message["payload"] == {"postback": {"payload": "/request_human", "title": "Operatorla danışmaq"}}
    # A page-menu payload means nothing to the bot: it gets the title, which is the text.
    assert second.message["text"] == "Başla" and second.message["bot_text"] is None
    # No mid in older postbacks: a stable key from the sender and the time.
    assert second.mid == "postback:7000000000000032:1732356400100"


def test_quick_replies() -> None:
    command, topic = parse_webhook(fixture("quick_reply")).items
    assert command.message["text"] == "Operator"
    assert command.message["bot_text"] == "/request_human"
    assert command.message["payload"] == {"quick_reply": {"payload": "/request_human", "title": "Operator"}}
    assert topic.message["text"] == "Pensiya" and topic.message["bot_text"] is None


def test_attachments_become_links_with_placeholders() -> None:
    [item] = parse_webhook(fixture("attachment")).items
    assert item.message["text"] == "[Şəkil] [Fayl]"
    assert item.message["payload"] == {
        "attachments": [
            {"type": "image", "url": "https://scontent.xx.fbcdn.net/v/t1.15752-9/arayis.jpg"},
            {"type": "file", "url": "https://cdn.fbsbx.com/v/t59.2708-21/erize.pdf"},
        ]
    }


def test_read_and_delivery_are_ignored() -> None:
    parsed = parse_webhook(fixture("read_delivery"))
    assert parsed.items == [] and [i.what for i in parsed.ignored] == ["delivery", "read"]


def test_reaction_and_referral_are_ignored() -> None:
    parsed = parse_webhook(fixture("reaction"))
    assert parsed.items == [] and [i.what for i in parsed.ignored] == ["reaction", "referral"]


def test_unknown_object_is_ignored() -> None:
    parsed = parse_webhook(fixture("unknown_object"))
    assert parsed.items == [] and [i.what for i in parsed.ignored] == ["unknown_object"]


def test_instagram_text() -> None:
    [item] = parse_webhook(fixture("instagram_text")).items
    assert item.channel == "instagram" and item.account_id == IG_ACCOUNT_ID
    assert item.message["contact_id"] == "9000000000000001"
    assert item.message["text"] == "Salam, DOST mərkəzi şənbə günü işləyir?"


def test_instagram_changes_are_ignored() -> None:
    parsed = parse_webhook(fixture("instagram_changes"))
    assert parsed.items == [] and [i.what for i in parsed.ignored] == ["changes"]


def test_malformed_parts_are_ignored_not_fatal() -> None:
    payload = {
        "object": "page",
        "entry": [
            "nonsense",
            {"id": PAGE_ID, "messaging": [
                {"sender": {"id": "1"}, "message": {"text": "no mid"}},
                {"message": {"mid": "m_x", "text": "no sender"}},
                {"sender": {"id": "2"}, "recipient": {"id": PAGE_ID}, "timestamp": 1,
                 "message": {"mid": "m_ok", "text": "ok"}},
                {"sender": {"id": "3"}, "something_new": {}},
            ]},
        ],
    }
    parsed = parse_webhook(payload)
    assert [i.mid for i in parsed.items] == ["m_ok"]
    assert [i.what for i in parsed.ignored] == ["malformed", "malformed", "malformed", "unknown_item"]
