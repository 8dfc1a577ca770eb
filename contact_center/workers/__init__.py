"""Background workers that run inside every backend process (app cleanup_ctx)."""
