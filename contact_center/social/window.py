"""Meta's messaging window: who may be written to, and how.

Messenger and Instagram accept a page's message only within 24 hours of the
person's last message (`messaging_type: RESPONSE`). A human agent may answer
for up to 7 days with the `HUMAN_AGENT` tag, when the page is approved for it
(setting META_HUMAN_AGENT_TAG). Outside that Meta refuses the message (error
10 / 2018278), so the console refuses the reply up front.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from contact_center.config import Settings

META_CHANNELS = frozenset({"facebook", "instagram"})
STANDARD_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
# Send API text limits (characters).
TEXT_LIMITS = {"facebook": 2000, "instagram": 1000}
CHANNEL_NAMES = {"facebook": "Facebook", "instagram": "Instagram"}  # for people: not the codes


@dataclass(frozen=True)
class ReplyWindow:
    allowed: bool
    messaging_type: str | None  # "RESPONSE" | "MESSAGE_TAG" (None when refused)
    tag: str | None  # "HUMAN_AGENT" with MESSAGE_TAG
    closes_at: datetime | None  # when the current window ends
    reason: str | None  # Azerbaijani, for the agent, when refused

    def send_fields(self) -> dict[str, str]:
        """The `messaging_type` (and `tag`) fields of a Send API body."""
        fields = {"messaging_type": self.messaging_type or "RESPONSE"}
        if self.tag:
            fields["tag"] = self.tag
        return fields


def reply_window(
    channel: str,
    last_citizen_at: datetime | None,
    settings: Settings,
    now: datetime,
    *,
    human: bool,
) -> ReplyWindow:
    """May a message go to this conversation now? `human`: an agent writes it."""
    if channel not in META_CHANNELS:
        return ReplyWindow(True, None, None, None, None)
    if last_citizen_at is None:
        return ReplyWindow(
            False, None, None, None, "Vətəndaş bu kanalda hələ yazmayıb: Meta ilk mesajı səhifəyə icazə vermir"
        )
    standard_end = last_citizen_at + STANDARD_WINDOW
    if now <= standard_end:
        return ReplyWindow(True, "RESPONSE", None, standard_end, None)
    if human and settings.meta_human_agent_tag:
        tagged_end = last_citizen_at + HUMAN_AGENT_WINDOW
        if now <= tagged_end:
            return ReplyWindow(True, "MESSAGE_TAG", "HUMAN_AGENT", tagged_end, None)
        return ReplyWindow(
            False, None, None, tagged_end,
            "Vətəndaşın son mesajından 7 gündən çox keçib: Meta cavabı qəbul etmir, vətəndaş yenidən yazmalıdır",
        )
    return ReplyWindow(
        False, None, None, standard_end,
        "Vətəndaşın son mesajından 24 saatdan çox keçib: Meta cavabı qəbul etmir, vətəndaş yenidən yazmalıdır",
    )


def text_too_long(channel: str, text: str) -> str | None:
    """The Azerbaijani refusal for a text Meta would reject for its length."""
    limit = TEXT_LIMITS.get(channel)
    if limit is not None and len(text) > limit:
        return f"Mətn çox uzundur: {CHANNEL_NAMES[channel]} üçün ən çox {limit} simvol ({len(text)} simvol yazılıb)"
    return None
