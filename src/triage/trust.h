// Trust anchors for triage: the certificates given with `--trust` (PEM or DER files, or
// directories of them), and the one chain check every signature and catalog goes through.
//
// The system CA store is never consulted: it is a TLS store, not a code-signing one, and a
// triage verdict must not depend on which host runs it. With no anchors every chain is
// untrusted, and the report says where it ended so a person can decide.
//
// Time is deliberately not checked here (X509_V_FLAG_NO_CHECK_TIME): Authenticode validity is
// judged at the signing time (a verified timestamp) or now, which is triage's policy, not
// OpenSSL's. Every anchor counts as a root even when it is an intermediate
// (X509_V_FLAG_PARTIAL_CHAIN): the user said to trust it.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "authenticode/authenticode.h"

namespace harrier::triage {

struct ChainVerdict {
  bool trusted = false;
  std::vector<authenticode::Certificate> chain;  // leaf first, as OpenSSL built it
  std::string error;                             // OpenSSL's reason when not trusted
  // Where the chain stopped: its last certificate's subject, and that certificate's issuer
  // when it is not self-signed (an issuer nobody supplied).
  std::string ended_at;
  std::string missing_issuer;
};

class TrustStore {
 public:
  TrustStore();
  ~TrustStore();
  TrustStore(const TrustStore&) = delete;
  TrustStore& operator=(const TrustStore&) = delete;

  // Adds every certificate in a PEM/DER file, or in the regular files of a directory (not
  // recursive). False with *error naming the path when nothing usable was found there.
  bool add(const std::string& path, std::string* error);
  size_t size() const { return anchors_.size(); }
  const std::vector<authenticode::Certificate>& anchors() const { return anchors_; }

  // Builds and checks the chain of `leaf` with `pool` (the embedded certificates) as
  // untrusted intermediates. Safe to call from several threads at once.
  ChainVerdict verify(std::span<const uint8_t> leaf_der,
                      std::span<const std::vector<uint8_t>> pool_der) const;

 private:
  bool add_file(const std::string& path, std::string* error);
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::vector<authenticode::Certificate> anchors_;
};

}  // namespace harrier::triage
