"""The resource kit."""
