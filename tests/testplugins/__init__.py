"""Plugins used only by the host's own tests."""
