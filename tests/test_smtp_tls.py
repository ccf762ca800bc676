"""SMTP with STARTTLS and AUTH against aiosmtpd on loopback, with a
certificate made for the test and trusted through ?cafile=."""

import asyncio
import datetime
import ipaddress
import ssl

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from newsletter.dispatch.message import Raw
from newsletter.dispatch.transports import SMTPSettings, SMTPTransport, TransportError, send_now

from .smtp_server import Recorder, free_port


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(
                ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption()))
    return folder


@pytest.fixture
def server(certificate):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate / "cert.pem", certificate / "key.pem")

    def authenticator(server, session, envelope, mechanism, auth_data):
        good = auth_data.login == b"relint" and auth_data.password == b"s3cret"
        return AuthResult(success=good, handled=False)

    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port, tls_context=context,
                            require_starttls=True, authenticator=authenticator,
                            auth_require_tls=True)
    controller.start()
    yield recorder, port, certificate / "cert.pem"
    controller.stop()


def settings(port, cafile, password="s3cret"):
    return SMTPSettings.from_url(f"smtp://relint:{password}@127.0.0.1:{port}"
                                 f"?starttls=1&cafile={cafile}")


MESSAGE = b"From: a@example.org\r\nTo: b@example.org\r\nSubject: hi\r\n\r\n.dot line\r\nbody\r\n"


def test_starttls_and_auth_blocking(server):
    recorder, port, cafile = server
    transport = SMTPTransport(settings(port, cafile))
    assert send_now(transport, Raw(MESSAGE), "a@example.org", ["b@example.org"]).startswith("250")
    assert recorder.received[0][1].endswith(b".dot line\r\nbody\r\n")


def test_starttls_and_auth_async(server):
    recorder, port, cafile = server

    async def deliver():
        transport = SMTPTransport(settings(port, cafile))
        reply = await transport.send(Raw(MESSAGE), "a@example.org", ["b@example.org"])
        await transport.close()
        return reply

    assert asyncio.run(deliver()).startswith("250")
    assert recorder.received[0][1].endswith(b".dot line\r\nbody\r\n")


def test_wrong_password_is_permanent(server):
    _, port, cafile = server

    async def deliver():
        await SMTPTransport(settings(port, cafile, "wrong")).connect()

    with pytest.raises(TransportError, match="SMTP login refused") as refused:
        asyncio.run(deliver())
    assert refused.value.permanent


def test_untrusted_certificate_is_refused(server):
    _, port, _ = server

    async def deliver():
        await SMTPTransport(SMTPSettings.from_url(
            f"smtp://relint:s3cret@127.0.0.1:{port}?starttls=1")).connect()

    with pytest.raises(TransportError, match="cannot reach the SMTP server") as refused:
        asyncio.run(deliver())
    assert refused.value.unreachable
