"""What the backend itself says to the citizen, in the conversation's language
(`Conversation.language`: the bot's answers set it, the widget's AZ | RU switch
too). The bot's answers come from the knowledge base (contact_center.knowledge);
these are the backend's own: the apology when the bot is down, the hand-off
notice, the agent joining, a transfer to another agent, the resolution's CSAT question and its thanks, the
abandonment notice."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "bot_unavailable": {
        "az": "Üzr istəyirik, avtomatik köməkçimiz hazırda cavab verə bilmir. "
              "Mesajınız operatora ötürüldü, tezliklə sizə cavab veriləcək.",
        "ru": "Извините, наш виртуальный помощник сейчас не может ответить. "
              "Ваше сообщение передано оператору, вам скоро ответят.",
    },
    "handoff": {
        "az": "Sizi operatora yönləndirirəm. Zəhmət olmasa, bir az gözləyin.",
        "ru": "Перевожу вас на оператора. Пожалуйста, подождите немного.",
    },
    "agent_joined": {
        "az": "{name} söhbətə qoşuldu.",
        "ru": "К разговору подключился оператор {name}.",
    },
    "transferred": {
        "az": "Müraciətiniz başqa əməkdaşa yönləndirildi, bir az gözləyin.",
        "ru": "Ваше обращение передано другому специалисту, пожалуйста, подождите.",
    },
    "resolved": {
        "az": "Söhbət başa çatdı. Müraciətiniz üçün təşəkkür edirik! Xidmətimizi 1-dən 5-ə qədər qiymətləndirin:",
        "ru": "Разговор завершён. Спасибо за обращение! Оцените, пожалуйста, нашу работу от 1 до 5:",
    },
    "csat_thanks": {
        "az": "Qiymətləndirməniz üçün təşəkkür edirik!",
        "ru": "Спасибо за вашу оценку!",
    },
    "abandoned": {
        "az": "Operatorlarımız hazırda məşğul olduğu üçün söhbət bağlandı. Yenidən yaza bilərsiniz.",
        "ru": "Разговор закрыт: все операторы сейчас заняты. Вы можете написать снова.",
    },
}


def say(text_name: str, language: str | None, **values: str) -> str:
    """The text `text_name` in `language` (Azerbaijani for anything else)."""
    variants = TEXTS[text_name]
    text = variants.get(language or "az") or variants["az"]
    return text.format(**values) if values else text
