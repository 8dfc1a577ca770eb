"""The chat: citizens' conversations on every chat channel (web chat, Facebook,
Instagram), the bot, the agents' inbox.

The way in and out:

    receive            receive_message(ctx, msg), the one entry point of every channel; ChatContext
    bot_client         the Rasa bot over HTTP (BotClient)
    bot_reply          what the bot's answer does: replies, hand-off, the callback it collected
    delivery           the channel senders of outgoing messages (web chat here; Meta registers its own)
    conversations      the building blocks: a contact's live conversation, outgoing messages, hand-off

The citizen and the agents:

    csat               the 1-5 rating after an agent resolved a conversation
    presence           the citizen is still there, is typing
    history            what the citizen's widget shows (plain dicts, never notes)
    inbox              the agents' inbox: the queue, claim, reply, notes, classify, resolve, transcript
    routing            which waiting chat each agent sees (skills, availability, the fallback)
    transfer           release to the queue, transfer to an agent or a direction, with a note
    conversation_rows  a conversation as the agents' lists show it
    canned_responses   ready answers agents insert; admins edit them
    abandonment        conversations the citizen left before an agent replied; the sweeper loop
    search             conversations of a period, filtered (the supervisors' drill-down)
    visitors           a web chat visitor: "forget this device", the idle limit of the token
    socket_caps        caps on the concurrent widget sockets (per address, per visitor, in all)

The names below are the package's surface for the rest of the code; anything
else is imported from its module.
"""

from contact_center.chat.abandonment import sweep_forever
from contact_center.chat.bot_client import BotClient
from contact_center.chat.conversation_rows import ConversationRow
from contact_center.chat.delivery import ChannelSender, register_sender
from contact_center.chat.history import citizen_messages, citizen_state
from contact_center.chat.inbox import Actor, InboxError
from contact_center.chat.presence import citizen_typing, mark_citizen_seen
from contact_center.chat.receive import ChatContext, ChatResult, InboundMessage, receive_message
from contact_center.chat.search import ConversationFilters, search_conversations
from contact_center.chat.visitors import forget_visitor, visitor_expired

__all__ = [
    "Actor",
    "BotClient",
    "ChannelSender",
    "ChatContext",
    "ChatResult",
    "ConversationFilters",
    "ConversationRow",
    "InboundMessage",
    "InboxError",
    "citizen_messages",
    "citizen_state",
    "citizen_typing",
    "mark_citizen_seen",
    "receive_message",
    "register_sender",
    "search_conversations",
    "sweep_forever",
    "forget_visitor",
    "visitor_expired",
]
