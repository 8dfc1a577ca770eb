"""`cc142 up` (what `make run` runs): the database, the backend and the bot together.

The parent keeps the embedded PostgreSQL alive (when DATABASE_URL is unset),
applies the migrations, creates a first admin on an empty database, then
supervises two children, the backend (`cc142 serve`) and the bot
(`chatbot/manage.py serve`: Rasa + the action server, which says "bot ready"
itself), prints the URLs when the backend is ready, and stops everything on
Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from contact_center.config import Settings

ROOT = Path(__file__).resolve().parents[2]


async def _prepare(settings: Settings) -> tuple[str, str | None]:
    """Migrate; on an empty database create `admin` with a random password."""
    from contact_center.db.embedded import resolve_database_url
    from contact_center.db.engine import make_engine, make_sessionmaker
    from contact_center.db.migrate import upgrade
    from contact_center.accounts.users import count_users, create_user
    from contact_center.knowledge.entries import sync_shipped

    url = await resolve_database_url(settings.database_url, settings.data_dir)
    engine = make_engine(url, pool_size=settings.db_pool_size)
    try:
        await upgrade(engine)
        password = None
        async with make_sessionmaker(engine).begin() as session:
            await sync_shipped(session)  # new shipped keys; supervisors' edits are kept
            if await count_users(session) == 0:
                password = secrets.token_urlsafe(12)
                await create_user(session, username="admin", password=password, role="admin",
                                  full_name="Administrator")
    finally:
        await engine.dispose()
    return url, password


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as resp:
            return resp.status == 200
    except OSError:
        return False


def pseudonym_key(settings: Settings) -> str:
    """CC142_PSEUDONYM_KEY, or a key made once for this data dir (pseudonym.key, 0600):
    `make run` works out of the box; production sets the variable."""
    if settings.pseudonym_key:
        return settings.pseudonym_key
    path = settings.data_dir / "pseudonym.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(32))
    return path.read_text().strip()


def cmd_up(args: argparse.Namespace, settings: Settings) -> int:
    url, admin_password = asyncio.run(_prepare(settings))
    rasa_port = int(os.environ.get("RASA_PORT") or "5005")
    # The bot gets DATABASE_URL too: its trackers go to the `<name>_rasa` database
    # next to ours (chatbot/manage.py creates it); with REDIS_URL and RASA_REPLICAS
    # it runs several Rasa servers on consecutive ports, all listed in RASA_URL.
    replicas = max(1, int(os.environ.get("RASA_REPLICAS") or "1"))
    env = {**os.environ, "DATABASE_URL": url, "RASA_TELEMETRY_ENABLED": "false",
           "CC142_PSEUDONYM_KEY": pseudonym_key(settings)}
    env.setdefault("RASA_URL", ",".join(f"http://127.0.0.1:{rasa_port + i}" for i in range(replicas)))
    # The bot's callback form reads the admins' district list from this backend.
    env.setdefault("CC142_BACKEND_URL", f"http://127.0.0.1:{settings.port}")
    children: dict[str, subprocess.Popen[bytes]] = {
        "backend": subprocess.Popen([sys.executable, "-m", "contact_center", "serve"], cwd=ROOT, env=env),
    }
    log_dir = (settings.data_dir / "logs").resolve()
    if not args.no_bot:
        # Rasa's old dependencies warn at every start: that goes to the bot's log
        # files, the terminal shows our URLs and the "bot ready" line.
        children["bot"] = subprocess.Popen(
            [sys.executable, str(ROOT / "chatbot" / "manage.py"), "serve", "--log-dir", str(log_dir)],
            cwd=ROOT, env=env)
    stopping = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    base = f"http://{settings.host}:{settings.port}"
    announced: set[str] = set()
    try:
        while not stopping:
            for name, proc in children.items():
                if proc.poll() is not None:
                    print(f"{name} exited with {proc.returncode}; stopping", file=sys.stderr)
                    return proc.returncode or 1
            if "backend" not in announced and _ready(base + "/readyz"):
                announced.add("backend")
                print(
                    "\n142 is running:\n"
                    f"  agent console     {base}/console\n"
                    f"  web chat          {base}/chat   (embed: <script src=\"{base}/chat/widget.js\" async></script>)\n"
                    f"  callback request  {base}/callback\n"
                    f"  health            {base}/readyz\n"
                    f"  bot (Rasa)        {env['RASA_URL']}" + ("  (disabled)" if args.no_bot else "  (starting, ~1 min)") + "\n",
                    flush=True,
                )
                if admin_password:
                    print(f"  first sign-in: admin / {admin_password}  (change it under Admin)\n", flush=True)
                print("  demo traffic: .venv/bin/cc142 seed-demo --days 30\n", flush=True)
            time.sleep(0.5)
        return 0
    finally:
        for proc in children.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in children.values():
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("up", help="migrate, then run the backend and the bot together (make run)")
    p.add_argument("--no-bot", action="store_true", help="run without Rasa (chats go to agents)")
    p.set_defaults(func=cmd_up)
