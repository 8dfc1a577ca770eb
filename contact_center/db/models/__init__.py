"""All tables; import from here so metadata is complete."""

from contact_center.db.models.agents import AgentEvent, AgentStateInterval, ExtensionAssignment
from contact_center.db.models.audit import AuditEntry
from contact_center.db.models.calls import Call, CallRegistration, PbxEvent, RegistrationChange
from contact_center.db.models.callbacks import Callback, CallbackAttempt
from contact_center.db.models.conversations import (
    CannedResponse,
    Conversation,
    Message,
    OutboxItem,
)
from contact_center.db.models.reference import (
    REFERENCE_MODELS,
    CallType,
    Channel,
    Direction,
    District,
    Holiday,
    Outcome,
    PauseReason,
)
from contact_center.db.models.knowledge import KnowledgeEntry, KnowledgeEntryVersion, KnowledgeExample
from contact_center.db.models.idempotency import IdempotencyKey
from contact_center.db.models.meta import MetaInboxItem
from contact_center.db.models.ratelimits import RateCounter
from contact_center.db.models.routing import ChatTransfer, UserSkill
from contact_center.db.models.rollups import StatsBucket, StatsRollup, StatsState
from contact_center.db.models.users import LoginFailure, LoginLock, User, UserSession

__all__ = [
    "REFERENCE_MODELS",
    "AgentEvent",
    "AgentStateInterval",
    "ExtensionAssignment",
    "AuditEntry",
    "Call",
    "CallRegistration",
    "CallType",
    "Callback",
    "CallbackAttempt",
    "CannedResponse",
    "ChatTransfer",
    "Channel",
    "Conversation",
    "Direction",
    "District",
    "Holiday",
    "IdempotencyKey",
    "KnowledgeEntry",
    "KnowledgeEntryVersion",
    "KnowledgeExample",
    "LoginFailure",
    "LoginLock",
    "Message",
    "MetaInboxItem",
    "Outcome",
    "OutboxItem",
    "PauseReason",
    "PbxEvent",
    "RateCounter",
    "RegistrationChange",
    "StatsBucket",
    "StatsRollup",
    "StatsState",
    "User",
    "UserSkill",
    "UserSession",
]
