#!/usr/bin/env python3
"""End-to-end test of `harrier hunt` on a synthetic Windows tree.

The tree holds no malware. It has real benign files (libwine's DLLs and .sys drivers from
scripts/corpus, when the corpus can be fetched), harmless files planted with the public
indicators the hunt looks for (names, strings, addresses; no code), benign look-alikes that
must NOT be flagged, and an offline SYSTEM hive built here: a minimal regf file written by
minimal_hive() below, then filled with `hivexregedit --merge` (libwin-hivex-perl).

Checks: the expected (path, finding) pairs are present; the look-alikes and libwine's files
carry no finding beyond what is true of them (libwine's drivers are unsigned); the exit
status (1 with findings, 0 on a clean tree, 2 on a bad command line); the JSON verdict; the
rule pack compiles with yara and fires on neither libwine nor /usr/bin; and the HTML report
is self-contained, escapes hostile file names and renders in headless Chromium (skipped with
a note when Chromium cannot run).

Usage: test_hunt.py --harrier BIN [--corpus DIR] [--keep DIR]
"""
import argparse
import hashlib
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
FAILURES = []


def check(condition, message):
    print(("ok   " if condition else "FAIL ") + message)
    if not condition:
        FAILURES.append(message)


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def wide(text):
    return text.encode("utf-16-le")


def minimal_hive(path):
    """An empty regf hive: header, one hbin with a security cell and the root key."""
    hbin = bytearray(4096)
    hbin[0:4] = b"hbin"
    struct.pack_into("<II", hbin, 4, 0, 4096)
    sd = struct.pack("<BBHIIII", 1, 0, 0x8004, 0, 0, 0, 0)  # self-relative, empty
    sk_off = 0x20
    sk_body = b"sk" + struct.pack("<HIIII", 0, sk_off, sk_off, 1, len(sd)) + sd
    sk = struct.pack("<i", -((4 + len(sk_body) + 7) // 8 * 8)) + sk_body
    sk += b"\0" * ((-len(sk)) % 8)
    nk_off = sk_off + len(sk)
    name = b"ROOT"
    nk_body = b"nk" + struct.pack("<HqIIIIIIIIIIHHIIIIHH", 0x2C, 0, 0, 0xFFFFFFFF, 0, 0,
                                  0xFFFFFFFF, 0xFFFFFFFF, 0, 0xFFFFFFFF, sk_off, 0xFFFFFFFF,
                                  0, 0, 0, 0, 0, 0, len(name), 0) + name
    nk = struct.pack("<i", -((4 + len(nk_body) + 7) // 8 * 8)) + nk_body
    nk += b"\0" * ((-len(nk)) % 8)
    cells = sk + nk
    hbin[0x20:0x20 + len(cells)] = cells
    free_off = 0x20 + len(cells)
    struct.pack_into("<i", hbin, free_off, 4096 - free_off)  # the rest is one free cell
    header = bytearray(4096)
    header[0:4] = b"regf"
    struct.pack_into("<IIqIIIIIII", header, 4, 1, 1, 0, 1, 3, 0, 1, nk_off, 4096, 1)
    csum = 0
    for i in range(0, 0x1FC, 4):
        csum ^= struct.unpack_from("<I", header, i)[0]
    struct.pack_into("<I", header, 0x1FC, csum)
    write(path, bytes(header + hbin))


def reg_hex(data):
    return ",".join("%02x" % b for b in data)


def build_hive(path, rng):
    if shutil.which("hivexregedit") is None:
        return False
    minimal_hive(path)
    random_config = bytes(rng.getrandbits(8) for _ in range(512))
    structured = (b"\x01\x00\x00\x00" + b"\x00" * 12) * 32  # 512 bytes, low entropy
    reg = "\r\n".join([
        "Windows Registry Editor Version 5.00", "",
        r"[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001]", "",
        r"[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services]", "",
        # Planted: Duqu's service with an encrypted FILTER value (Metasploit duqu_check).
        r"[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\JmiNET3]",
        '"Type"=dword:00000001', '"Start"=dword:00000001',
        r'"ImagePath"="\\??\\C:\\Windows\\System32\\Drivers\\jminet7.sys"',
        '"FILTER"=hex:' + reg_hex(random_config), "",
        # Planted: an unknown driver service holding encrypted-looking configuration.
        r"[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\netsvcx]",
        '"Type"=dword:00000001', '"Data"=hex:' + reg_hex(bytes(rng.getrandbits(8) for _ in range(300))), "",
        # Benign: ordinary driver services, a structured binary value, a text description.
        r"[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\Beep]",
        '"Type"=dword:00000001', '"Start"=dword:00000001',
        '"Description"="Beep driver that makes the PC speaker beep; nothing unusual here at all"',
        '"FailureActions"=hex:' + reg_hex(structured), "",
        # Benign: a user-mode service with random-looking data is not a driver config.
        r"[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\CryptSvc]",
        '"Type"=dword:00000020', '"Seed"=hex:' + reg_hex(bytes(rng.getrandbits(8) for _ in range(256))), "",
        ""])
    reg_path = path + ".reg"
    write(reg_path, reg)
    subprocess.run(["hivexregedit", "--merge", "--prefix", r"HKEY_LOCAL_MACHINE\SYSTEM", path,
                    reg_path], check=True)
    os.unlink(reg_path)
    return True


def find_corpus(explicit):
    if explicit:
        return explicit
    try:
        out = subprocess.run([os.path.join(REPO, "scripts", "corpus")], capture_output=True,
                             text=True, timeout=600)
        if out.returncode == 0:
            return out.stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        pass
    return None


def build_tree(root, corpus, rng):
    """Returns (expected pairs, paths that must carry no finding, user IOC file)."""
    win = os.path.join(root, "WINDOWS")  # upper case: the hunt must resolve Windows\inf anyway
    drivers = os.path.join(win, "System32", "drivers")
    inf = os.path.join(win, "Inf")
    temp = os.path.join(root, "Users", "alice", "AppData", "Local", "Temp")
    docs = os.path.join(root, "Users", "alice", "Documents")
    os.makedirs(drivers)
    os.makedirs(inf)
    expected, clean = [], []

    wine_drivers, wine_other = [], []
    if corpus:
        pe = os.path.join(corpus, "pe")
        for name in sorted(os.listdir(pe)):
            if name.endswith(".sys"):
                shutil.copy(os.path.join(pe, name), drivers)
                wine_drivers.append("WINDOWS/System32/drivers/" + name)
            elif name.endswith(".dll") and len(wine_other) < 60:
                shutil.copy(os.path.join(pe, name), os.path.join(win, "System32"))
                wine_other.append("WINDOWS/System32/" + name)
        clean += wine_other

    # 1-3. A planted Duqu driver: JMicron masquerade strings, a Duqu driver name, no code.
    write(os.path.join(drivers, "jminet7.sys"),
          b"planted test file, not a driver\0" + wide("JMicron Volume Snapshot Driver") +
          b"\0\0" + wide("\\DosDevices\\GpdDev") + b"\0\0" + wide("\\Device\\Gpd0"))
    expected += [("WINDOWS/System32/drivers/jminet7.sys", "rule:Duqu_Driver_JMicron_Masquerade"),
                 ("WINDOWS/System32/drivers/jminet7.sys", "ioc-filename"),
                 ("WINDOWS/System32/drivers/jminet7.sys", "unsigned-driver")]
    # 4. A planted Stuxnet driver name with Stuxnet component strings.
    write(os.path.join(drivers, "mrxcls.sys"),
          b"planted test file\0%SystemRoot%\\inf\\oem7A.PNF\0~WTR4141.tmp\0")
    expected += [("WINDOWS/System32/drivers/mrxcls.sys", "ioc-filename"),
                 ("WINDOWS/System32/drivers/mrxcls.sys", "rule:Stuxnet_Component_Strings")]
    # A driver signed during the test with a throw-away certificate named like the Foxconn
    # (Hon Hai) certificate Duqu 2.0 used: known-abused-certificate, via triage's list.
    if corpus and shutil.which("openssl") and shutil.which("osslsigncode"):
        keys = tempfile.mkdtemp(prefix="harrier-hunt-keys-")
        try:
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days",
                            "30", "-subj", "/O=Hon Hai Precision Industry/CN=Hon Hai Precision "
                            "Industry", "-keyout", os.path.join(keys, "k.pem"), "-out",
                            os.path.join(keys, "c.pem")], check=True, capture_output=True)
            subprocess.run(["osslsigncode", "sign", "-certs", os.path.join(keys, "c.pem"),
                            "-key", os.path.join(keys, "k.pem"), "-in",
                            os.path.join(corpus, "pe", "ndis.sys"), "-out",
                            os.path.join(drivers, "foxgw64.sys")], check=True,
                           capture_output=True)
            expected.append(("WINDOWS/System32/drivers/foxgw64.sys", "known-abused-certificate"))
        except subprocess.CalledProcessError as e:
            print("note: could not sign a test driver; skipped (%s)" % e)
        finally:
            shutil.rmtree(keys, ignore_errors=True)

    # 5. A Duqu 2.0 gateway-driver trace outside the drivers folder.
    write(os.path.join(root, "ProgramData", "cache", "blob.bin"),
          b"planted\0" + wide("\\DosDevices\\port_optimizer") + b"\0\0romanian.antihacker\0")
    expected.append(("ProgramData/cache/blob.bin", "rule:Duqu2_Gateway_Driver"))

    # 6-7. An encrypted PNF without its INF; benign PNFs with their INFs.
    write(os.path.join(inf, "netp191.pnf"), bytes(rng.getrandbits(8) for _ in range(16384)))
    expected += [("WINDOWS/Inf/netp191.pnf", "pnf-without-inf"),
                 ("WINDOWS/Inf/netp191.pnf", "pnf-high-entropy")]
    pnf_text = wide("[Version]\r\nSignature=\"$Windows NT$\"\r\nClass=Modem\r\n" * 40)
    for stem in ("mdmgen", "oem6C"):  # oem6C.PNF is also a Stuxnet name: with its INF it is not
        write(os.path.join(inf, stem + ".inf"), "[Version]\r\nSignature=\"$Windows NT$\"\r\n")
        write(os.path.join(inf, stem + ".PNF"), b"\x01\x01\x02\x00" + pnf_text)
        clean += ["WINDOWS/Inf/%s.PNF" % stem, "WINDOWS/Inf/%s.inf" % stem]

    # 8. Keylogger output; Office's ~DF temp files are benign. The second ~DQ name is hostile
    # markup, for the HTML escaping check.
    write(os.path.join(temp, "~DQ1234.tmp"), bytes(rng.getrandbits(8) for _ in range(2048)))
    write(os.path.join(temp, "~DQ<img src=x onerror=alert(1)>.tmp"), b"x")
    write(os.path.join(temp, "~DF1234.tmp"), b"\xd0\xcf\x11\xe0 office scratch")
    write(os.path.join(temp, "~WRD0001.tmp"), b"word scratch")
    expected.append(("Users/alice/AppData/Local/Temp/~DQ1234.tmp", "duqu-temp-file"))
    clean += ["Users/alice/AppData/Local/Temp/~DF1234.tmp",
              "Users/alice/AppData/Local/Temp/~WRD0001.tmp"]

    # 9. A proxy log with Duqu's C&C address; a look-alike log with near misses.
    write(os.path.join(root, "inetpub", "logs", "proxy.log"),
          "2011-10-12 10:01:02 CONNECT 206.183.111.97:443 200\n")
    write(os.path.join(root, "inetpub", "logs", "other.log"),
          "2011-10-12 10:01:02 CONNECT 206.183.111.98:443 200\nfrom 177.241.93.160 and "
          "77.241.93.1600\n")
    expected.append(("inetpub/logs/proxy.log", "ioc-network"))
    clean.append("inetpub/logs/other.log")

    # 10. The installer document with the Dexter font (UTF-16BE as in a TrueType name
    # table); a benign Word document.
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    write(os.path.join(docs, "invitation.doc"),
          ole + "Dexter Regular".encode("utf-16-be") + b"\0\0" + "Showtime Inc.".encode("utf-16-be"))
    write(os.path.join(docs, "minutes.doc"), ole + wide("Times New Roman") + b"Dexter's lab")
    expected.append(("Users/alice/Documents/invitation.doc", "rule:Duqu_Installer_Document_Dexter_Font"))
    clean.append("Users/alice/Documents/minutes.doc")

    # 11. The SYSTEM hive.
    hive = os.path.join(win, "System32", "config", "SYSTEM")
    if build_hive(hive, rng):
        expected.append(("WINDOWS/System32/config/SYSTEM", "registry-service-config"))
    else:
        print("note: hivexregedit not found; the registry expectation is skipped")

    # User IOCs: a hash, a domain, a file name.
    implant = b"harmless stand-in for a case-specific implant\n"
    write(os.path.join(root, "ProgramData", "svc", "update.dat"), implant)
    write(os.path.join(root, "ProgramData", "svc", "settings.ini"),
          "[net]\nserver=cdn.evil-example.net\n")
    write(os.path.join(root, "ProgramData", "svc", "custom-implant.dll"), b"MZ planted")
    second = b"another harmless stand-in\n"
    write(os.path.join(root, "ProgramData", "svc", "helper.bin"), second)
    third = b"a third harmless stand-in\n"
    write(os.path.join(root, "ProgramData", "svc", "helper2.bin"), third)
    write(os.path.join(root, "inetpub", "logs", "fw6.log"),
          "deny tcp 2001:db8:dead:beef::17 443\n")
    ioc_file = os.path.join(os.path.dirname(root), "case-iocs.txt")
    write(ioc_file, "# case indicators\n%s;stand-in implant\ncdn.evil-example.net;case C&C\n"
          "custom-implant.dll;case implant name\nnot an indicator at all!\n"
          "%s ; md5 of a stand-in\n%s\n2001:db8:dead:beef::17;case IPv6 C&C\n"
          % (hashlib.sha256(implant).hexdigest(), hashlib.md5(second).hexdigest(),
             hashlib.sha1(third).hexdigest().upper()))
    expected += [("ProgramData/svc/helper.bin", "ioc-hash"),
                 ("ProgramData/svc/helper2.bin", "ioc-hash"),
                 ("inetpub/logs/fw6.log", "ioc-network")]

    # A symbolic link out of ROOT is neither followed nor scanned.
    outside = os.path.join(os.path.dirname(root), "outside")
    write(os.path.join(outside, "~DQ9999.tmp"), b"outside ROOT")
    os.symlink(outside, os.path.join(root, "Users", "link"))
    clean.append("Users/link/~DQ9999.tmp")
    expected += [("ProgramData/svc/update.dat", "ioc-hash"),
                 ("ProgramData/svc/settings.ini", "ioc-network"),
                 ("ProgramData/svc/custom-implant.dll", "ioc-filename")]
    return expected, clean, wine_drivers, ioc_file


def authentihash(data):
    """SHA-256 of an unsigned PE less CheckSum and the security directory entry."""
    e_lfanew = struct.unpack_from("<I", data, 0x3C)[0]
    checksum = e_lfanew + 24 + 64
    magic = struct.unpack_from("<H", data, e_lfanew + 24)[0]
    security = e_lfanew + 24 + (144 if magic == 0x20B else 128)
    digest = hashlib.sha256()
    digest.update(data[:checksum])
    digest.update(data[checksum + 4:security])
    digest.update(data[security + 8:])
    return digest.digest()


def catalog_check(harrier, corpus, work):
    """With CatRoot catalogs present, a covered driver is fine and an uncovered driver that
    names Microsoft in its version information is an impersonation."""
    root = os.path.join(work, "catalogs")
    drivers = os.path.join(root, "Windows", "System32", "drivers")
    os.makedirs(drivers)
    for name in ("ndis.sys", "ksecdd.sys"):  # ksecdd.sys's version info names Microsoft
        shutil.copy(os.path.join(corpus, "pe", name), drivers)
    ndis = open(os.path.join(drivers, "ndis.sys"), "rb").read()
    # A real catalog (a signed certificate trust list, as MakeCat writes one) listing ndis.sys,
    # signed by a throw-away self-signed certificate: triage verifies the catalog's signature.
    sys.path.insert(0, os.path.join(HERE, "..", "triage"))
    from test_triage import make_ctl  # noqa: E402 (shared with the triage test)
    ctl = os.path.join(work, "ctl.der")
    write(ctl, make_ctl([authentihash(ndis)]))
    key, cert = os.path.join(work, "cat.key"), os.path.join(work, "cat.pem")
    run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out",
         cert, "-days", "30", "-subj", "/CN=Harrier Test Catalog Signer"])
    catalog = os.path.join(root, "Windows", "System32", "CatRoot",
                           "{F750E6C3-38EE-11D1-85E5-00C04FC295EE}", "nt5.cat")
    os.makedirs(os.path.dirname(catalog), exist_ok=True)
    run(["openssl", "cms", "-sign", "-binary", "-nodetach", "-outform", "DER",
         "-econtent_type", "1.3.6.1.4.1.311.10.1", "-in", ctl, "-signer", cert, "-inkey", key,
         "-out", catalog])
    out = run([harrier, "hunt", "--format=ndjson", root])
    findings = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    codes = lambda name: {f["finding"] for f in findings if f["path"].endswith("/" + name)}
    check(codes("ndis.sys") == set(), "catalog-covered driver not flagged (got %s)"
          % sorted(codes("ndis.sys")))
    check(codes("ksecdd.sys") == {"unsigned-driver", "publisher-impersonation"},
          "uncovered driver naming Microsoft: unsigned-driver + publisher-impersonation (got %s)"
          % sorted(codes("ksecdd.sys")))


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=900, **kw)


def png_is_nontrivial(path):
    with open(path, "rb") as f:
        data = f.read()
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return False, "not a PNG"
    pos, idat, width, height, bpp = 8, b"", 0, 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            bpp = {2: 3, 6: 4, 0: 1, 4: 2}.get(color, 4) * depth // 8
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = 1 + width * bpp
    rows = {raw[i * stride + 1:(i + 1) * stride] for i in range(height)}
    return len(rows) > 50 and len(data) > 20000, "%dx%d, %d bytes, %d distinct rows" % (
        width, height, len(data), len(rows))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--harrier", required=True)
    parser.add_argument("--corpus")
    parser.add_argument("--keep", help="keep the tree and reports here")
    args = parser.parse_args()
    harrier = os.path.abspath(args.harrier)
    rng = random.Random(6)
    corpus = find_corpus(args.corpus)
    if not corpus:
        print("note: no libwine corpus (scripts/corpus failed); benign PE files are skipped")

    work = args.keep or tempfile.mkdtemp(prefix="harrier-hunt-")
    if args.keep:
        shutil.rmtree(work, ignore_errors=True)
    root = os.path.join(work, "mnt")
    os.makedirs(root)
    try:
        expected, clean, wine_drivers, ioc_file = build_tree(root, corpus, rng)

        # The issue's own spelling: `--format ndjson --ioc FILE` (GNU style) works too.
        out = run([harrier, "hunt", "--format", "ndjson", "--ioc", ioc_file, root])
        check(out.returncode == 1, "exit status 1 with findings (got %d; stderr %s)"
              % (out.returncode, out.stderr.strip()[:300]))
        findings = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
        check(all({"path", "finding", "score", "detail"} <= set(f) for f in findings),
              "every ndjson object has path, finding, score and detail")
        pairs = {(f["path"], f["finding"]) for f in findings}
        for path, code in expected:
            check((path, code) in pairs, "found %s on %s" % (code, path))
        flagged = {f["path"] for f in findings}
        for path in clean:
            check(path not in flagged, "benign look-alike not flagged: " + path)
        for path in wine_drivers:
            codes = {f["finding"] for f in findings if f["path"] == path}
            check(codes <= {"unsigned-driver"},
                  "libwine driver %s: only unsigned-driver (got %s)" % (path, sorted(codes)))
        check("not an indicator" in out.stderr, "a bad IOC line is reported on stderr")
        hive_details = " ".join(f["detail"] for f in findings
                                if f["path"] == "WINDOWS/System32/config/SYSTEM")
        if hive_details:
            check("JmiNET3" in hive_details and "netsvcx" in hive_details,
                  "registry: the known service and the encrypted driver config are reported")
            check("Beep" not in hive_details and "CryptSvc" not in hive_details,
                  "registry: ordinary services and user-mode service data are not flagged")

        out = run([harrier, "hunt", "--format=json", "-q", "--ioc=" + ioc_file, root])
        doc = json.loads(out.stdout)
        check(doc["verdict"] == "alert" and doc["reasons"], "JSON: system verdict alert with reasons")
        scores = {f["path"]: f for f in doc["files"]}
        check(scores.get("WINDOWS/Inf/netp191.pnf", {}).get("verdict") == "warning",
              "a PNF without INF and with high entropy is a warning on its own")

        html_path = os.path.join(work, "report.html")
        out = run([harrier, "hunt", "--format=html", "-q", "-o", html_path, "--ioc=" + ioc_file, root])
        check(out.returncode == 1 and os.path.getsize(html_path) > 5000, "HTML report written")
        html = open(html_path, encoding="utf-8").read()
        check("<img src=x" not in html and "&lt;img src=x" in html, "hostile file names are escaped")
        check("<script" not in html and "src=\"http" not in html and "<link" not in html,
              "the HTML report is self-contained (no scripts, no external resources)")
        check("Detections and their public sources" in html and
              "https://archive.f-secure.com/weblog/archives/00002257.html" in html,
              "the closing note lists the detections with their public sources")
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        if chromium:
            png = os.path.join(work, "report.png")
            shot = run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                        "--hide-scrollbars", "--window-size=1280,1800",
                        "--screenshot=" + png, "file://" + html_path])
            if os.path.exists(png):
                ok, what = png_is_nontrivial(png)
                check(ok, "Chromium renders the report (%s)" % what)
            else:
                print("note: chromium could not take a screenshot; skipped (%s)"
                      % shot.stderr.strip()[-200:])
        else:
            print("note: chromium not installed; screenshot skipped")

        if corpus:
            catalog_check(harrier, corpus, work)

        # A clean tree: only the benign files.
        clean_root = os.path.join(work, "clean")
        os.makedirs(os.path.join(clean_root, "Windows", "inf"))
        write(os.path.join(clean_root, "Windows", "inf", "mdmgen.inf"), "[Version]\r\n")
        write(os.path.join(clean_root, "Windows", "inf", "mdmgen.PNF"), b"\x01\x01" + wide("[Version]" * 100))
        write(os.path.join(clean_root, "Temp", "~DF1234.tmp"), b"office")
        out = run([harrier, "hunt", "--format=ndjson", clean_root])
        check(out.returncode == 0 and out.stdout == "", "exit status 0 and no output on a clean tree")
        out = run([harrier, "hunt", "--format=bogus", clean_root])
        check(out.returncode == 2, "exit status 2 on a bad command line")
        out = run([harrier, "hunt", os.path.join(work, "missing")])
        check(out.returncode == 2, "exit status 2 when ROOT does not exist")

        # The rule pack: compiles with yara 4.2.3 and fires on no benign file.
        pack = os.path.join(REPO, "rules", "duqu.yar")
        if shutil.which("yara"):
            out = run(["yara", pack, "/dev/null"])
            check(out.returncode == 0 and not out.stderr, "yara compiles rules/duqu.yar")
        targets = ([os.path.join(corpus, "pe")] if corpus else []) + ["/usr/bin"]
        for target in targets:
            out = run([harrier, "scan", "-r", pack, target])
            check(out.stdout.strip() == "", "rule pack fires on nothing in " + target +
                  (": " + out.stdout[:300] if out.stdout.strip() else ""))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    print("%d failures" % len(FAILURES))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
