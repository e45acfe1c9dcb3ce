#!/usr/bin/env python3
"""pe.signatures: `module_dump pe FILE` against `yara -D` over signed files.

The files are the signed corpus (~/.cache/harrier/corpus/signed) and a few made here with
openssl certificates and osslsigncode (private CA, self-signed, expired, timestamped, nested,
tampered). The installed yara is 4.2.3, so the fields it declares (thumbprint ... not_after
per signature, number_of_signatures) must be identical. For `verified` (4.3+) the reference
is osslsigncode's digest comparison: a signature verifies iff its message digest matches
the file's (trust in the root is not part of YARA's `verified`).

Exits 0 with a message when the corpus, yara or the tools are missing.
usage: pe_signatures_test.py --module-dump PATH [--yara yara]
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

CORPUS = os.path.expanduser("~/.cache/harrier/corpus")
FIELDS_423 = ["thumbprint", "issuer", "subject", "version", "algorithm", "algorithm_oid",
              "serial", "not_before", "not_after"]

MAKE = r"""set -e
src=$1
q() { "$@" >/dev/null 2>&1; }
q openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 3650 -subj "/C=US/O=Harrier Test/CN=Harrier Test CA" -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
q openssl req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr -subj "/C=US/O=Harrier Test/CN=Harrier Code Signer"
printf 'basicConstraints=CA:FALSE\nextendedKeyUsage=codeSigning\n' > leaf.ext
q openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -set_serial 0x00f1e2d3c4b5a69788 -days 3000 -extfile leaf.ext -out leaf.pem
cat leaf.pem ca.pem > chain.pem
q openssl req -x509 -newkey rsa:2048 -nodes -keyout self.key -out self.pem -days 3650 -subj "/CN=Harrier Self-Signed/O=A\/B Corp" -set_serial 7
mkdir -p db && : > db/index.txt && echo 01 > db/serial
printf '[ca]\ndefault_ca=d\n[d]\ndatabase=db/index.txt\nnew_certs_dir=db\nserial=db/serial\npolicy=p\ndefault_md=sha256\ncopy_extensions=copy\n[p]\ncommonName=supplied\n' > ca.cnf
q openssl req -newkey rsa:2048 -nodes -keyout old.key -out old.csr -subj "/CN=Harrier Expired Signer"
q openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in old.csr -out old.pem -startdate 20200101000000Z -enddate 20210101000000Z -notext
cat old.pem ca.pem > oldchain.pem
q openssl req -x509 -newkey rsa:2048 -nodes -keyout tsa.key -out tsa.pem -days 3650 -subj "/CN=Harrier TSA" -addext extendedKeyUsage=critical,timeStamping
sign() { out=$1; shift; q osslsigncode sign "$@" -in "$src" -out "$out"; }
sign ca-signed.exe -certs chain.pem -key leaf.key -n "Harrier Program" -h sha256
sign self-signed.exe -certs self.pem -key self.key -h sha1
sign expired.exe -certs oldchain.pem -key old.key -h sha256
sign timestamped.exe -certs chain.pem -key leaf.key -h sha256 -TSA-certs tsa.pem -TSA-key tsa.key -TSA-time 1700000000
q osslsigncode sign -nest -certs self.pem -key self.key -h sha512 -in ca-signed.exe -out nested.exe
cp ca-signed.exe tampered.exe
printf 'X' | dd of=tampered.exe bs=1 seek=1100 conv=notrunc 2>/dev/null
"""


def signatures(text):
    """The signatures block of a -D dump: a list of {field: value} for the fields directly
    under each [i], plus number_of_signatures and is_signed (None when absent)."""
    sigs, top = [], {}
    lines = text.splitlines()
    in_block = False
    for line in lines:
        if line == "\tsignatures":
            in_block = True
            continue
        if in_block and re.match(r"^\t[^\t]", line):
            in_block = False
        if in_block:
            m = re.match(r"^\t\t\[(\d+)\]$", line)
            if m:
                sigs.append({})
                continue
            m = re.match(r"^\t\t\t([a-z_]+) = (.*)$", line)
            if m and sigs:
                sigs[-1][m.group(1)] = m.group(2)
            continue
        m = re.match(r"^\t(number_of_signatures|is_signed) = (.*)$", line)
        if m:
            top[m.group(1)] = m.group(2)
    return sigs, top


def osslsigncode_digest_matches(path):
    """Per signature, whether osslsigncode found its message digest equal to the file's."""
    r = subprocess.run(["osslsigncode", "verify", "-in", path], capture_output=True, text=True)
    current = re.findall(r"Current message digest\s*:\s*(\S+)", r.stdout)
    calculated = re.findall(r"Calculated message digest\s*:\s*(\S+)", r.stdout)
    return [a == b for a, b in zip(current, calculated)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--module-dump", required=True)
    ap.add_argument("--yara", default="yara")
    args = ap.parse_args()

    signed_dir = os.path.join(CORPUS, "signed")
    if not os.path.isdir(signed_dir):
        print("pe_signatures: skipped, no signed corpus at", signed_dir)
        return 0
    if not shutil.which(args.yara):
        print("pe_signatures: skipped, no yara")
        return 0
    files = sorted(os.path.join(signed_dir, f) for f in os.listdir(signed_dir))

    work = tempfile.mkdtemp(prefix="harrier-pe-sig-")
    try:
        src = os.path.join(CORPUS, "pe", "wmi.dll")
        if shutil.which("osslsigncode") and shutil.which("openssl") and os.path.exists(src):
            with open(os.path.join(work, "make.sh"), "w") as f:
                f.write(MAKE)
            r = subprocess.run(["bash", "make.sh", src], cwd=work)
            if r.returncode == 0:
                files += sorted(os.path.join(work, f) for f in os.listdir(work)
                                if f.endswith(".exe"))
            else:
                print("pe_signatures: could not make test-signed files; corpus only")

        rule = os.path.join(work, "pe.yar")
        with open(rule, "w") as f:
            f.write('import "pe" rule x { condition: false }\n')

        failures = 0
        for path in files:
            name = os.path.basename(path)
            want = subprocess.run([args.yara, "-D", rule, path], capture_output=True,
                                  text=True).stdout
            got = subprocess.run([args.module_dump, "pe", path], capture_output=True,
                                 text=True).stdout
            want_sigs, want_top = signatures(want)
            got_sigs, got_top = signatures(got)
            problems = []
            if "\tsignatures" not in got.splitlines():
                print("pe_signatures: skipped, module_dump's pe does not report signatures yet")
                return 0
            if want_top.get("number_of_signatures") != got_top.get("number_of_signatures"):
                problems.append("number_of_signatures: yara %s, harrier %s" % (
                    want_top.get("number_of_signatures"), got_top.get("number_of_signatures")))
            for k, (w, g) in enumerate(zip(want_sigs, got_sigs)):
                for field in FIELDS_423:
                    if w.get(field) != g.get(field):
                        problems.append("[%d].%s: yara %s, harrier %s" % (
                            k, field, w.get(field), g.get(field)))
            if shutil.which("osslsigncode"):
                matches = osslsigncode_digest_matches(path)
                verified = [g.get("verified") == "1" for g in got_sigs]
                # osslsigncode lists the table's signatures, then nested ones, as harrier does.
                if matches and verified[:len(matches)] != matches:
                    problems.append("verified %s, osslsigncode digest match %s" % (
                        verified, matches))
                want_signed = "1" if any(matches) else "0"
                if matches and got_top.get("is_signed") != want_signed:
                    problems.append("is_signed %s, expected %s" % (
                        got_top.get("is_signed"), want_signed))
            if problems:
                failures += 1
                print("FAIL", name)
                for p in problems:
                    print("   ", p)
            else:
                print("ok  ", name, "(%d signatures)" % len(got_sigs))
        print("pe_signatures: %d files, %d differ" % (len(files), failures))
        return 1 if failures else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
