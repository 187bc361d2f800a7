"""The built-in commands of ``crm-host``, one module each, registered as any plugin's are."""
