// See trust.h. OpenSSL objects are held in unique_ptrs; the X509_STORE is filled once while
// the command line is read and only read afterwards (X509_STORE_CTX_init takes its own
// reference), which is what makes `verify` usable from several threads.
#include "triage/trust.h"

#include <dirent.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <sys/stat.h>

#include <climits>
#include <fstream>
#include <iterator>

namespace harrier::triage {

namespace {

constexpr size_t kMaxAnchorFile = 16 << 20;  // a CA bundle, not a disk image

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

X509Ptr from_der(std::span<const uint8_t> der) {
  if (der.empty() || der.size() > INT_MAX) return nullptr;
  const unsigned char* p = der.data();
  return X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

}  // namespace

struct TrustStore::Impl {
  X509_STORE* store = X509_STORE_new();
  ~Impl() { X509_STORE_free(store); }
};

TrustStore::TrustStore() : impl_(std::make_unique<Impl>()) {}
TrustStore::~TrustStore() = default;

bool TrustStore::add(const std::string& path, std::string* error) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    *error = path + ": cannot read trust anchors (no such file or directory)";
    return false;
  }
  if (!S_ISDIR(st.st_mode)) return add_file(path, error);
  DIR* dir = opendir(path.c_str());
  if (!dir) {
    *error = path + ": cannot open directory";
    return false;
  }
  size_t before = anchors_.size();
  while (dirent* e = readdir(dir)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    std::string full = path + "/" + name;
    struct stat fst {};
    if (stat(full.c_str(), &fst) != 0 || !S_ISREG(fst.st_mode)) continue;
    std::string ignored;
    add_file(full, &ignored);  // a README next to the PEMs is not an error
  }
  closedir(dir);
  if (anchors_.size() == before) {
    *error = path + ": no certificates found in directory";
    return false;
  }
  return true;
}

bool TrustStore::add_file(const std::string& path, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = path + ": cannot open";
    return false;
  }
  std::string bytes;
  bytes.resize(kMaxAnchorFile + 1);
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<size_t>(in.gcount()));
  if (bytes.size() > kMaxAnchorFile) {
    *error = path + ": too large for a certificate file";
    return false;
  }
  std::vector<X509Ptr> found;
  // PEM first (possibly a bundle); else a single DER certificate.
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())), BIO_free);
  while (bio) {
    X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (!x) break;
    found.emplace_back(x);
  }
  if (found.empty()) {
    if (X509Ptr x = from_der({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}))
      found.push_back(std::move(x));
  }
  ERR_clear_error();
  if (found.empty()) {
    *error = path + ": no PEM or DER certificate in file";
    return false;
  }
  for (X509Ptr& x : found) {
    X509_STORE_add_cert(impl_->store, x.get());  // a duplicate is not an error
    std::vector<uint8_t> der = authenticode::x509_der(x.get());
    if (auto info = authenticode::certificate_from_der(der)) anchors_.push_back(std::move(*info));
  }
  ERR_clear_error();
  return true;
}

ChainVerdict TrustStore::verify(std::span<const uint8_t> leaf_der,
                                std::span<const std::vector<uint8_t>> pool_der) const {
  ChainVerdict v;
  X509Ptr leaf = from_der(leaf_der);
  if (!leaf) {
    v.error = "signer certificate does not decode";
    return v;
  }
  std::unique_ptr<STACK_OF(X509), void (*)(STACK_OF(X509)*)> pool(
      sk_X509_new_null(), [](STACK_OF(X509) * s) { sk_X509_pop_free(s, X509_free); });
  for (const std::vector<uint8_t>& der : pool_der) {
    if (X509Ptr x = from_der(der)) {
      if (sk_X509_push(pool.get(), x.get())) x.release();
    }
  }
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                      X509_STORE_CTX_free);
  if (!ctx || !X509_STORE_CTX_init(ctx.get(), impl_->store, leaf.get(), pool.get())) {
    v.error = "cannot set up chain verification";
    ERR_clear_error();
    return v;
  }
  X509_STORE_CTX_set_flags(ctx.get(), X509_V_FLAG_NO_CHECK_TIME | X509_V_FLAG_PARTIAL_CHAIN);
  v.trusted = X509_verify_cert(ctx.get()) == 1;
  if (!v.trusted) v.error = X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
  if (STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx.get())) {
    for (int i = 0; i < sk_X509_num(chain); ++i) {
      std::vector<uint8_t> der = authenticode::x509_der(sk_X509_value(chain, i));
      if (auto info = authenticode::certificate_from_der(der)) v.chain.push_back(std::move(*info));
    }
  }
  if (!v.chain.empty()) {
    const authenticode::Certificate& last = v.chain.back();
    v.ended_at = last.subject;
    if (!last.self_signed) v.missing_issuer = last.issuer;
  }
  ERR_clear_error();
  return v;
}

}  // namespace harrier::triage
