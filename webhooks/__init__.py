"""Inbound adapters: they check and translate what arrives, then call a service."""
