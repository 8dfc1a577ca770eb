"""Settings, read once from the environment (each one is in the README's table)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo


class SettingError(SystemExit):
    pass


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingError(f"setting {name} must be an integer, got {raw!r}") from exc


def _bool(env: dict[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _hours(env: dict[str, str], name: str, default: str) -> tuple[time, time]:
    raw = env.get(name) or default
    try:
        start, end = (time.fromisoformat(p.strip()) for p in raw.split("-"))
    except ValueError as exc:
        raise SettingError(f"setting {name} must look like 09:00-18:00, got {raw!r}") from exc
    if start >= end:
        raise SettingError(f"setting {name}: the start must be before the end")
    return start, end


def _days(env: dict[str, str], name: str, default: str) -> frozenset[int]:
    """ISO weekdays (1 = Monday) as "1-5" or "1,2,3,4,5,6"."""
    raw = env.get(name) or default
    days: set[int] = set()
    try:
        for part in raw.split(","):
            if "-" in part:
                a, b = (int(x) for x in part.split("-"))
                days.update(range(a, b + 1))
            else:
                days.add(int(part))
    except ValueError as exc:
        raise SettingError(f"setting {name} must look like 1-5 or 1,2,3, got {raw!r}") from exc
    if not days or not days <= set(range(1, 8)):
        raise SettingError(f"setting {name}: weekdays are 1 (Monday) to 7 (Sunday)")
    return frozenset(days)


def _json_map(env: dict[str, str], name: str) -> dict[str, str]:
    raw = env.get(name)
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise SettingError(f"setting {name} must be a JSON object") from exc
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise SettingError(f"setting {name} must be a JSON object of strings")
    return {str(k): v for k, v in value.items()}


def _names(env: dict[str, str], name: str) -> frozenset[str]:
    """A comma-separated list ("142, 143") as a set; empty: no names."""
    return frozenset(p.strip() for p in (env.get(name) or "").split(",") if p.strip())


@dataclass(frozen=True)
class Settings:
    # Foundation
    database_url: str | None = None
    data_dir: Path = Path("var")
    host: str = "127.0.0.1"
    port: int = 8080
    timezone: str = "Asia/Baku"
    pbx_webhook_secret: str = ""
    short_abandon_seconds: int = 10
    service_level_seconds: int = 20
    api_token: str = ""
    # Console and callbacks
    secure_cookies: bool = False
    session_hours: int = 12
    login_max_failures: int = 5
    login_lock_minutes: int = 15
    callback_sla_minutes: int = 60
    callback_max_attempts: int = 3
    work_hours: tuple[time, time] = (time(9, 0), time(18, 0))
    work_days: frozenset[int] = frozenset({1, 2, 3, 4, 5})
    callback_rate_per_ip: int = 10  # requests per hour
    callback_rate_per_phone: int = 3  # requests per day
    # Chat and the bot
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_timeout_seconds: float = 10.0
    chat_rate_per_ip: int = 120  # messages per minute
    chat_rate_per_visitor: int = 30  # messages per minute
    # A handed-off chat with no human reply is abandoned after this much citizen silence.
    chat_abandon_minutes: int = 15
    # Meta (Facebook Messenger, Instagram)
    meta_verify_token: str = ""
    meta_app_secret: str = ""
    meta_page_access_token: str = ""
    meta_page_tokens: dict[str, str] = field(default_factory=dict)
    meta_graph_url: str = "https://graph.facebook.com/v21.0"
    meta_human_agent_tag: bool = False
    # Statistics: seconds between rollup refreshes (0: no background refresher)
    stats_refresh_seconds: float = 1.5
    # Asterisk Manager Interface (empty host: no AMI connection); queues: empty = all
    ami_host: str = ""
    ami_port: int = 5038
    ami_username: str = ""
    ami_secret: str = field(default="", repr=False)
    ami_queues: frozenset[str] = frozenset()
    pbx_stale_call_hours: int = 12

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def with_(self, **changes: object) -> "Settings":
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        env = dict(os.environ if env is None else env)
        tzname = env.get("CC142_TIMEZONE") or "Asia/Baku"
        try:
            ZoneInfo(tzname)
        except Exception as exc:  # noqa: BLE001 - any lookup failure is a bad setting
            raise SettingError(f"CC142_TIMEZONE: unknown time zone {tzname!r}") from exc
        return cls(
            database_url=env.get("DATABASE_URL") or None,
            data_dir=Path(env.get("CC142_DATA_DIR") or "var"),
            host=env.get("CC142_HOST") or "127.0.0.1",
            port=_int(env, "CC142_PORT", 8080),
            timezone=tzname,
            pbx_webhook_secret=env.get("PBX_WEBHOOK_SECRET", ""),
            short_abandon_seconds=_int(env, "SHORT_ABANDON_SECONDS", 10),
            service_level_seconds=_int(env, "SERVICE_LEVEL_SECONDS", 20),
            api_token=env.get("CC142_API_TOKEN", ""),
            secure_cookies=_bool(env, "CC142_SECURE_COOKIES", False),
            session_hours=_int(env, "CC142_SESSION_HOURS", 12),
            login_max_failures=_int(env, "CC142_LOGIN_MAX_FAILURES", 5),
            login_lock_minutes=_int(env, "CC142_LOGIN_LOCK_MINUTES", 15),
            callback_sla_minutes=_int(env, "CALLBACK_SLA_MINUTES", 60),
            callback_max_attempts=_int(env, "CALLBACK_MAX_ATTEMPTS", 3),
            work_hours=_hours(env, "CC142_WORK_HOURS", "09:00-18:00"),
            work_days=_days(env, "CC142_WORK_DAYS", "1-5"),
            callback_rate_per_ip=_int(env, "CALLBACK_RATE_PER_IP", 10),
            callback_rate_per_phone=_int(env, "CALLBACK_RATE_PER_PHONE", 3),
            rasa_url=(env.get("RASA_URL") or "http://127.0.0.1:5005").rstrip("/"),
            rasa_timeout_seconds=float(env.get("RASA_TIMEOUT_SECONDS") or 10),
            chat_rate_per_ip=_int(env, "CHAT_RATE_PER_IP", 120),
            chat_rate_per_visitor=_int(env, "CHAT_RATE_PER_VISITOR", 30),
            chat_abandon_minutes=_int(env, "CHAT_ABANDON_MINUTES", 15),
            meta_verify_token=env.get("META_VERIFY_TOKEN", ""),
            meta_app_secret=env.get("META_APP_SECRET", ""),
            meta_page_access_token=env.get("META_PAGE_ACCESS_TOKEN", ""),
            meta_page_tokens=_json_map(env, "META_PAGE_TOKENS"),
            meta_graph_url=(env.get("META_GRAPH_URL") or "https://graph.facebook.com/v21.0").rstrip("/"),
            meta_human_agent_tag=_bool(env, "META_HUMAN_AGENT_TAG", False),
            stats_refresh_seconds=float(env.get("CC142_STATS_REFRESH_SECONDS") or 1.5),
            ami_host=(env.get("AMI_HOST") or "").strip(),
            ami_port=_int(env, "AMI_PORT", 5038),
            ami_username=env.get("AMI_USERNAME", ""),
            ami_secret=env.get("AMI_SECRET", ""),
            ami_queues=_names(env, "AMI_QUEUES"),
            pbx_stale_call_hours=_int(env, "PBX_STALE_CALL_HOURS", 12),
        )
