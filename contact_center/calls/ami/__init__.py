"""Live call events straight from Asterisk over the Manager Interface (AMI).

wire:     AMI framing without IO (messages, bad lines, bounds).
protocol: an AMI session on asyncio (login, actions, event lists, keep-alive).
mapping:  AMI queue events -> PbxEventIn (the PBX ingest) and AgentStateEvent.
connector: the long-running connection (reconnects, QueueStatus replay, state).
link:     what a process knows of it (leading or standby; /readyz).
sink:     the ingest callback; check: `cc142 ami-check`.

Wiring (one process at a time, under the leader lock)::

    connector = AmiConnector(AmiConfig.from_settings(settings),
                             on_calls=store_call_events(engine, settings))
    task = asyncio.create_task(connector.run())   # cancel it to log off and stop
    connector.status.as_dict()                    # for /readyz and /metrics
"""

from contact_center.calls.ami.connector import AmiConfig, AmiConnector, AmiStatus, State
from contact_center.calls.ami.link import AmiLink
from contact_center.calls.ami.mapping import AgentStateEvent
from contact_center.calls.ami.protocol import (
    AmiAuthError,
    AmiConnectError,
    AmiConnectionClosed,
    AmiError,
    AmiLoginInUse,
    AmiProtocolError,
    AmiTimeout,
)
from contact_center.calls.ami.sink import store_agent_events, store_call_events

__all__ = [
    "AgentStateEvent",
    "AmiAuthError",
    "AmiConfig",
    "AmiConnectError",
    "AmiConnectionClosed",
    "AmiConnector",
    "AmiError",
    "AmiLink",
    "AmiLoginInUse",
    "AmiProtocolError",
    "AmiStatus",
    "AmiTimeout",
    "State",
    "store_agent_events",
    "store_call_events",
]
