"""The SMTP link: settings from csw.toml, the password, TLS, the connection and its greeting, and
errors that say what went wrong where (never the password)."""

from __future__ import annotations

import ipaddress
import shlex
import smtplib
import ssl
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from csw.mail.outgoing import ConnectionFailed, SendError
from csw.settings.config import Email

Security = Literal["ssl", "starttls", "none"]
DEFAULT_PORTS: Mapping[str, int] = {"ssl": 465, "starttls": 587, "none": 25}


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to connect. The password never shows in repr, logs or error messages."""

    host: str
    port: int | None = None  # None: the usual port of `security`
    security: Security = "starttls"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    password_source: str = "the password"  # how error messages name it: "$VAR", "`command`"
    ca_file: str | None = None
    timeout: float = 30
    retries: int = 5
    retry_seconds: float = 2
    insecure: bool = False  # allow security = "none" towards a host that is not this machine

    def __post_init__(self) -> None:
        if self.security not in DEFAULT_PORTS:
            raise SendError(f"email.security: '{self.security}' is not one of ssl, starttls, none.")
        if self.security == "none" and not self.insecure and not _is_local(self.host):
            raise SendError(
                f'{self.where}: email.security = "none" would send the messages and the password'
                " unencrypted over the network.",
                hint='Use security = "starttls" or "ssl"; or, if this network is trusted, pass --insecure.',
            )

    @property
    def where(self) -> str:
        """host:port, as every connection error message starts."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port or DEFAULT_PORTS[self.security]}"


def _is_local(host: str) -> bool:
    if host.rstrip(".").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


Runner = Callable[..., "subprocess.CompletedProcess[str]"]


def settings_from_config(
    email: Email,
    environ: Mapping[str, str],
    run: Runner = subprocess.run,
    *,
    insecure: bool = False,
) -> SmtpSettings:
    """The settings of csw.toml's [email], the password taken from the environment or a command."""
    password, source = _password(email, environ, run)
    if email.username and password is None:
        raise SendError(
            "email.username is set but no password source is.",
            hint="Set email.password_env to the NAME of an environment variable, or email.password_command.",
        )
    return SmtpSettings(
        host=email.host,
        port=email.port,
        security=email.security,
        username=email.username,
        password=password,
        password_source=source,
        ca_file=email.ca_file,
        timeout=email.timeout,
        retries=email.retries,
        retry_seconds=email.retry_seconds,
        insecure=insecure,
    )


def _password(email: Email, environ: Mapping[str, str], run: Runner) -> tuple[str | None, str]:
    if email.password_env and email.password_command:
        raise SendError("email: set password_env or password_command, not both.")
    if email.password_env:
        if email.password_env not in environ:
            raise SendError(
                f"email.password_env: the environment variable {email.password_env} is not set.",
                hint=f"Set it to the SMTP password: export {email.password_env}=...",
            )
        return environ[email.password_env], f"${email.password_env}"
    if email.password_command:
        return _password_from_command(email.password_command, email.timeout, run), (
            f"the output of `{email.password_command}`"
        )
    return None, "the password"


def _password_from_command(command: str, timeout: float, run: Runner) -> str:
    where = f"email.password_command `{command}`"
    try:
        done = run(shlex.split(command), capture_output=True, text=True, timeout=timeout, check=False)
    except ValueError as error:  # shlex: an unclosed quote
        raise SendError(f"{where}: cannot parse the command: {error}.") from None
    except FileNotFoundError:
        raise SendError(f"{where}: no such command.", hint="Check the program name and PATH.") from None
    except subprocess.TimeoutExpired:
        raise SendError(f"{where}: did not finish within {timeout:g} seconds.") from None
    except OSError as error:
        raise SendError(f"{where}: cannot run: {error.strerror}.") from None
    if done.returncode != 0:
        # stderr says why (not in the store, locked keyring); stdout might hold a secret: never shown.
        detail = (done.stderr or "").strip().splitlines()
        said = f": {detail[-1][:200]}" if detail else ""
        raise SendError(f"{where}: failed with exit status {done.returncode}{said}.")
    # The first line: `pass show` and its kin print the password there and notes after it.
    lines = done.stdout.splitlines()
    password = lines[0] if lines else ""
    if not password:
        raise SendError(f"{where}: printed no password.")
    return password


def connect(settings: SmtpSettings) -> smtplib.SMTP:
    """An open, authenticated SMTP connection; SendError (host:port first) when that fails."""
    context = _tls_context(settings) if settings.security != "none" else None
    try:
        smtp = _open(settings, context)
    except OSError as error:  # smtplib's exceptions, socket and TLS errors all are OSErrors
        raise _connect_error(settings, error) from None
    try:
        _greet(smtp, settings, context)
    except BaseException as error:
        smtp.close()
        if timed_out(error):  # it greeted us, so host and port are right
            raise stalled(settings) from None
        if isinstance(error, OSError):
            raise _connect_error(settings, error) from None
        raise
    return smtp


def timed_out(error: BaseException) -> bool:
    """Whether the server went quiet: smtplib turns a read timeout into SMTPServerDisconnected."""
    return isinstance(error, TimeoutError) or isinstance(error.__context__, TimeoutError)


def stalled(settings: SmtpSettings) -> ConnectionFailed:
    """A server that answered, then went quiet for longer than email.timeout."""
    return ConnectionFailed(
        f"{settings.where}: the server stopped answering (nothing for {settings.timeout:g} seconds"
        " after its greeting).",
        hint="It may be overloaded or filtering this machine: try again later, or raise email.timeout.",
    )


def _tls_context(settings: SmtpSettings) -> ssl.SSLContext:
    # Without ca_file the system store is used, which honours SSL_CERT_FILE and SSL_CERT_DIR.
    cafile = str(Path(settings.ca_file).expanduser()) if settings.ca_file else None
    try:
        return ssl.create_default_context(cafile=cafile)
    except FileNotFoundError:
        raise SendError(f"email.ca_file: {cafile}: no such file.") from None
    except (OSError, ssl.SSLError) as error:
        raise SendError(f"email.ca_file: {cafile}: not a PEM certificate bundle ({error}).") from None


def _open(settings: SmtpSettings, context: ssl.SSLContext | None) -> smtplib.SMTP:
    port = settings.port or DEFAULT_PORTS[settings.security]
    if settings.security == "ssl":
        return smtplib.SMTP_SSL(settings.host, port, timeout=settings.timeout, context=context)
    return smtplib.SMTP(settings.host, port, timeout=settings.timeout)


def _greet(smtp: smtplib.SMTP, settings: SmtpSettings, context: ssl.SSLContext | None) -> None:
    smtp.ehlo_or_helo_if_needed()
    if settings.security == "starttls":
        if not smtp.has_extn("starttls"):
            raise smtplib.SMTPNotSupportedError("STARTTLS")
        smtp.starttls(context=context)
        smtp.ehlo_or_helo_if_needed()
    if settings.username:
        smtp.login(settings.username, settings.password or "")


def _connect_error(settings: SmtpSettings, error: OSError) -> SendError:
    where = settings.where
    if isinstance(error, ssl.SSLCertVerificationError):
        return SendError(
            f"{where}: the server's TLS certificate cannot be verified ({error.verify_message}).",
            hint="If the server uses a private certificate authority, set email.ca_file to its"
            " certificate (PEM).",
        )
    if isinstance(error, ssl.SSLError):
        return SendError(
            f"{where}: the TLS handshake failed ({error.reason or error}).",
            hint='Check email.security: "ssl" for port 465, "starttls" for port 587.',
        )
    if isinstance(error, smtplib.SMTPAuthenticationError):
        reply = _scrub(said(error.smtp_code, error.smtp_error), settings.password)
        return SendError(
            f"{where}: authentication failed ({reply}): check email.username and {settings.password_source}."
        )
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return _unsupported(settings, str(error))
    if isinstance(error, smtplib.SMTPResponseException):  # a refusal in the greeting or EHLO: 421, 554
        detail = f"the server answered {said(error.smtp_code, error.smtp_error)}"
    elif isinstance(error, smtplib.SMTPException) and not isinstance(error, smtplib.SMTPServerDisconnected):
        # "No suitable authentication method found": a mismatch, not a passing failure.
        return SendError(f"{where}: {error}", hint="Check email.username and email.security.")
    else:
        detail = _scrub(
            getattr(error, "strerror", None) or str(error) or type(error).__name__, settings.password
        )
    return ConnectionFailed(
        f"{where}: cannot connect: {detail}; check email.host and email.port.",
        hint='And email.security: "ssl" for port 465, "starttls" for port 587, "none" for a local relay.',
    )


def _unsupported(settings: SmtpSettings, what: str) -> SendError:
    if what == "STARTTLS":
        return SendError(
            f"{settings.where}: the server does not offer STARTTLS.",
            hint='Use security = "ssl" if it listens for TLS on this port (465), or the right port.',
        )
    return SendError(
        f"{settings.where}: the server does not offer authentication ({what}).",
        hint="Remove email.username if it needs none, or check email.security.",
    )


def said(code: int, text: bytes | str) -> str:
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {' '.join(message.split())}".strip()


def _scrub(text: str, secret: str | None) -> str:
    # A server or library might echo what it was sent; a password never reaches a message.
    return text.replace(secret, "********") if secret else text
