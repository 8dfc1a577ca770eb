"""Services: take a session, change or read the database, never commit."""
