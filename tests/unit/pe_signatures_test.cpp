// pe.signatures through signatures.cpp and src/authenticode, without pe.cpp: the layout comes
// from authenticode::locate. Real files (the signed corpus, skipped when absent) are checked
// against the values `yara -D` 4.2.3 prints for them; files signed here with osslsigncode and
// openssl-made certificates (skipped without the tools) check the 4.5-only fields, with
// `osslsigncode verify`'s digest comparison as the reference for `verified`.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "authenticode/authenticode.h"
#include "modules/module.h"
#include "modules/pe/signatures.h"

namespace {

namespace fs = std::filesystem;
using harrier::modules::Instance;
using harrier::modules::Module;
using harrier::modules::Object;
namespace ac = harrier::authenticode;

std::vector<uint8_t> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const Module& signatures_module() {
  static const Module m = harrier::modules::make_module(
      "pe_signatures", harrier::modules::pe::signature_decls(), harrier::modules::load_nothing);
  return m;
}

std::unique_ptr<Instance> load(const std::vector<uint8_t>& bytes) {
  const Module& m = signatures_module();
  auto inst = std::make_unique<Instance>(m);
  harrier::modules::pe::SignatureLayout layout;
  if (auto l = ac::locate(bytes)) {
    layout.checksum_offset = l->checksum_offset;
    layout.security_entry_offset = l->security_entry_offset;
    layout.security_offset = l->table_offset;
    layout.security_size = l->table_size;
  }
  harrier::modules::pe::fill_signatures(inst->root, bytes.data(), bytes.size(), layout);
  return inst;
}

fs::path corpus(const char* sub) {
  const char* home = std::getenv("HOME");
  return fs::path(home ? home : "/root") / ".cache/harrier/corpus" / sub;
}

const Object& sig(const Instance& inst, size_t k) {
  return *inst.root["signatures"].item(k);
}

struct Expected {
  const char* thumbprint;
  const char* issuer;
  const char* subject;
  const char* serial;
  int64_t not_before, not_after;
};

void expect_signing_cert(const Object& s, const Expected& e) {
  EXPECT_EQ(s["thumbprint"].string_value(), e.thumbprint);
  EXPECT_EQ(s["issuer"].string_value(), e.issuer);
  EXPECT_EQ(s["subject"].string_value(), e.subject);
  EXPECT_EQ(s["version"].int_value(), 3);
  EXPECT_EQ(s["algorithm"].string_value(), "sha256WithRSAEncryption");
  EXPECT_EQ(s["algorithm_oid"].string_value(), "1.2.840.113549.1.1.11");
  EXPECT_EQ(s["serial"].string_value(), e.serial);
  EXPECT_EQ(s["not_before"].int_value(), e.not_before);
  EXPECT_EQ(s["not_after"].int_value(), e.not_after);
}

// Values from `yara -D` (4.2.3) on the corpus files.
TEST(PeSignatures, ShimHasTwoMicrosoftSignatures) {
  fs::path f = corpus("signed") / "shimx64.efi.signed";
  if (!fs::exists(f)) GTEST_SKIP() << "no signed corpus (scripts/corpus)";
  auto inst = load(read_file(f));
  ASSERT_EQ(inst->root["number_of_signatures"].int_value(), 2);
  expect_signing_cert(
      sig(*inst, 0),
      {"78445f8373dd4a171e00c9d968a533fb4dfab391",
       "/C=US/ST=Washington/L=Redmond/O=Microsoft Corporation/CN=Microsoft Corporation UEFI CA "
       "2011",
       "/C=US/ST=Washington/L=Redmond/O=Microsoft Corporation/CN=Microsoft Windows UEFI Driver "
       "Publisher",
       "33:00:00:00:70:8c:c3:64:d7:55:5a:27:5e:00:01:00:00:00:70", 1773344119, 1782502519});
  expect_signing_cert(
      sig(*inst, 1),
      {"70d0c0eda8ec43006c6b617a0ca64f2caf6d64ed",
       "/C=US/O=Microsoft Corporation/CN=Microsoft UEFI CA 2023",
       "/C=US/ST=Washington/L=Redmond/O=Microsoft Corporation/CN=Microsoft UEFI CA 2023 signer",
       "33:00:00:00:04:0a:37:c7:dd:94:36:a7:cf:00:00:00:00:00:04", 1753381363, 1784830963});
  // osslsigncode verify: both signatures' digests match the file.
  for (size_t k = 0; k < 2; ++k) {
    const Object& s = sig(*inst, k);
    EXPECT_EQ(s["verified"].int_value(), 1) << k;
    EXPECT_EQ(s["digest_alg"].string_value(), "sha256");
    EXPECT_EQ(s["digest"].string_value(), s["file_digest"].string_value());
    EXPECT_GE(s["signer_info"]["length_of_chain"].int_value(), 1);
    EXPECT_EQ(s["signer_info"]["chain"].item(0)->member(0).string_value(),
              s["thumbprint"].string_value());
  }
  EXPECT_EQ(inst->root["is_signed"].int_value(), 1);
}

TEST(PeSignatures, DebianSignedKernelAndGrub) {
  // The kernel is whichever Debian ships today (scripts/corpus fetches the current one).
  fs::path kernel;
  std::error_code ec;
  for (fs::directory_iterator it(corpus("signed"), ec), end; !ec && it != end; it.increment(ec))
    if (it->path().filename().string().rfind("vmlinuz-", 0) == 0) kernel = it->path();
  fs::path grub = corpus("signed") / "grubx64.efi.signed";
  if (!fs::exists(kernel) || !fs::exists(grub)) GTEST_SKIP() << "no signed corpus";
  auto k = load(read_file(kernel));
  ASSERT_EQ(k->root["number_of_signatures"].int_value(), 1);
  expect_signing_cert(
      sig(*k, 0),
      {"e2c8e46c1881fe94b2314325527abd6ea9626410", "/CN=Debian Secure Boot CA",
       "/CN=Debian Secure Boot Signer 2022 - linux",
       "32:a0:28:7f:84:1a:03:6f:a3:93:c1:e0:65:c4:3a:e6:b2:42:26:43", 1660843957, 1976203957});
  EXPECT_EQ(sig(*k, 0)["verified"].int_value(), 1);
  EXPECT_EQ(k->root["is_signed"].int_value(), 1);
  auto g = load(read_file(grub));
  ASSERT_EQ(g->root["number_of_signatures"].int_value(), 1);
  expect_signing_cert(
      sig(*g, 0),
      {"43b16df6629587bc877154bb7dbbb6d8c23ef9a8", "/CN=Debian Secure Boot CA",
       "/CN=Debian Secure Boot Signer 2022 - grub2",
       "32:a0:28:7f:84:1a:03:6f:a3:93:c1:e0:65:c4:3a:e6:b2:42:26:42", 1660843954, 1976203954});
  EXPECT_EQ(sig(*g, 0)["verified"].int_value(), 1);
}

TEST(PeSignatures, UnsignedCorpusHasNoSignatures) {
  fs::path dir = corpus("pe");
  if (!fs::exists(dir)) GTEST_SKIP() << "no pe corpus";
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (++files > 60) break;
    auto inst = load(read_file(e.path()));
    EXPECT_EQ(inst->root["is_signed"].int_value(), 0) << e.path();
    const Object& n = inst->root["number_of_signatures"];
    if (n.defined()) {
      EXPECT_EQ(n.int_value(), 0) << e.path();
    }
  }
}

// Truncations and byte flips of a signed file: no crash, and nothing verifies once the
// signed bytes change.
TEST(PeSignatures, DamagedFilesDoNotCrash) {
  fs::path f = corpus("signed") / "shimx64.efi.signed";
  if (!fs::exists(f)) GTEST_SKIP() << "no signed corpus";
  std::vector<uint8_t> bytes = read_file(f);
  auto l = ac::locate(bytes);
  ASSERT_TRUE(l);
  std::mt19937 rng(7);
  for (int round = 0; round < 40; ++round) {
    std::vector<uint8_t> b = bytes;
    size_t at = l->table_offset + rng() % (b.size() - l->table_offset);
    b[at] ^= static_cast<uint8_t>(1 + rng() % 255);
    if (round % 4 == 0) b.resize(l->table_offset + rng() % (b.size() - l->table_offset));
    auto inst = load(b);
    (void)inst;
    ac::read_certificate_table(b, *l);
  }
}

// --- files signed here ---

class SignedHere : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fs::path src = corpus("pe") / "wmi.dll";
    if (!fs::exists(src) || std::system("command -v osslsigncode >/dev/null 2>&1") != 0 ||
        std::system("command -v openssl >/dev/null 2>&1") != 0)
      return;
    dir_ = fs::temp_directory_path() / ("harrier-sig-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "make.sh") << kScript;
    std::string cmd = "cd '" + dir_.string() + "' && bash make.sh '" + src.string() + "'";
    ok_ = std::system(cmd.c_str()) == 0;
  }
  static void TearDownTestSuite() {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  void SetUp() override {
    if (!ok_) GTEST_SKIP() << "needs osslsigncode, openssl and the pe corpus";
  }
  static std::unique_ptr<Instance> signed_file(const char* name) {
    return load(read_file(dir_ / name));
  }

  static inline fs::path dir_;
  static inline bool ok_ = false;
  static constexpr const char* kScript = R"(set -e
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
)";
};

TEST_F(SignedHere, PrivateCaChain) {
  auto inst = signed_file("ca-signed.exe");
  ASSERT_EQ(inst->root["number_of_signatures"].int_value(), 1);
  const Object& s = sig(*inst, 0);
  EXPECT_EQ(s["subject"].string_value(), "/C=US/O=Harrier Test/CN=Harrier Code Signer");
  EXPECT_EQ(s["issuer"].string_value(), "/C=US/O=Harrier Test/CN=Harrier Test CA");
  EXPECT_EQ(s["serial"].string_value(), "00:f1:e2:d3:c4:b5:a6:97:88");
  EXPECT_EQ(s["verified"].int_value(), 1);  // not trusted, but verified as YARA means it
  EXPECT_EQ(s["number_of_certificates"].int_value(), 2);
  EXPECT_EQ(s["signer_info"]["program_name"].string_value(), "Harrier Program");
  EXPECT_EQ(s["signer_info"]["digest_alg"].string_value(), "sha256");
  EXPECT_EQ(s["signer_info"]["length_of_chain"].int_value(), 2);
  EXPECT_EQ(s["number_of_countersignatures"].int_value(), 0);
  EXPECT_EQ(inst->root["is_signed"].int_value(), 1);
}

TEST_F(SignedHere, SelfSignedSha1WithSlashInName) {
  auto inst = signed_file("self-signed.exe");
  const Object& s = sig(*inst, 0);
  EXPECT_EQ(s["digest_alg"].string_value(), "sha1");
  EXPECT_EQ(s["subject"].string_value(), "/CN=Harrier Self-Signed/O=A\\/B Corp");
  EXPECT_EQ(s["serial"].string_value(), "07");
  EXPECT_EQ(s["verified"].int_value(), 1);
  EXPECT_EQ(s["signer_info"]["length_of_chain"].int_value(), 1);
  EXPECT_FALSE(s["signer_info"]["program_name"].defined());
}

TEST_F(SignedHere, ExpiredStillVerifies) {
  auto inst = signed_file("expired.exe");
  const Object& s = sig(*inst, 0);
  EXPECT_EQ(s["not_before"].int_value(), 1577836800);
  EXPECT_EQ(s["not_after"].int_value(), 1609459200);
  EXPECT_EQ(s["verified"].int_value(), 1);
}

TEST_F(SignedHere, Rfc3161Timestamp) {
  auto inst = signed_file("timestamped.exe");
  const Object& s = sig(*inst, 0);
  ASSERT_EQ(s["number_of_countersignatures"].int_value(), 1);
  const Object& c = *s["countersignatures"].item(0);
  EXPECT_EQ(c["sign_time"].int_value(), 1700000000);
  EXPECT_EQ(c["verified"].int_value(), 1);
  EXPECT_EQ(c["length_of_chain"].int_value(), 1);
  // The token's certificate joins the signature's (YARA 4.5.0).
  EXPECT_GT(s["number_of_certificates"].int_value(), 2);
}

TEST_F(SignedHere, NestedSignature) {
  auto inst = signed_file("nested.exe");
  ASSERT_EQ(inst->root["number_of_signatures"].int_value(), 2);
  EXPECT_EQ(sig(*inst, 0)["digest_alg"].string_value(), "sha256");
  EXPECT_EQ(sig(*inst, 1)["digest_alg"].string_value(), "sha512");
  EXPECT_EQ(sig(*inst, 1)["verified"].int_value(), 1);
  EXPECT_EQ(sig(*inst, 1)["file_digest"].string_value().size(), 128u);
}

TEST_F(SignedHere, TamperedDigestMismatch) {
  auto inst = signed_file("tampered.exe");
  const Object& s = sig(*inst, 0);
  EXPECT_EQ(s["verified"].int_value(), 0);
  EXPECT_NE(s["digest"].string_value(), s["file_digest"].string_value());
  EXPECT_EQ(inst->root["is_signed"].int_value(), 0);
}

TEST(Authenticode, TableFindings) {
  fs::path f = corpus("signed") / "shimx64.efi.signed";
  if (!fs::exists(f)) GTEST_SKIP() << "no signed corpus";
  std::vector<uint8_t> bytes = read_file(f);
  auto l = ac::locate(bytes);
  ASSERT_TRUE(l);
  ac::CertificateTable t = ac::read_certificate_table(bytes, *l);
  EXPECT_EQ(t.entries.size(), 2u);
  EXPECT_TRUE(t.findings.empty());
  // Appending data after the PKCS#7 inside the entry (CVE-2013-3900) is reported.
  std::vector<uint8_t> padded = bytes;
  uint32_t len = t.entries[1].length;
  ac::PeLayout pl = *l;
  for (int k = 0; k < 64; ++k) padded.push_back(0x41);
  uint32_t new_len = len + 64;
  for (int k = 0; k < 4; ++k) padded[t.entries[1].offset + k] = (new_len >> (8 * k)) & 0xff;
  pl.table_size += 64;
  ac::CertificateTable t2 = ac::read_certificate_table(padded, pl);
  ASSERT_EQ(t2.entries.size(), 2u);
  EXPECT_NE(std::find(t2.findings.begin(), t2.findings.end(), ac::Finding::kDataAfterPkcs7),
            t2.findings.end());
}

}  // namespace
