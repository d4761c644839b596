#!/usr/bin/env python3
"""TLS for the benchmarks: a throw-away CA and server certificate, and a TLS terminator.

    python bench/tls.py certs bench/.out/tls/manual   # CA, server certificate and key, bundle
    python bench/tls.py serve --port 9443 --upstream 127.0.0.1:8765 --dir bench/.out/tls/manual

The emulator (``python -m django_tencent_sms.sandbox``) speaks plain HTTP, as Tencent's servers
behind their load balancers do; this terminator plays the load balancer: it accepts TLS with a
certificate for ``127.0.0.1`` and ``localhost`` signed by a CA made at run time, and forwards
the decrypted bytes to the emulator.

The keys are made afresh by every run, into a directory of its own under ``bench/.out/tls/``
(never committed; ``common.secure_network`` removes it at the end), with the ``cryptography``
package (bench/requirements.txt). ``trust.pem`` is the trust store a client is
given: the machine's usual CA bundle *plus* the bench CA. Clients then load as many
certificates as they would to reach the real service, and that costs CPU time for every new
connection (about 16 ms here for Python's ``ssl.create_default_context()``): leaving it out
would flatter clients that open a connection per message.

The server key is ECDSA P-256 and TLS 1.3 is negotiated (Python's defaults on both ends): a
handshake costs one round trip.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import ipaddress
import signal
import ssl
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class TlsFiles:
    ca: Path
    cert: Path
    key: Path
    #: The machine's CA bundle plus ``ca``: what clients are told to trust.
    trust: Path


def system_ca_bundle() -> Path | None:
    """The CA bundle Python's ``ssl`` loads by default here (else certifi's)."""
    paths = ssl.get_default_verify_paths()
    for candidate in (paths.cafile, paths.openssl_cafile):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    with contextlib.suppress(ImportError):
        import certifi

        return Path(certifi.where())
    return None


def make_certificates(directory: Path) -> TlsFiles:
    """A new CA and a server certificate for 127.0.0.1/localhost signed by it, in ``directory``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = now - datetime.timedelta(hours=1), now + datetime.timedelta(days=2)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "django-tencent-sms bench CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )

    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )

    pem = serialization.Encoding.PEM
    files = TlsFiles(
        ca=directory / "ca.pem",
        cert=directory / "server.pem",
        key=directory / "server.key",
        trust=directory / "trust.pem",
    )
    files.ca.write_bytes(ca_cert.public_bytes(pem))
    files.cert.write_bytes(cert.public_bytes(pem))
    files.key.touch(mode=0o600)
    files.key.write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    system = system_ca_bundle()
    bundle = system.read_bytes() if system else b""
    if bundle and not bundle.endswith(b"\n"):
        bundle += b"\n"
    files.trust.write_bytes(bundle + ca_cert.public_bytes(pem))
    return files


def files_in(directory: Path) -> TlsFiles:
    return TlsFiles(
        directory / "ca.pem",
        directory / "server.pem",
        directory / "server.key",
        directory / "trust.pem",
    )


# The terminator ------------------------------------------------------------------------------


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except (OSError, ssl.SSLError, ConnectionError):
        pass


async def _handle(
    upstream: tuple[str, int], client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter
) -> None:
    try:
        up_r, up_w = await asyncio.open_connection(*upstream)
    except OSError:
        client_w.close()
        return
    try:
        await asyncio.gather(_pump(client_r, up_w), _pump(up_r, client_w))
    finally:
        for writer in (up_w, client_w):
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()


async def serve(port: int, upstream: tuple[str, int], files: TlsFiles) -> None:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(files.cert, files.key)
    server = await asyncio.start_server(
        lambda r, w: _handle(upstream, r, w), "127.0.0.1", port, ssl=context, backlog=128
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    print(f"TLS on 127.0.0.1:{port} → {upstream[0]}:{upstream[1]}", flush=True)
    async with server:
        await stop.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    certs = commands.add_parser("certs", help="make a CA, a server certificate and trust.pem")
    certs.add_argument("directory", type=Path)
    server = commands.add_parser("serve", help="terminate TLS and forward to --upstream")
    server.add_argument("--port", type=int, required=True)
    server.add_argument("--upstream", required=True, help="HOST:PORT of the plain-HTTP server")
    server.add_argument("--dir", type=Path, required=True, help="where `certs` wrote the files")
    args = parser.parse_args(argv)
    if args.command == "certs":
        files = make_certificates(args.directory)
        print(f"CA {files.ca}, trust store {files.trust}")
        return 0
    host, _, port = args.upstream.rpartition(":")
    asyncio.run(serve(args.port, (host or "127.0.0.1", int(port)), files_in(args.dir)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
