#!/usr/bin/env python3
"""End-to-end test of `harrier triage` on real and derived files.

Real files come from the corpus (scripts/corpus): Debian-signed EFI images (grub, shim,
kernel) and unsigned libwine PEs. From them the test builds, in a temporary directory:
  * the Debian Secure Boot CA, cut from shim's .vendor_cert section (the trust anchor);
  * the byte-level tamper variants of grubx64 described in
    ../shared/docs/signatures-and-triage.md section 0.3;
  * copies of a small libwine exe signed with osslsigncode using certificates made here with
    openssl: a private CA and its leaf, a self-signed leaf, an expired leaf; and one timestamped
    through a local RFC 3161 TSA (openssl ts behind a tiny HTTP server) when that works;
  * a catalog (.cat: PKCS#7 SignedData over a certificate trust list) listing an unsigned exe;
  * an abused-certificate list naming the test leaf, with a revocation date.
Each case states the findings that must appear and those that must not. Without the corpus
(or osslsigncode/openssl/objcopy) the test prints why and exits 0.

Usage: test_triage.py --harrier PATH/TO/harrier [--keep DIR]
"""
import argparse
import glob
import hashlib
import http.server
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import threading


def corpus_dir():
    here = os.path.dirname(os.path.abspath(__file__))
    script = os.path.join(here, "..", "..", "scripts", "corpus")
    try:
        out = subprocess.run([script], capture_output=True, text=True, timeout=600)
        path = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
        if path and os.path.isdir(path):
            return path
    except (OSError, subprocess.SubprocessError):
        pass
    path = os.path.expanduser("~/.cache/harrier/corpus")
    return path if os.path.isdir(path) else None


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def must(cmd):
    r = run(cmd)
    if r.returncode != 0:
        raise RuntimeError("command failed: %s\n%s%s" % (" ".join(cmd), r.stdout, r.stderr))
    return r


# --- DER helpers for the catalog -------------------------------------------------------

def der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def tlv(tag, body):
    return bytes([tag]) + der_len(len(body)) + body


def oid(dotted):
    parts = [int(p) for p in dotted.split(".")]
    body = bytes([parts[0] * 40 + parts[1]])
    for p in parts[2:]:
        enc = [p & 0x7F]
        p >>= 7
        while p:
            enc.append(0x80 | (p & 0x7F))
            p >>= 7
        body += bytes(reversed(enc))
    return tlv(0x06, body)


def seq(*items):
    return tlv(0x30, b"".join(items))


def make_ctl(sha256_hashes):
    """A certificate trust list as MakeCat writes one, with SHA-256 member hashes."""
    members = []
    for h in sha256_hashes:
        tag = tlv(0x04, h.hex().upper().encode("utf-16-le"))
        indirect = seq(
            seq(oid("1.3.6.1.4.1.311.2.1.15"), seq(tlv(0x03, b"\x00"))),
            seq(seq(oid("2.16.840.1.101.3.4.2.1"), tlv(0x05, b"")), tlv(0x04, h)))
        attr = seq(oid("1.3.6.1.4.1.311.2.1.4"), tlv(0x31, indirect))
        members.append(seq(tag, tlv(0x31, attr)))
    return seq(
        seq(oid("1.3.6.1.4.1.311.12.1.1")),           # subjectUsage: catalog list
        tlv(0x04, b"harrier-test"),                    # listIdentifier
        tlv(0x17, b"260101000000Z"),                   # thisUpdate
        seq(oid("1.3.6.1.4.1.311.12.1.2"), tlv(0x05, b"")),  # subjectAlgorithm
        seq(*members))


def authentihash_unsigned(data):
    """SHA-256 Authenticode hash of an unsigned PE: all bytes but CheckSum and the
    security directory entry."""
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    magic = struct.unpack_from("<H", data, pe + 24)[0]
    cks = pe + 24 + 64
    sec = pe + 24 + (144 if magic == 0x20B else 128)
    return hashlib.sha256(data[:cks] + data[cks + 4:sec] + data[sec + 8:]).digest()


# --- a local RFC 3161 TSA ---------------------------------------------------------------

class Tsa:
    def __init__(self, work, cnf):
        self.work, self.cnf = work, cnf
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                q = os.path.join(outer.work, "tsq.der")
                r = os.path.join(outer.work, "tsr.der")
                with open(q, "wb") as f:
                    f.write(body)
                p = run(["openssl", "ts", "-reply", "-config", outer.cnf, "-queryfile", q,
                         "-out", r])
                data = open(r, "rb").read() if p.returncode == 0 else b""
                self.send_response(200 if data else 500)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


# --- certificates -------------------------------------------------------------------

CA_CNF = """
[ca]
default_ca = CA_default
[CA_default]
dir = {d}
database = {d}/index.txt
new_certs_dir = {d}
serial = {d}/serial
default_md = sha256
policy = pol
x509_extensions = leaf
unique_subject = no
email_in_dn = no
[pol]
commonName = supplied
organizationName = optional
[leaf]
basicConstraints = CA:FALSE
keyUsage = digitalSignature
extendedKeyUsage = codeSigning
[tsa_ext]
basicConstraints = CA:FALSE
keyUsage = digitalSignature
extendedKeyUsage = critical,timeStamping
[req]
distinguished_name = dn
[dn]
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = keyCertSign,cRLSign
subjectKeyIdentifier = hash
[v3_self]
basicConstraints = CA:FALSE
extendedKeyUsage = codeSigning
[tsa]
default_tsa = tsa_config
[tsa_config]
dir = {d}
serial = {d}/tsaserial
signer_cert = {d}/tsa.pem
certs = {d}/ca.pem
signer_key = {d}/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha1
accuracy = secs:1
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def make_pki(d):
    cnf = os.path.join(d, "ca.cnf")
    with open(cnf, "w") as f:
        f.write(CA_CNF.format(d=d))
    open(os.path.join(d, "index.txt"), "w").close()
    with open(os.path.join(d, "serial"), "w") as f:
        f.write("1000\n")
    with open(os.path.join(d, "tsaserial"), "w") as f:
        f.write("01\n")
    k = lambda n: os.path.join(d, n)
    must(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", k("ca.key"),
          "-out", k("ca.pem"), "-days", "3650", "-subj", "/CN=Harrier Test Root CA",
          "-config", cnf, "-extensions", "v3_ca"])

    def leaf(name, subj, start=None, end=None, ext="leaf"):
        must(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", k(name + ".key"),
              "-out", k(name + ".csr"), "-subj", subj, "-config", cnf])
        cmd = ["openssl", "ca", "-batch", "-notext", "-config", cnf, "-cert", k("ca.pem"),
               "-keyfile", k("ca.key"), "-in", k(name + ".csr"), "-out", k(name + ".pem"),
               "-extensions", ext]
        cmd += ["-startdate", start, "-enddate", end] if start else ["-days", "825"]
        must(cmd)

    leaf("leaf", "/CN=Harrier Test Signer/O=Harrier Test")
    leaf("old", "/CN=Harrier Expired Signer/O=Harrier Test", "20200101000000Z",
         "20210101000000Z")
    leaf("tsa", "/CN=Harrier Test TSA", ext="tsa_ext")
    must(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", k("self.key"),
          "-out", k("self.pem"), "-days", "825", "-subj", "/CN=Microsoft Corporation",
          "-config", cnf, "-extensions", "v3_self"])
    for n in ("leaf", "old"):  # osslsigncode wants the chain in one file
        with open(k(n + "-chain.pem"), "w") as f:
            f.write(open(k(n + ".pem")).read() + open(k("ca.pem")).read())
    return cnf


def sign(src, dst, cert, key, extra=()):
    must(["osslsigncode", "sign", "-certs", cert, "-key", key, "-h", "sha256", "-n", "harrier",
          *extra, "-in", src, "-out", dst])


# --- the cases -------------------------------------------------------------------------

def flip(path, offset):
    with open(path, "r+b") as f:
        f.seek(offset)
        b = f.read(1)
        f.seek(offset)
        f.write(bytes([b[0] ^ 0xFF]))


def poke(path, offset, data):
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(data)


def build_grub_variants(src, d):
    out = {}
    for name in ("cksum", "flip", "appended", "certpad", "badsecdir", "badlen", "stripped"):
        p = os.path.join(d, "grub-%s.efi" % name)
        shutil.copyfile(src, p)
        out[name] = p
    poke(out["cksum"], 0xD8, b"\x78\x56\x34\x12")
    poke(out["flip"], 0x1100, b"\xDF")
    with open(out["appended"], "ab") as f:
        f.write(b"APPENDED-PAYLOAD" * 4)
    poke(out["certpad"], 0x12C, struct.pack("<I", 0x600))
    with open(out["certpad"], "ab") as f:
        f.write(b"\0" * 64)
    poke(out["badsecdir"], 0x12E, b"\x10")
    poke(out["badlen"], 0x3FD000, struct.pack("<I", 7))
    os.truncate(out["stripped"], 4182016)
    poke(out["stripped"], 0x128, b"\0" * 8)
    return out


def triage(harrier, paths, *opts):
    r = run([harrier, "triage", "--format=ndjson", *opts, *paths], timeout=300)
    reports = {}
    for line in r.stdout.splitlines():
        obj = json.loads(line)
        reports[obj["path"]] = obj
    return r, reports


def codes(report):
    return [f if isinstance(f, str) else f["code"] for f in report["findings"]]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--harrier", required=True)
    ap.add_argument("--keep", help="build the files in this directory and keep them")
    args = ap.parse_args()
    harrier = os.path.abspath(args.harrier)

    corpus = corpus_dir()
    signed = os.path.join(corpus or "", "signed")
    pe = os.path.join(corpus or "", "pe")
    if not corpus or not os.path.isfile(os.path.join(signed, "grubx64.efi.signed")):
        print("triage: SKIP (real-file corpus unavailable; run scripts/corpus)")
        return 0
    for tool in ("osslsigncode", "openssl", "objcopy"):
        if not shutil.which(tool):
            print("triage: SKIP (%s not installed)" % tool)
            return 0

    d = args.keep or tempfile.mkdtemp(prefix="harrier-triage-")
    os.makedirs(d, exist_ok=True)
    failures = []
    try:
        # The Debian Secure Boot CA from shim's .vendor_cert (16-byte header, 930 bytes).
        shim = os.path.join(signed, "shimx64.efi.signed")
        vc = os.path.join(d, "vendor_cert.bin")
        must(["objcopy", "-O", "binary", "--only-section=.vendor_cert", shim, vc])
        blob = open(vc, "rb").read()
        auth_size, _, auth_off, _ = struct.unpack_from("<4I", blob, 0)
        with open(os.path.join(d, "debian-ca.der"), "wb") as f:
            f.write(blob[auth_off:auth_off + auth_size])
        debian_ca = os.path.join(d, "debian-ca.pem")
        must(["openssl", "x509", "-inform", "der", "-in", os.path.join(d, "debian-ca.der"),
              "-out", debian_ca])

        grub = os.path.join(signed, "grubx64.efi.signed")
        v = build_grub_variants(grub, d)

        # Test-signed copies of a small libwine exe without version-info publisher.
        cnf = make_pki(d)
        k = lambda n: os.path.join(d, n)
        exe = os.path.join(pe, "write.exe")
        sign(exe, k("ca-signed.exe"), k("leaf-chain.pem"), k("leaf.key"))
        sign(exe, k("self-signed.exe"), k("self.pem"), k("self.key"))
        sign(exe, k("expired.exe"), k("old-chain.pem"), k("old.key"))
        shutil.copyfile(k("ca-signed.exe"), k("ca-signed-tampered.exe"))
        flip(k("ca-signed-tampered.exe"), 0x400)
        stamped = {}
        tsa = Tsa(d, cnf)
        try:
            for name, chain, key in (("stamped", "leaf-chain.pem", "leaf.key"),
                                     ("stamped-old", "old-chain.pem", "old.key")):
                r = run(["osslsigncode", "sign", "-certs", k(chain), "-key", k(key),
                         "-h", "sha256", "-ts", tsa.url, "-in", exe, "-out", k(name + ".exe")],
                        timeout=60)
                if r.returncode == 0:
                    stamped[name] = k(name + ".exe")
                else:
                    print("note: timestamp case skipped (osslsigncode -ts failed: %s)"
                          % (r.stderr.strip().splitlines() or ["?"])[-1])
        finally:
            tsa.close()

        # A catalog listing an unsigned exe (http.sys: no publisher claim).
        catdir = k("catroot")
        os.makedirs(catdir, exist_ok=True)
        unsigned_listed = os.path.join(pe, "http.sys")
        ctl = make_ctl([authentihash_unsigned(open(unsigned_listed, "rb").read())])
        with open(k("ctl.der"), "wb") as f:
            f.write(ctl)
        must(["openssl", "cms", "-sign", "-binary", "-nodetach", "-outform", "DER",
              "-econtent_type", "1.3.6.1.4.1.311.10.1", "-in", k("ctl.der"),
              "-signer", k("leaf.pem"), "-inkey", k("leaf.key"), "-certfile", k("ca.pem"),
              "-out", os.path.join(catdir, "harrier-test.cat")])
        with open(os.path.join(catdir, "garbage.cat"), "wb") as f:
            f.write(b"0\x82\xff\xff not a catalog")

        # An abused-certificate list naming the private-CA leaf by thumbprint, revoked long
        # after the signing (no timestamp: signing time unknown) and one for the expired leaf.
        leaf_sha1 = run(["openssl", "x509", "-in", k("leaf.pem"), "-noout", "-fingerprint",
                         "-sha1"]).stdout.strip().split("=")[1]
        abused = k("abused.json")
        with open(abused, "w") as f:
            json.dump({"certificates": [
                {"subject": "Harrier Test Signer", "sha1": leaf_sha1, "revoked": "2030-01-01",
                 "campaign": "Test campaign", "sources": ["https://example.invalid/report"]},
                {"subject": "Harrier Expired Signer", "not_after": "2021-01-01",
                 "revoked": "2020-06-01", "campaign": "Old campaign",
                 "sources": ["https://example.invalid/old"]}]}, f)

        # The kernel is whichever Debian ships today (scripts/corpus fetches the current one).
        kernels = sorted(glob.glob(os.path.join(signed, "vmlinuz-*")))
        kernel = kernels[-1] if kernels else os.path.join(signed, "vmlinuz-missing")
        # (name, paths, options, must, must_not, extra check)
        T = ["--trust", debian_ca]
        TC = ["--trust", k("ca.pem")]
        cases = [
            ("grub signed by Debian, Debian CA trusted", [grub], T, [],
             ["expired", "untrusted-root", "digest-mismatch", "malformed-certificate-table",
              "unsigned", "self-signed", "data-after-signature", "publisher-impersonation"],
             lambda r: r["verdict"] == "OK" and r["signatures"][0]["digest_ok"]),
            ("kernel and other grubs, Debian CA trusted",
             [kernel] + [os.path.join(signed, n) for n in ("gcdx64.efi.signed",
                                                           "grubnetx64.efi.signed")], T, [],
             ["expired", "untrusted-root", "digest-mismatch", "unsigned"],
             lambda r: r["verdict"] == "OK"),
            ("grub without any trust anchor", [grub], [], ["untrusted-root"],
             ["expired", "digest-mismatch", "malformed-certificate-table", "self-signed"],
             lambda r: any("Debian Secure Boot CA" in json.dumps(f) for f in r["findings"])),
            ("shim: two signatures, Microsoft roots not supplied", [shim], T,
             ["untrusted-root"],
             ["malformed-certificate-table", "digest-mismatch", "unsigned", "expired"],
             lambda r: len(r["signatures"]) == 2 and all(s["digest_ok"] for s in r["signatures"])),
            ("grub-cksum (CheckSum is not hashed)", [v["cksum"]], T, [],
             ["digest-mismatch", "malformed-certificate-table", "untrusted-root"], None),
            ("grub-flip", [v["flip"]], T, ["digest-mismatch"],
             ["unsigned", "malformed-certificate-table"], None),
            ("grub-appended", [v["appended"]], T, ["data-after-signature"],
             ["digest-mismatch", "unsigned"], None),
            ("grub-certpad (CVE-2013-3900)", [v["certpad"]], T,
             ["malformed-certificate-table"], ["digest-mismatch", "unsigned"], None),
            ("grub-badsecdir (table past EOF)", [v["badsecdir"]], T,
             ["malformed-certificate-table"], ["unsigned"], None),
            ("grub-badlen", [v["badlen"]], T, ["malformed-certificate-table"], ["unsigned"],
             None),
            ("grub-stripped", [v["stripped"]], T, ["unsigned"],
             ["malformed-certificate-table", "digest-mismatch", "data-after-signature"], None),
            ("unsigned libwine exe and drivers",
             [os.path.join(pe, n) for n in ("notepad.exe", "http.sys", "mountmgr.sys")], T,
             ["unsigned"], ["publisher-impersonation", "malformed-certificate-table"],
             lambda r: codes(r) == ["unsigned"]),
            ("unsigned libwine driver claiming Microsoft", [os.path.join(pe, "ksecdd.sys")], T,
             ["unsigned", "publisher-impersonation"], ["malformed-certificate-table"], None),
            ("test-signed, private CA trusted", [k("ca-signed.exe")], TC, [],
             ["untrusted-root", "self-signed", "expired", "digest-mismatch", "unsigned"],
             lambda r: r["verdict"] == "OK"),
            ("test-signed, private CA not trusted", [k("ca-signed.exe")], T,
             ["untrusted-root"], ["self-signed", "expired", "digest-mismatch"],
             lambda r: any("Harrier Test Root CA" in json.dumps(f) for f in r["findings"])),
            ("self-signed 'Microsoft Corporation'", [k("self-signed.exe")], TC,
             ["self-signed"], ["digest-mismatch", "expired", "unsigned"], None),
            ("expired signer, no timestamp", [k("expired.exe")], TC, ["expired"],
             ["untrusted-root", "digest-mismatch", "self-signed"], None),
            ("test-signed then tampered", [k("ca-signed-tampered.exe")], TC,
             ["digest-mismatch"], ["unsigned", "malformed-certificate-table"], None),
            ("catalog vouches for an unsigned driver", [unsigned_listed],
             TC + ["--catalogs", catdir], ["catalog-signed"],
             ["unsigned", "untrusted-root"], lambda r: r["verdict"] == "CATALOG"),
            ("catalog signer not trusted", [unsigned_listed], T + ["--catalogs", catdir],
             ["catalog-signed", "untrusted-root"], ["unsigned"], None),
            ("known-abused certificate (signing time unknown)", [k("ca-signed.exe")],
             TC + ["--abused-certs", abused], ["known-abused-certificate"], ["digest-mismatch"],
             lambda r: any(f["code"] == "known-abused-certificate" and
                           f["details"]["signed"].startswith("unknown") for f in r["findings"])),
        ]
        if len(stamped) == 2:
            later = TC + ["--now", "2099-01-01"]
            cases += [
                ("RFC 3161 timestamp inside validity, judged in 2099", [stamped["stamped"]],
                 later, [], ["expired", "digest-mismatch", "untrusted-root"],
                 lambda r: r["signatures"][0]["timestamp"]["verified"]),
                ("same signer, no timestamp, judged in 2099", [k("ca-signed.exe")], later,
                 ["expired"], ["digest-mismatch"], None),
                ("signer expired before the timestamp", [stamped["stamped-old"]], TC,
                 ["expired"], ["digest-mismatch", "untrusted-root"],
                 lambda r: "timestamp" in json.dumps(r["findings"])),
            ]

        for name, paths, opts, must_codes, must_not, check in cases:
            r, reports = triage(harrier, paths, *opts)
            for p in paths:
                rep = reports.get(p)
                if rep is None:
                    failures.append("%s: no report for %s (rc %d, %s)" % (name, p, r.returncode,
                                                                         r.stderr.strip()))
                    continue
                got = codes(rep)
                for c in must_codes:
                    if c not in got:
                        failures.append("%s: %s lacks %s (got %s)" % (name, p, c, got))
                for c in must_not:
                    if c in got:
                        failures.append("%s: %s must not have %s (got %s)" % (name, p, c, got))
                if check and not check(rep):
                    failures.append("%s: %s fails its check: %s" % (name, p, json.dumps(rep)[:600]))
            print("%-55s %s" % (name, "ok" if not any(f.startswith(name + ":")
                                                    for f in failures) else "FAIL"))

        # Exit status: 0 clean, 1 concern, 2 error (which wins).
        r = run([harrier, "triage", *T, grub])
        if r.returncode != 0 or not r.stdout.startswith("OK"):
            failures.append("exit status for a clean file: %d %r" % (r.returncode, r.stdout))
        r = run([harrier, "triage", *T, v["flip"]])
        if r.returncode != 1 or not r.stdout.startswith("BAD"):
            failures.append("exit status for a tampered file: %d %r" % (r.returncode, r.stdout))
        r = run([harrier, "triage", *T, os.path.join(d, "does-not-exist"), grub])
        if r.returncode != 2 or "does-not-exist" not in r.stderr or "OK" not in r.stdout:
            failures.append("missing path: rc %d, %r %r" % (r.returncode, r.stdout, r.stderr))
        # Directories: recursion, non-PE files skipped, scanned files never written.
        before = hashlib.sha256(open(v["flip"], "rb").read()).hexdigest()
        r, reports = triage(harrier, [d], *T)
        if any(p.endswith((".pem", ".json", ".cnf")) for p in reports):
            failures.append("non-PE files reported while recursing")
        if v["certpad"] not in reports or k("ca-signed.exe") not in reports:
            failures.append("directory walk missed files: %s" % sorted(reports))
        if hashlib.sha256(open(v["flip"], "rb").read()).hexdigest() != before:
            failures.append("a scanned file was modified")
        print("%-55s %s" % ("exit status, directories, no writes",
                             "ok" if not failures else "see below"))
    finally:
        if not args.keep:
            shutil.rmtree(d, ignore_errors=True)

    for f in failures:
        print("FAIL:", f)
    print("triage: %s" % ("FAILED" if failures else "all cases passed"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
