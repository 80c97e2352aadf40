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
#include <string>

namespace retort {

namespace {

// One digest of `data` by an OpenSSL Init/Update/Final triple.
template <size_t Bytes, class Context, class Init, class Update, class Final>
std::array<unsigned char, Bytes> digest_of(std::string_view data, Init init, Update update,
                                           Final final, const char* name) {
  std::array<unsigned char, Bytes> digest{};
  Context context;
  if (init(&context) != 1 || update(&context, data.data(), data.size()) != 1 ||
      final(digest.data(), &context) != 1) {
    // Never a digest of zeros: it would match anything else that failed.
    throw std::runtime_error(std::string("OpenSSL could not compute a digest: ") + name);
  }
  return digest;
}

}  // namespace

std::array<unsigned char, 32> sha256(std::string_view data) {
  static_assert(SHA256_DIGEST_LENGTH == 32);
  return digest_of<32, SHA256_CTX>(data, SHA256_Init, SHA256_Update, SHA256_Final, "SHA-256");
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
  return digest_of<16, MD5_CTX>(data, MD5_Init, MD5_Update, MD5_Final, "MD5");
}

}  // namespace retort
