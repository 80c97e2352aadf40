#include "compiler/digest.h"

// OpenSSL's own SHA-256 functions, not its EVP interface, which 3.0 marks
// as the one to use: the first EVP digest of a run loads the default
// library context and its providers, 4.5 million instructions (about a
// millisecond, a tenth of `retort lint` on 100 revisions), and each EVP
// digest after it took twice as long as these on a revision-sized input.
// These run the same code (SHA extensions where the CPU has them) and are
// still part of OpenSSL 3's API, deprecated only in favour of EVP.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/md5.h>
#include <openssl/sha.h>

#include <stdexcept>

namespace retort {

std::array<unsigned char, 32> sha256(std::string_view data) {
  static_assert(SHA256_DIGEST_LENGTH == 32);
  std::array<unsigned char, 32> digest{};
  SHA256_CTX context;
  if (SHA256_Init(&context) != 1 || SHA256_Update(&context, data.data(), data.size()) != 1 ||
      SHA256_Final(digest.data(), &context) != 1) {
    // Never a digest of zeros: it would match anything else that failed.
    throw std::runtime_error("OpenSSL could not compute a SHA-256 digest");
  }
  return digest;
}

std::string sha256_hex(std::string_view data) {
  const std::array<unsigned char, 32> digest = sha256(data);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(2 * digest.size(), '0');
  for (size_t i = 0; i < digest.size(); ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 0xF];
  }
  return out;
}

std::array<unsigned char, 16> md5(std::string_view data) {
  static_assert(MD5_DIGEST_LENGTH == 16);
  std::array<unsigned char, 16> digest{};
  MD5_CTX context;
  if (MD5_Init(&context) != 1 || MD5_Update(&context, data.data(), data.size()) != 1 ||
      MD5_Final(digest.data(), &context) != 1) {
    throw std::runtime_error("OpenSSL could not compute an MD5 digest");
  }
  return digest;
}

}  // namespace retort
