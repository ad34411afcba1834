"""site.https on loopback: certificates from a test CA (trustme), resolution from a DNS server on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import ssl
from pathlib import Path

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from checks import run_checks
from crawler.netprobe import run_network_round

from .conftest import check, make_config
from .netservers import DualStackServer, redirect_to, tls_context

HOST = "www.secure.test"
NOW = dt.datetime.now(dt.UTC)


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def self_signed(host: str, tmp_path: Path) -> ssl.SSLContext:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(NOW - dt.timedelta(days=1))
            .not_valid_after(NOW + dt.timedelta(days=365))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .sign(key, hashes.SHA256()))
    (tmp_path / "self.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(tmp_path / "self.pem"))
    return context


def leaf_only(cert: trustme.LeafCert, tmp_path: Path) -> ssl.SSLContext:
    """Serves the certificate without its intermediate: the chain is incomplete."""
    path = tmp_path / "leaf.pem"
    path.write_bytes(cert.cert_chain_pems[0].bytes() + cert.private_key_pem.bytes())
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(path))
    return context


def probe_https(dns, store, ca_file: str, context: ssl.SSLContext, *, redirect: bool = True,  # type: ignore[no-untyped-def]
                https_port: int | None = None):
    """An http site on HOST that redirects (or not) to an https server using `context`; returns the findings."""
    dns.zone[HOST] = {"A": ["127.0.0.1"]}
    secure = DualStackServer({"/": "<html><body>安全</body></html>"}, None, tls=context)
    target = f"https://{HOST}:{secure.port}/"
    plain = DualStackServer({"/": redirect_to(target) if redirect else "<html><body>明文</body></html>"}, None)
    try:
        config = make_config(f"http://{HOST}:{plain.port}/", dns, ca_file=ca_file,
                             https_port=https_port or secure.port)
        round_ = run_network_round(config, store)
    finally:
        secure.stop()
        plain.stop()
    return round_.hosts[0].https, check(store, config, "site.https")


def _which(finding) -> str:  # type: ignore[no-untyped-def]
    text = finding.detail
    return ("offered" if "未提供HTTPS" in text else "redirect" if "未跳转" in text else "expired" if "已过期" in text
            else "expiring" if "天后到期" in text else "host" if "与域名不符" in text
            else "chain" if "自签名" in text or "证书链" in text else "legacy_tls" if "TLS" in text else "?")


def kinds(findings) -> set[str]:  # type: ignore[no-untyped-def]
    return {_which(f) for f in findings}


def test_a_valid_certificate_behind_a_redirect_passes_with_its_figures(dns, store, ca, ca_file) -> None:  # type: ignore[no-untyped-def]
    facts, findings = probe_https(dns, store, ca_file, tls_context(ca.issue_cert(HOST)))
    assert facts["offered"] and facts["redirect"]["to_https"] and facts["verify"]["ok"]
    assert facts["cert"]["host_match"] and facts["version"] in ("TLSv1.2", "TLSv1.3")
    assert facts["legacy"] == [] and facts["legacy_tested"]
    assert findings == []


def test_http_that_does_not_redirect_is_a_finding(dns, store, ca, ca_file) -> None:  # type: ignore[no-untyped-def]
    _, findings = probe_https(dns, store, ca_file, tls_context(ca.issue_cert(HOST)), redirect=False)
    assert kinds(findings) == {"redirect"}


def test_https_not_offered_is_one_finding(dns, store, ca, ca_file, unused_port) -> None:  # type: ignore[no-untyped-def]
    _, findings = probe_https(dns, store, ca_file, tls_context(ca.issue_cert(HOST)), redirect=False,
                              https_port=unused_port)
    assert kinds(findings) == {"offered"} and "连接被拒绝" in findings[0].detail


def test_a_certificate_expiring_within_30_days_is_a_reminder_without_points(dns, store, ca, ca_file) -> None:  # type: ignore[no-untyped-def]
    cert = ca.issue_cert(HOST, not_after=NOW + dt.timedelta(days=10))
    facts, findings = probe_https(dns, store, ca_file, tls_context(cert))
    assert kinds(findings) == {"expiring"}
    assert findings[0].points == 0 and "（提醒）" in findings[0].detail
    assert 9 <= findings[0].evidence["days_left"] <= 10


def test_an_expired_certificate_is_a_finding(dns, store, ca, ca_file) -> None:  # type: ignore[no-untyped-def]
    cert = ca.issue_cert(HOST, not_before=NOW - dt.timedelta(days=400), not_after=NOW - dt.timedelta(days=2))
    _, findings = probe_https(dns, store, ca_file, tls_context(cert))
    assert kinds(findings) == {"expired"}


def test_a_certificate_for_another_host_is_a_finding(dns, store, ca, ca_file) -> None:  # type: ignore[no-untyped-def]
    _, findings = probe_https(dns, store, ca_file, tls_context(ca.issue_cert("www.other.test")))
    assert kinds(findings) == {"host"} and "www.other.test" in findings[0].detail


def test_a_self_signed_certificate_is_a_finding(dns, store, ca_file, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _, findings = probe_https(dns, store, ca_file, self_signed(HOST, tmp_path))
    assert kinds(findings) == {"chain"} and "自签名" in findings[0].detail


def test_a_chain_without_its_intermediate_is_a_finding(dns, store, ca, ca_file, tmp_path) -> None:  # type: ignore[no-untyped-def]
    cert = ca.create_child_ca().issue_cert(HOST)
    _, findings = probe_https(dns, store, ca_file, leaf_only(cert, tmp_path))
    assert kinds(findings) == {"chain"} and "证书链不完整" in findings[0].detail


def test_tls_below_1_2_offered_is_a_finding(dns, store, ca, ca_file) -> None:  # type: ignore[no-untyped-def]
    facts, findings = probe_https(dns, store, ca_file, tls_context(ca.issue_cert(HOST), legacy=True))
    assert facts["legacy"] == ["TLSv1", "TLSv1.1"]
    assert kinds(findings) == {"legacy_tls"}


def test_an_https_site_with_http_closed_passes(dns, store, ca, ca_file, unused_port) -> None:  # type: ignore[no-untyped-def]
    """Configured as https://: http→https is tried on network.http_port; nothing there is nothing sent in clear."""
    dns.zone[HOST] = {"A": ["127.0.0.1"]}
    secure = DualStackServer({"/": "<html><body>安全</body></html>"}, None, tls=tls_context(ca.issue_cert(HOST)))
    try:
        config = make_config(f"https://{HOST}:{secure.port}/", dns, ca_file=ca_file, http_port=unused_port)
        round_ = run_network_round(config, store)
    finally:
        secure.stop()
    facts = round_.hosts[0].https
    assert facts["offered"] and facts["redirect"]["error"] == "refused"
    assert check(store, config, "site.https") == []


def test_a_host_that_does_not_resolve_is_not_checked_rather_than_failed(dns, store) -> None:  # type: ignore[no-untyped-def]
    config = make_config("http://www.gone.test/", dns)  # the DNS server answers NXDOMAIN
    run_network_round(config, store)
    report_findings = {rule: check(store, config, rule) for rule in ("site.https", "site.ipv6")}
    assert report_findings == {"site.https": [], "site.ipv6": []}
    report = run_checks(store, config, as_of=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2),
                        only=["site.https", "site.ipv6"])
    reasons = [n.reason for n in report.not_checked]
    assert any("域名解析失败，HTTPS未检查" in r for r in reasons) and any("IPv6未检查" in r for r in reasons)
