"""What a backend process knows of the AMI connection: whether it holds it (the
leader, contact_center/runtime.py runs the connector under the leader lock "ami")
and, if so, the connector's status. /readyz and /metrics read it."""

from __future__ import annotations

from dataclasses import dataclass

from contact_center.calls.ami.connector import AmiConnector

# What /readyz shows of the status (the counters go to /metrics).
READY_FIELDS = ("state", "peer", "asterisk", "connected_since", "last_event_at", "last_error", "last_error_at",
                "reconnects", "events")


@dataclass
class AmiLink:
    connector: AmiConnector
    leading: bool = False  # this process holds the leader lock and runs the connection

    def report(self) -> dict[str, object]:
        """The JSON /readyz shows. A process that does not lead says "standby": another
        process of the deployment holds the one connection."""
        if not self.leading:
            return {"state": "standby", "leader": False, "peer": self.connector.config.peer}
        status = self.connector.status.as_dict()
        return {"leader": True, **{key: status[key] for key in READY_FIELDS}}
