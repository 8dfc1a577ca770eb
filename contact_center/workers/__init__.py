"""Background workers of a backend process; contact_center/runtime.py starts them."""
