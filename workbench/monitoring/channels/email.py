"""Email over SMTP (smtplib): STARTTLS, implicit TLS or plain, with optional login."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from workbench.core.errors import ConfigError, Fatal, Retryable
from workbench.monitoring.channels.base import ChannelSettings, alert_text, alert_title
from workbench.monitoring.store import AlertRecord

__all__ = ["EmailChannel"]


class EmailChannel:
    def __init__(self, settings: ChannelSettings, name: str = "email") -> None:
        if not settings.smtp_host or not settings.smtp_to:
            raise ConfigError("the email channel needs WB_SMTP_HOST and WB_SMTP_TO")
        self.name = name
        self.host, self.port = settings.smtp_host, settings.smtp_port
        self.tls = settings.smtp_tls
        self.user = settings.smtp_user
        self._password = settings.smtp_password
        self.sender = settings.smtp_from
        self.recipients = [r.strip() for r in settings.smtp_to.split(",") if r.strip()]
        #: tests point this at a local server's self-signed certificate
        self.ssl_context = ssl.create_default_context()

    def send(self, alert: AlertRecord, *, timeout: float) -> None:
        message = EmailMessage()
        message["Subject"] = alert_title(alert)
        message["From"] = self.sender
        message["To"] = ", ".join(self.recipients)
        message["X-Workbench-Alert-Id"] = str(alert.id)
        message.set_content(alert_text(alert))
        try:
            with self._connect(timeout) as smtp:
                if self.user:
                    password = self._password.get_secret_value() if self._password else ""
                    smtp.login(self.user, password)
                smtp.send_message(message)
        except smtplib.SMTPAuthenticationError as error:
            raise Fatal(
                f"SMTP {self.host}:{self.port} refused the login: {error.smtp_code}"
            ) from None
        except smtplib.SMTPRecipientsRefused as error:
            raise Fatal(
                f"SMTP {self.host}:{self.port} refused {', '.join(error.recipients)}"
            ) from None
        except (TimeoutError, OSError, smtplib.SMTPException) as error:
            raise Retryable(
                f"SMTP {self.host}:{self.port}: {type(error).__name__}: {error}"
            ) from None

    def _connect(self, timeout: float) -> smtplib.SMTP:
        if self.tls == "ssl":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=timeout, context=self.ssl_context)
        smtp = smtplib.SMTP(self.host, self.port, timeout=timeout)
        if self.tls == "starttls":
            try:
                smtp.starttls(context=self.ssl_context)
            except BaseException:
                smtp.close()
                raise
        return smtp
