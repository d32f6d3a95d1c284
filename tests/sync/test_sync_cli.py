"""The installed `comanage sync` in a subprocess against a local server: outputs, secrets, hostile text, progress, TLS."""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import json
import os
import pty
import sqlite3
import subprocess
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from tests.cli.test_cli import comanage_cmd
from tests.conftest import FIXED_NOW_ISO
from tests.reliability.pty_app import read_pty
from tests.sync.helpers import SN_ENV, write_source
from tests.sync.servicenow_instance import PASSWORD, USER, serve, synthetic

HOSTILE = "[red]boom[/] \x1b]52;c;aGk=\x07 \x1b[2J\u202eevil"
AUTH_HEADER = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()


def run_sync(db: Path, *args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([*comanage_cmd(), "--db", str(db), "--now", FIXED_NOW_ISO, "sync", *args], capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL)


def _hostile_instance():
    inst = synthetic(8)
    first = sorted(inst.incidents)[0]
    inst.update(first, {"u_symptom": HOSTILE, "assignment_group": f"Group {HOSTILE}", "incident_state": "Active"},
                "2026-12-01 10:00:00")
    return inst


def test_secrets_never_reach_an_output_the_database_or_a_report(server, tmp_path: Path) -> None:
    inst = _hostile_instance()
    source = write_source(tmp_path / "sources", serve(server, inst), extra="page_size = 3")
    db = tmp_path / "s.db"
    outputs = []
    ok = run_sync(db, str(source), "-v", "--report", str(tmp_path / "report.json"))
    assert ok.returncode == 0, ok.stderr
    outputs.append(ok)
    outputs.append(run_sync(db, str(source), "--dry-run", "--report", str(tmp_path / "report.txt")))
    outputs.append(run_sync(db, str(source), env={SN_ENV: "wrong-" + PASSWORD[::-1]}))  # refused: 401
    inst.fault = lambda req, n: None if n < 3 else Response("{}", 500)
    outputs.append(run_sync(db, str(source), "--full"))  # a 500 mid-pull
    inst.fault = None
    for env in ({SN_ENV: ""}, {}):
        outputs.append(run_sync(db, str(source), env=env))
    snapshot = subprocess.run([*comanage_cmd(), "--db", str(db), "snapshot", "--format", "json", "--as-of", FIXED_NOW_ISO],
                              capture_output=True, text=True, timeout=120)
    check = subprocess.run([*comanage_cmd(), "--db", str(db), "check", "--json", "--as-of", FIXED_NOW_ISO],
                           capture_output=True, text=True, timeout=120)
    outputs += [snapshot, check]
    texts = [o.stdout + o.stderr for o in outputs]
    files = [p for p in tmp_path.rglob("*") if p.is_file() and p.suffix != ".toml"]
    assert any(p.name == "s.db" for p in files) and any(p.name == "report.json" for p in files)
    for secret in (PASSWORD, AUTH_HEADER, PASSWORD[::-1]):
        for text in texts:
            assert secret not in text
        for path in files:
            assert secret.encode() not in path.read_bytes(), path
    for text in texts:
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text, text
        assert "Traceback" not in text
    refused = outputs[2]
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1
    assert refused.stderr.startswith("comanage: sn: the server refused the credentials (HTTP 401 Unauthorized")
    assert f"check the password in ${SN_ENV}" in refused.stderr
    assert outputs[4].stderr == (f"comanage: sn: the environment variable {SN_ENV} is not set (it holds the password, "
                                 "auth.password_env in the source file)\n")


def test_hostile_api_text_goes_through_the_importers_clean_path(server, tmp_path: Path) -> None:
    inst = _hostile_instance()
    source = write_source(tmp_path / "sources", serve(server, inst), extra="page_size = 3")
    db = tmp_path / "h.db"
    out = run_sync(db, str(source), "-v")
    assert out.returncode == 0, out.stderr
    assert "Group [red]boom[/]" in out.stdout  # the unmapped group is reported literally, escape sequences removed
    conn = sqlite3.connect(db)
    try:
        (title,) = conn.execute("SELECT title FROM tickets WHERE title LIKE '%boom%'").fetchone()
    finally:
        conn.close()
    assert title.startswith("[red]boom[/]") and "\x1b" not in title and "\x07" not in title
    explain = subprocess.run([*comanage_cmd(), "--db", str(db), "snapshot", "--format", "md", "--as-of", FIXED_NOW_ISO],
                             capture_output=True, text=True, timeout=120)
    assert "\x1b" not in explain.stdout and explain.returncode == 0


def test_a_progress_bar_on_a_terminal_and_none_in_a_pipe(server, tmp_path: Path) -> None:
    inst = synthetic(30)
    source = write_source(tmp_path / "sources", serve(server, inst), extra="page_size = 5")
    piped = run_sync(tmp_path / "p.db", str(source))
    assert piped.returncode == 0 and piped.stdout == "" and piped.stderr == ""  # quiet under cron
    master, slave = pty.openpty()
    proc = subprocess.Popen([*comanage_cmd(), "--db", str(tmp_path / "t.db"), "--now", FIXED_NOW_ISO, "sync", str(source)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave, close_fds=True)
    os.close(slave)
    seen = read_pty(master, 60, until=b"100%")
    proc.wait(timeout=60)
    os.close(master)
    assert proc.returncode == 0
    assert b"Syncing sn" in seen and b"100%" in seen


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "instance.pem", tmp_path / "instance.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_tls_is_verified_and_a_ca_bundle_trusts_a_self_signed_instance(tmp_path: Path) -> None:
    import ssl

    cert, key = _self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    srv = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    srv.start()
    try:
        base = serve(srv, synthetic(4)).replace("http://", "https://")
        untrusted = run_sync(tmp_path / "x.db", str(write_source(tmp_path / "a", base, extra="retries = 0")))
        assert untrusted.returncode == 1 and untrusted.stderr.count("\n") == 1
        assert untrusted.stderr.startswith("comanage: sn: the TLS certificate of 127.0.0.1 is not trusted (")
        assert 'give ca_bundle = "/path/to/ca.pem" in the source file' in untrusted.stderr
        trusted = run_sync(tmp_path / "y.db", str(write_source(tmp_path / "b", base, extra=f'ca_bundle = "{cert}"')))
        assert trusted.returncode == 0, trusted.stderr
    finally:
        srv.stop()


@pytest.mark.parametrize(("setting", "said"), [
    ('password = "hunter2"', "secrets do not go in the source file"),
    ("verify = false", "TLS verification cannot be turned off"),
])
def test_a_secret_or_verify_off_in_the_source_file_is_refused(tmp_path: Path, setting: str, said: str) -> None:
    source = write_source(tmp_path / "sources", "https://acme.service-now.com", extra=setting)
    out = run_sync(tmp_path / "r.db", str(source))
    assert out.returncode == 1 and out.stderr.count("\n") == 1 and said in out.stderr
    assert "hunter2" not in out.stderr
    assert not (tmp_path / "r.db").exists()


def test_plain_http_is_refused_except_on_this_machine(tmp_path: Path) -> None:
    out = run_sync(tmp_path / "r.db", str(write_source(tmp_path / "sources", "http://acme.service-now.com")))
    assert out.returncode == 1 and "https is required (http would send the credentials in clear)" in out.stderr


def test_sources_by_name_from_the_sources_folder(server, tmp_path: Path) -> None:
    folder = tmp_path / "sources"
    base = serve(server, synthetic(3))
    write_source(folder, base, name="sn")
    write_source(folder, base, name="sn-copy")
    env = {"COMANAGE_SOURCES": str(folder)}
    one = run_sync(tmp_path / "n.db", "sn", "-v", env=env)
    assert one.returncode == 0 and "Synced 'sn'" in one.stdout and "sn-copy" not in one.stdout
    missing = run_sync(tmp_path / "n.db", "nope", env=env)
    assert missing.returncode == 1 and "no source 'nope'" in missing.stderr and "configured: sn, sn-copy" in missing.stderr


def test_a_dry_run_is_a_reader_under_read_only(server, tmp_path: Path) -> None:
    source = write_source(tmp_path / "sources", serve(server, synthetic(4)))
    db = tmp_path / "ro.db"
    assert run_sync(db, str(source)).returncode == 0
    before = db.read_bytes()
    out = subprocess.run([*comanage_cmd(), "--read-only", "--db", str(db), "--now", FIXED_NOW_ISO, "sync", "--dry-run", "-v",
                          str(source)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "Dry run of sync 'sn'" in out.stdout, out.stderr
    assert db.read_bytes() == before
    refused = subprocess.run([*comanage_cmd(), "--read-only", "--db", str(db), "--now", FIXED_NOW_ISO, "sync", str(source)],
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1 and "--read-only" in refused.stderr and db.read_bytes() == before


@pytest.mark.parametrize("name", ["sync-servicenow.toml", "sync-jira.toml"])
def test_the_example_sources_load(name: str) -> None:
    from comanage_tui.data.sync.config import load_source

    config, mapping = load_source(Path(__file__).resolve().parents[2] / "examples" / name)
    assert config.name == name.removesuffix(".toml") and config.base_url.startswith("https://")
    assert mapping.source == config.kind and mapping.preset == config.kind


def test_credentials_from_the_os_keyring(server, tmp_path: Path) -> None:
    store = tmp_path / "keyring.json"
    store.write_text(json.dumps({f"comanage-sn\n{USER}": PASSWORD}))
    auth = f'[auth]\nmethod = "basic"\nusername = "{USER}"\npassword_keyring = {{ service = "comanage-sn", username = "{USER}" }}\n'
    source = write_source(tmp_path / "sources", serve(server, synthetic(4)), auth=auth)
    env = {"PYTHON_KEYRING_BACKEND": "tests.sync.keyring_backend.FileKeyring", "COMANAGE_TEST_KEYRING": str(store),
           SN_ENV: ""}
    ok = run_sync(tmp_path / "k.db", str(source), "-v", env=env)
    assert ok.returncode == 0 and "Synced 'sn'" in ok.stdout, ok.stderr
    assert PASSWORD not in ok.stdout + ok.stderr and PASSWORD.encode() not in (tmp_path / "k.db").read_bytes()
    store.write_text("{}")
    missing = run_sync(tmp_path / "k.db", str(source), env=env)
    assert missing.returncode == 1 and missing.stderr == (
        f"comanage: sn: the OS keyring has no password for service 'comanage-sn', user '{USER}' (auth.password_keyring); "
        f"store it with `keyring set comanage-sn {USER}`\n")
