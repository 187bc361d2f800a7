"""A plugin with typed settings and no services, for configuration tests."""

from __future__ import annotations

from pydantic import Field, SecretStr

from crm_host import PluginSettings, hookimpl
from crm_host.hookspecs import RegisterSettings


class MailSettings(PluginSettings):
    smtp_host: str = Field("localhost", description="the mail relay")
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_password: SecretStr | None = None
    use_tls: bool = False


@hookimpl
def register_settings(register: RegisterSettings) -> None:
    register(MailSettings)
