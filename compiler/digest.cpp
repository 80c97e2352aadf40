#include "compiler/digest.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace retort {

namespace {

// The SHA-256 implementation, fetched from OpenSSL's provider once: an
// implicit fetch on every digest (EVP_sha256()) looks it up again under a
// lock, which cost more than hashing a revision file. A constant once made.
const EVP_MD* sha256_md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  const EVP_MD* md = sha256_md();
  if (EVP_Digest(data.data(), data.size(), digest, &length, md ? md : EVP_sha256(), nullptr) != 1 ||
      length != 32) {
    // Never an empty or short digest: it would match anything it is compared with.
    throw std::runtime_error("OpenSSL could not compute a SHA-256 digest");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(2 * length, '0');
  for (unsigned int i = 0; i < length; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 0xF];
  }
  return out;
}

}  // namespace retort
