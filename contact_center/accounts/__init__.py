"""Console accounts: who may sign in, their sessions, their presence.

    users         create, change, deactivate, reset passwords (admins, the CLI)
    auth          sign-in: argon2 passwords, one attempt decided (known and unknown names alike)
    login_throttle  failed sign-ins counted per address, per (name, address), per name: no lock-out abuse
    sessions      console sessions (the service side): open, the user of a token, close; CurrentUser
    agent_status  presence: available, paused (with a reason), offline; the live state with on_call, wrap_up
    agent_states  agent states from every source merged into intervals (order-independent)
    skills        the directions a user serves (the chat routing reads them)

The request side of sessions (cookie, CSRF, permissions) is contact_center.web.
The names below are the package's surface for the rest of the code; anything
else is imported from its module.
"""

from contact_center.accounts.agent_status import AgentPresence, presence, set_status
from contact_center.accounts.auth import LoginResult, authenticate
from contact_center.accounts.sessions import CurrentUser, close_session, live_session, open_session, session_user
from contact_center.accounts.users import UserInputError, UserRow, create_user

__all__ = [
    "AgentPresence",
    "CurrentUser",
    "LoginResult",
    "UserInputError",
    "UserRow",
    "authenticate",
    "close_session",
    "create_user",
    "live_session",
    "open_session",
    "presence",
    "session_user",
    "set_status",
]
