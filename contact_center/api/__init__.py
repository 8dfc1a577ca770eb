"""JSON read APIs (token or supervisor session)."""
