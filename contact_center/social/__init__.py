"""Facebook and Instagram, through Meta's APIs: webhook items in, Send API out.

    webhook_inbox  the durable inbox: the webhook stores items, a worker claims them
    item_handler   one stored item -> the chat (contact_center.chat.receive_message) or an echo
    echoes         messages the page sent from Meta's own apps, kept in the transcript
    outbox         the durable outbox: the channel sender of both channels, claims, results
    window         Meta's messaging window (24 hours; 7 days for agents with HUMAN_AGENT)
    graph_client   the Send API call and the classification of its errors
    worker         MetaWorker, the per-process loops of the inbox and the outbox (from the runtime)
    stats_feed     messages received and answered per channel, for the statistics

The names below are the package's surface for the rest of the code; anything
else is imported from its module.
"""

from contact_center.social.echoes import record_outgoing_echo
from contact_center.social.item_handler import handle_item
from contact_center.social.outbox import RetryPolicy, register_senders
from contact_center.social.stats_feed import social_feed
from contact_center.social.webhook_inbox import EnqueueResult, MetaInboundItem, enqueue
from contact_center.social.window import AgentWindow, agent_window
from contact_center.social.worker import MetaWorker, WorkerConfig

__all__ = [
    "AgentWindow",
    "EnqueueResult",
    "MetaInboundItem",
    "MetaWorker",
    "RetryPolicy",
    "WorkerConfig",
    "agent_window",
    "enqueue",
    "handle_item",
    "record_outgoing_echo",
    "register_senders",
    "social_feed",
]
