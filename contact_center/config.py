"""Settings, read once from the environment: every backend setting is a field
of `Settings` declared with the variable it comes from (the README's table
lists each one; tests/foundation/test_settings.py checks both ways)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import Field, dataclass, field, fields, replace
from datetime import time
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo


class SettingError(SystemExit):
    pass


# A parser turns a variable's non-empty text into the field's value (SettingError if it cannot).
Parser = Callable[[str, str], Any]


def _text(name: str, raw: str) -> str:
    return raw


def _trimmed(name: str, raw: str) -> str:
    return raw.strip()


def _url(name: str, raw: str) -> str:
    return raw.rstrip("/")


def _urls(name: str, raw: str) -> str:
    """One URL or several, comma-separated (Rasa replicas): normalised, each checked."""
    urls = [u.strip().rstrip("/") for u in raw.split(",") if u.strip()]
    for url in urls:
        if not url.startswith(("http://", "https://")):
            raise SettingError(f"setting {name} must be http(s):// URLs, comma-separated, got {url!r}")
    if not urls:
        raise SettingError(f"setting {name} names no URL")
    return ",".join(urls)


def _path(name: str, raw: str) -> Path:
    return Path(raw)


def _int(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingError(f"setting {name} must be an integer, got {raw!r}") from exc


def _non_negative_int(name: str, raw: str) -> int:
    value = _int(name, raw)
    if value < 0:
        raise SettingError(f"setting {name} must be 0 or more, got {raw!r}")
    return value


def _float(name: str, raw: str) -> float:
    try:
        return float(raw)
    except ValueError as exc:
        raise SettingError(f"setting {name} must be a number, got {raw!r}") from exc


def _bool(name: str, raw: str) -> bool:
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _timezone(name: str, raw: str) -> str:
    try:
        ZoneInfo(raw)
    except Exception as exc:  # noqa: BLE001 - any lookup failure is a bad setting
        raise SettingError(f"{name}: unknown time zone {raw!r}") from exc
    return raw


def _hours(name: str, raw: str) -> tuple[time, time]:
    try:
        start, end = (time.fromisoformat(p.strip()) for p in raw.split("-"))
    except ValueError as exc:
        raise SettingError(f"setting {name} must look like 09:00-18:00, got {raw!r}") from exc
    if start >= end:
        raise SettingError(f"setting {name}: the start must be before the end")
    return start, end


def _days(name: str, raw: str) -> frozenset[int]:
    """ISO weekdays (1 = Monday) as "1-5" or "1,2,3,4,5,6"."""
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


def _json_map(name: str, raw: str) -> dict[str, str]:
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise SettingError(f"setting {name} must be a JSON object") from exc
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise SettingError(f"setting {name} must be a JSON object of strings")
    return {str(k): v for k, v in value.items()}


def _names(name: str, raw: str) -> frozenset[str]:
    """A comma-separated list ("142, 143") as a set; empty: no names."""
    return frozenset(p.strip() for p in raw.split(",") if p.strip())


def _origins(name: str, raw: str) -> tuple[str, ...]:
    """A CSP source list: `*` or space/comma-separated origins ("https://dost.gov.az")."""
    out = []
    for part in raw.replace(",", " ").split():
        if part != "*" and not re.fullmatch(r"https?://[A-Za-z0-9.*-]+(:[0-9]{1,5})?", part):
            raise SettingError(f"setting {name}: {part!r} is not * or an origin like https://example.az")
        out.append(part)
    return tuple(out)


def _networks(name: str, raw: str) -> tuple[IPv4Network | IPv6Network, ...]:
    """Comma-separated addresses or CIDR blocks ("10.0.0.5, 172.18.0.0/16")."""
    out = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        try:
            out.append(ip_network(part, strict=False))
        except ValueError as exc:
            raise SettingError(f"setting {name}: {part!r} is not an address or a CIDR block") from exc
    return tuple(out)


def _log_format(name: str, raw: str) -> str:
    value = raw.strip().lower()
    if value not in ("text", "json"):
        raise SettingError(f"setting {name} must be text or json, got {raw!r}")
    return value


def _env(variable: str, default: Any, parse: Parser = _text, *, secret: bool = False) -> Any:
    """A field read from `variable` by `parse`; unset or empty: `default`.
    A secret stays out of the settings' repr (and so out of logs)."""
    meta = {"env": variable, "parse": parse}
    if isinstance(default, dict):
        return field(default_factory=lambda: dict(default), metadata=meta, repr=not secret)
    return field(default=default, metadata=meta, repr=not secret)


@dataclass(frozen=True)
class Settings:
    # Foundation
    database_url: str | None = _env("DATABASE_URL", None)
    # A streaming replica for the heavy reads (statistics, lists, exports); contact_center/db/reads.py.
    database_read_url: str | None = _env("DATABASE_READ_URL", None, secret=True)
    data_dir: Path = _env("CC142_DATA_DIR", Path("var"), _path)
    host: str = _env("CC142_HOST", "127.0.0.1")
    port: int = _env("CC142_PORT", 8080, _int)
    workers: int = _env("CC142_WORKERS", 1, _int)  # `cc142 serve` processes sharing the port
    db_pool_size: int = _env("CC142_DB_POOL_SIZE", 10, _int)  # connections per process (as many again on bursts)
    timezone: str = _env("CC142_TIMEZONE", "Asia/Baku", _timezone)
    pbx_webhook_secret: str = _env("PBX_WEBHOOK_SECRET", "")
    short_abandon_seconds: int = _env("SHORT_ABANDON_SECONDS", 10, _int)
    service_level_seconds: int = _env("SERVICE_LEVEL_SECONDS", 20, _int)
    # A handed-off chat should have an agent's first reply within this (the chat SLA).
    chat_first_response_target_seconds: int = _env("CHAT_FIRST_RESPONSE_TARGET_SECONDS", 60, _int)
    # A waiting chat with a direction is shown first only to the available agents with that
    # skill; after this many seconds in the queue, to everyone (0: to everyone at once).
    chat_routing_fallback_seconds: int = _env("CHAT_ROUTING_FALLBACK_SECONDS", 60, _non_negative_int)
    api_token: str = _env("CC142_API_TOKEN", "")
    # Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (empty: none)
    trusted_proxies: tuple[IPv4Network | IPv6Network, ...] = _env("CC142_TRUSTED_PROXIES", (), _networks)
    # "text" (for people) or "json" (one object per line, with an access line per request)
    log_format: str = _env("CC142_LOG_FORMAT", "text", _log_format)
    # prometheus-client's multiprocess mode: `cc142 serve --workers N` sets it for its processes
    metrics_dir: Path | None = _env("PROMETHEUS_MULTIPROC_DIR", None, _path)
    # Console and callbacks
    secure_cookies: bool = _env("CC142_SECURE_COOKIES", False, _bool)
    session_hours: int = _env("CC142_SESSION_HOURS", 12, _int)
    login_max_failures: int = _env("CC142_LOGIN_MAX_FAILURES", 5, _int)
    login_lock_minutes: int = _env("CC142_LOGIN_LOCK_MINUTES", 15, _int)
    login_lock_addresses: int = _env("CC142_LOGIN_LOCK_ADDRESSES", 5, _int)
    login_failures_per_address: int = _env("CC142_LOGIN_FAILURES_PER_ADDRESS", 30, _int)  # per 5 minutes
    callback_sla_minutes: int = _env("CALLBACK_SLA_MINUTES", 60, _int)
    callback_max_attempts: int = _env("CALLBACK_MAX_ATTEMPTS", 3, _int)
    work_hours: tuple[time, time] = _env("CC142_WORK_HOURS", (time(9, 0), time(18, 0)), _hours)
    work_days: frozenset[int] = _env("CC142_WORK_DAYS", frozenset({1, 2, 3, 4, 5}), _days)
    callback_rate_per_ip: int = _env("CALLBACK_RATE_PER_IP", 10, _int)  # requests per hour
    callback_rate_per_phone: int = _env("CALLBACK_RATE_PER_PHONE", 3, _int)  # requests per day
    # Chat and the bot
    # one Rasa or several replicas, comma-separated (contact_center/chat/bot_client.py)
    rasa_url: str = _env("RASA_URL", "http://127.0.0.1:5005", _urls)
    rasa_timeout_seconds: float = _env("RASA_TIMEOUT_SECONDS", 10.0, _float)
    chat_rate_per_ip: int = _env("CHAT_RATE_PER_IP", 120, _int)  # messages per minute
    chat_rate_per_visitor: int = _env("CHAT_RATE_PER_VISITOR", 30, _int)  # messages per minute
    # A handed-off chat with no human reply is abandoned after this much citizen silence.
    chat_abandon_minutes: int = _env("CHAT_ABANDON_MINUTES", 15, _int)
    # Meta (Facebook Messenger, Instagram)
    meta_verify_token: str = _env("META_VERIFY_TOKEN", "")
    meta_app_secret: str = _env("META_APP_SECRET", "")
    meta_page_access_token: str = _env("META_PAGE_ACCESS_TOKEN", "")
    meta_page_tokens: dict[str, str] = _env("META_PAGE_TOKENS", {}, _json_map)
    meta_graph_url: str = _env("META_GRAPH_URL", "https://graph.facebook.com/v21.0", _url)
    meta_human_agent_tag: bool = _env("META_HUMAN_AGENT_TAG", False, _bool)
    # Statistics: seconds between rollup refreshes (0: no background refresher)
    stats_refresh_seconds: float = _env("CC142_STATS_REFRESH_SECONDS", 1.5, _float)
    # The monthly report's PDF: DejaVu Sans when not in a system font folder
    font_dir: Path | None = _env("CC142_FONT_DIR", None, _path)
    # Asterisk Manager Interface (empty host: no AMI connection); queues: empty = all
    ami_host: str = _env("AMI_HOST", "", _trimmed)
    ami_port: int = _env("AMI_PORT", 5038, _int)
    ami_username: str = _env("AMI_USERNAME", "", _trimmed)
    ami_secret: str = _env("AMI_SECRET", "", secret=True)
    ami_queues: frozenset[str] = _env("AMI_QUEUES", frozenset(), _names)
    pbx_stale_call_hours: int = _env("PBX_STALE_CALL_HOURS", 12, _int)
    pbx_queue_log_max_mb: int = _env("PBX_QUEUE_LOG_MAX_MB", 64, _int)  # largest queue_log upload (inflated)
    # Agent states: an agent's wrap-up after a call ends this long after it (or when the registration is saved)
    wrap_up_seconds: int = _env("WRAP_UP_SECONDS", 30, _int)
    # Personal data: the key of phone-number pseudonyms; how long the audit trail is kept
    pseudonym_key: str = _env("CC142_PSEUDONYM_KEY", "", secret=True)
    retention_audit_days: int = _env("RETENTION_AUDIT_DAYS", 1825, _int)
    # Retention (docs/privacy.md): texts, payloads, notes after this many days; numbers and names after this
    retention_chat_days: int = _env("RETENTION_CHAT_DAYS", 365, _int)
    retention_phone_days: int = _env("RETENTION_PHONE_DAYS", 730, _int)
    # The bot's trackers (Rasa's SQL tracker store) of a conversation that ended this long ago are deleted
    bot_tracker_grace_hours: int = _env("BOT_TRACKER_GRACE_HOURS", 24, _int)
    # A web chat visitor token idle longer than this gets no history (a shared computer's next user)
    chat_visitor_ttl_hours: int = _env("CHAT_VISITOR_TTL_HOURS", 24, _int)
    # Concurrent widget sockets (per process) and how long one may stay without activity.
    chat_ws_per_address: int = _env("CHAT_WS_PER_ADDRESS", 50, _int)  # mobile carriers share addresses (CGNAT)
    chat_ws_per_visitor: int = _env("CHAT_WS_PER_VISITOR", 5, _int)  # tabs of one browser
    chat_ws_total: int = _env("CHAT_WS_TOTAL", 5000, _int)
    chat_ws_idle_minutes: int = _env("CHAT_WS_IDLE_MINUTES", 30, _int)
    # Concurrent console live sockets per signed-in session (tabs of one browser), per process.
    console_ws_per_session: int = _env("CONSOLE_WS_PER_SESSION", 5, _int)
    # Sites that may show the chat page in the widget's frame (CSP frame-ancestors).
    chat_embed_origins: tuple[str, ...] = _env("CHAT_EMBED_ORIGINS", ("*",), _origins)
    # The knowledge base's source documents (chatbot/sources/ of the repository when unset).
    kb_sources_dir: Path | None = _env("KB_SOURCES_DIR", None, _path)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def with_(self, **changes: object) -> "Settings":
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def variables(cls) -> dict[str, Field[Any]]:
        """Environment variable -> the field it sets: every setting there is."""
        return {f.metadata["env"]: f for f in fields(cls)}

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        values = {}
        for variable, f in cls.variables().items():
            raw = env.get(variable)
            if raw:  # unset or empty: the default
                values[f.name] = f.metadata["parse"](variable, raw)
        return cls(**values)
