"""The agent console: server-rendered pages under /console."""
