"""The accounts plugin of CRM Host: ``accounts.v1.AccountsService``."""
