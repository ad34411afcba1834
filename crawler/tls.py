"""The HTTPS probe of one host (site.https): https offered, http→https, the certificate, TLS below 1.2.

Each question gets its own handshake, so one problem does not hide another: an unverified handshake
reads the certificate (dates, names, issuer), a verifying one says whether the chain leads to a trusted
root, and handshakes pinned to TLS 1.0 and 1.1 say whether those are still offered.

Facts written (network_probes.facts, kind https):
  host, https_url, offered, error, version,
  redirect: {"from", "status", "location", "to_https", "error"},
  cert: {"subject", "issuer", "names", "not_after", "self_signed", "host_match"},
  verify: {"ok", "code", "message"}, legacy: ["TLSv1", "TLSv1.1"] offered, legacy_tested
"""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
import warnings
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
from cryptography import x509
from cryptography.x509.oid import NameOID

from crawler.errors import REFUSED, RESET, TIMEOUT, TLS
from crawler.probe import classify
from crawler.resolve import AnyFamilyResolver, Resolver

# X509_V_ERR codes that are about time, not about the chain (judged from the certificate's dates).
TIME_ERRORS = {9, 10}  # certificate not yet valid, certificate has expired
MAX_HOPS = 5


def classify_socket(exc: BaseException) -> str:
    """Raw socket and TLS failures (asyncio.open_connection) in the crawler's closed set of words."""
    if isinstance(exc, TimeoutError):
        return TIMEOUT
    if isinstance(exc, ConnectionRefusedError):
        return REFUSED
    if isinstance(exc, ConnectionResetError | BrokenPipeError | asyncio.IncompleteReadError):
        return RESET
    if isinstance(exc, ssl.SSLError):
        return TLS
    return REFUSED if isinstance(exc, OSError) else classify(exc)  # unreachable network, no route: refused


def _unverified() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _verifying(ca_file: str | None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=ca_file)
    context.check_hostname = False  # names are matched from the certificate, so the chain is judged alone
    return context


def _legacy(version: ssl.TLSVersion) -> ssl.SSLContext:
    with warnings.catch_warnings():  # asking for TLS 1.0/1.1 is the point here
        warnings.simplefilter("ignore", DeprecationWarning)
        context = _unverified()
        context.set_ciphers("DEFAULT:@SECLEVEL=0")
        context.minimum_version = version
        context.maximum_version = version
    return context


async def _handshake(address: str, port: int, hostname: str, context: ssl.SSLContext,
                     timeout: float) -> ssl.SSLObject:
    sni = None if _is_ip(hostname) else hostname
    async with asyncio.timeout(timeout):
        _, writer = await asyncio.open_connection(address, port, ssl=context, server_hostname=sni)
    try:
        tls = writer.get_extra_info("ssl_object")
        return tls
    finally:
        writer.close()


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def names_match(hostname: str, names: list[str]) -> bool:
    """RFC 6125 matching: exact, or a wildcard standing for one leftmost label."""
    host = hostname.lower().rstrip(".")
    for name in (n.lower().rstrip(".") for n in names):
        if name == host:
            return True
        if name.startswith("*.") and "." in host and host.split(".", 1)[1] == name[2:] and not _is_ip(host):
            return True
    return False


def read_certificate(der: bytes, hostname: str) -> dict[str, Any]:
    cert = x509.load_der_x509_certificate(der)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = [*san.get_values_for_type(x509.DNSName), *(str(ip) for ip in san.get_values_for_type(x509.IPAddress))]
    except x509.ExtensionNotFound:
        names = [a.value for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    return {"subject": cert.subject.rfc4514_string(), "issuer": cert.issuer.rfc4514_string(), "names": names,
            "not_before": cert.not_valid_before_utc.isoformat(), "not_after": cert.not_valid_after_utc.isoformat(),
            "self_signed": cert.issuer == cert.subject, "host_match": names_match(hostname.strip("[]"), names)}


async def follow_http(url: str, resolver: Resolver, *, timeout: float, user_agent: str) -> dict[str, Any]:
    """Follow http redirects (at most MAX_HOPS) and say whether they end on an https address."""
    facts: dict[str, Any] = {"from": url, "status": None, "location": None, "to_https": False, "error": None}
    connector = aiohttp.TCPConnector(resolver=AnyFamilyResolver(resolver), force_close=True)
    async with aiohttp.ClientSession(connector=connector, trust_env=False, headers={"User-Agent": user_agent},
                                     timeout=aiohttp.ClientTimeout(total=None)) as session:
        current = url
        for _ in range(MAX_HOPS):
            try:
                async with asyncio.timeout(timeout), session.get(current, allow_redirects=False) as response:
                    facts["status"] = response.status
                    location = response.headers.get("Location")
            except Exception as exc:  # the http side not answering is a fact, not a crash
                facts["error"] = classify(exc)
                return facts
            if response.status not in (301, 302, 303, 307, 308) or not location:
                return facts
            current = urljoin(current, location)
            facts["location"] = current
            if urlsplit(current).scheme == "https":
                facts["to_https"] = True
                return facts
    return facts


async def probe_host(host: str, site_url: str, resolver: Resolver, *, http_port: int, https_port: int,
                     ca_file: str | None, timeout: float, user_agent: str) -> dict[str, Any]:
    """Everything site.https judges about one host, from one round."""
    parts = urlsplit(site_url)
    hostname = parts.hostname or host
    shown = f"[{hostname}]" if ":" in hostname else hostname
    if parts.scheme == "http":
        http_url = site_url
        redirect = await follow_http(http_url, resolver, timeout=timeout, user_agent=user_agent)
        target = urlsplit(redirect["location"] or "") if redirect["to_https"] else None
        if target is not None and target.hostname == hostname:
            https_url = f"https://{target.netloc}/"
        else:
            https_url = f"https://{shown}" + ("" if https_port == 443 else f":{https_port}") + "/"
    else:
        https_url = f"https://{parts.netloc}/"
        http_url = f"http://{shown}" + ("" if http_port == 80 else f":{http_port}") + "/"
        redirect = None
    port = urlsplit(https_url).port or 443
    facts: dict[str, Any] = {"host": host, "https_url": https_url, "offered": False, "error": None,
                             "version": None, "redirect": redirect, "cert": None, "verify": None,
                             "legacy": [], "legacy_tested": False}
    names = await resolver.lookup(hostname)
    addresses = [*names.a, *names.aaaa]
    if not addresses:
        facts["error"] = "dns"
        return facts
    address = addresses[0]
    try:
        tls = await _handshake(address, port, hostname, _unverified(), timeout)
    except Exception as exc:  # not offered (refused, reset, not TLS at all) is the finding
        facts["error"] = classify_socket(exc)
        return facts
    facts["offered"] = True
    facts["version"] = tls.version()
    der = tls.getpeercert(binary_form=True)
    if der:
        facts["cert"] = read_certificate(der, hostname)
    try:
        await _handshake(address, port, hostname, _verifying(ca_file), timeout)
        facts["verify"] = {"ok": True, "code": 0, "message": ""}
    except ssl.SSLCertVerificationError as exc:
        facts["verify"] = {"ok": exc.verify_code in TIME_ERRORS, "code": exc.verify_code,
                           "message": exc.verify_message}
    except Exception as exc:  # the server went away between handshakes: chain not judged
        facts["verify"] = {"ok": None, "code": None, "message": classify_socket(exc)}
    if redirect is None:
        facts["redirect"] = await follow_http(http_url, resolver, timeout=timeout, user_agent=user_agent)
    facts["legacy"], facts["legacy_tested"] = await _legacy_offered(address, port, hostname, timeout)
    return facts


async def _legacy_offered(address: str, port: int, hostname: str, timeout: float) -> tuple[list[str], bool]:
    """Which of TLS 1.0 and 1.1 the server accepts; not tested when this machine's OpenSSL cannot offer them."""
    offered, tested = [], False
    for version, name in ((ssl.TLSVersion.TLSv1, "TLSv1"), (ssl.TLSVersion.TLSv1_1, "TLSv1.1")):
        try:
            context = _legacy(version)
        except (ValueError, ssl.SSLError):
            continue
        tested = True
        try:
            tls = await _handshake(address, port, hostname, context, timeout)
        except Exception:  # refused: good
            continue
        if tls.version() == name:
            offered.append(name)
    return offered, tested
