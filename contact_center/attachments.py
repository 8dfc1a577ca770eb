"""Azerbaijani names of the attachment types citizens send (Meta's `type` values).

The Meta adapter uses them for the placeholder text ("[Şəkil]") the bot and
agents read; the inbox for the attachment's link, so no English type name
("image", "story_mention") reaches an agent.
"""

from __future__ import annotations

ATTACHMENT_LABELS = {
    "image": "Şəkil",
    "video": "Video",
    "audio": "Səs yazısı",
    "file": "Fayl",
    "location": "Məkan",
    "sticker": "Stiker",
    "fallback": "Keçid",
    "share": "Paylaşım",
    "story_mention": "Hekayədə qeyd",
    "story_reply": "Hekayəyə cavab",
    "reel": "Reels",
    "ig_reel": "Reels",
    "template": "Şablon mesaj",
}
UNKNOWN_ATTACHMENT_LABEL = "Əlavə"


def attachment_label(kind: object) -> str:
    return ATTACHMENT_LABELS.get(kind, UNKNOWN_ATTACHMENT_LABEL) if isinstance(kind, str) else UNKNOWN_ATTACHMENT_LABEL
