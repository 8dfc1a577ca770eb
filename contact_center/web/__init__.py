"""Web plumbing shared by every adapter: errors, signatures, API auth, health."""
