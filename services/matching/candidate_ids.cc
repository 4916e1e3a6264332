#include "services/matching/candidate_ids.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "glog/logging.h"

namespace passerelle::matching {
namespace {

constexpr int kKeyBytes = 32;
constexpr int kNonceBytes = 12;
constexpr int kTagBytes = 16;
// Graduate ids are short ("grd_" + 20 hex); anything longer is not ours.
constexpr size_t kMaxPlainBytes = 64;

std::string HmacSha256(absl::string_view key, absl::string_view message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  CHECK(HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(message.data()),
             message.size(), digest, &length) != nullptr);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

const unsigned char* Bytes(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

struct CipherContextDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, CipherContextDeleter>;

}  // namespace

CandidateIds::CandidateIds(absl::string_view secret)
    : encryption_key_(HmacSha256(secret, "passerelle candidate id v1: key")),
      nonce_key_(HmacSha256(secret, "passerelle candidate id v1: nonce")) {
  CHECK_GE(secret.size(), 32u) << "candidate ids need a 256-bit secret";
  CHECK_EQ(encryption_key_.size(), static_cast<size_t>(kKeyBytes));
}

std::string CandidateIds::Nonce(absl::string_view offer_id,
                                absl::string_view graduate_id) const {
  // Length-prefixed: no two (offer, graduate) pairs hash the same input.
  return HmacSha256(nonce_key_,
                    absl::StrCat(offer_id.size(), ":", offer_id, graduate_id))
      .substr(0, kNonceBytes);
}

std::string CandidateIds::Encode(absl::string_view offer_id,
                                 absl::string_view graduate_id) const {
  const std::string nonce = Nonce(offer_id, graduate_id);
  std::string sealed = nonce;
  sealed.resize(kNonceBytes + graduate_id.size() + kTagBytes);
  unsigned char* out = reinterpret_cast<unsigned char*>(&sealed[kNonceBytes]);
  CipherContext ctx(EVP_CIPHER_CTX_new());
  int length = 0;
  CHECK(ctx != nullptr &&
        EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr,
                           nullptr) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes,
                            nullptr) == 1 &&
        EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, Bytes(encryption_key_),
                           Bytes(nonce)) == 1 &&
        EVP_EncryptUpdate(ctx.get(), nullptr, &length, Bytes(offer_id),
                          static_cast<int>(offer_id.size())) == 1 &&
        EVP_EncryptUpdate(ctx.get(), out, &length, Bytes(graduate_id),
                          static_cast<int>(graduate_id.size())) == 1 &&
        EVP_EncryptFinal_ex(ctx.get(), out + length, &length) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                            out + graduate_id.size()) == 1)
      << "AES-256-GCM failed";
  std::string encoded;
  absl::WebSafeBase64Escape(sealed, &encoded);
  return absl::StrCat(kPrefix, encoded);
}

absl::StatusOr<std::string> CandidateIds::Decode(
    absl::string_view offer_id, absl::string_view candidate_id) const {
  const absl::Status not_found = absl::NotFoundError(absl::StrCat(
      "candidate ", candidate_id, " not found for offer ", offer_id));
  std::string sealed;
  if (!absl::ConsumePrefix(&candidate_id, kPrefix) ||
      !absl::WebSafeBase64Unescape(candidate_id, &sealed) ||
      sealed.size() <= kNonceBytes + kTagBytes ||
      sealed.size() > kNonceBytes + kMaxPlainBytes + kTagBytes) {
    return not_found;
  }
  const absl::string_view nonce(sealed.data(), kNonceBytes);
  const size_t plain_size = sealed.size() - kNonceBytes - kTagBytes;
  const absl::string_view cipher(sealed.data() + kNonceBytes, plain_size);
  std::string tag = sealed.substr(kNonceBytes + plain_size);
  std::string plain(plain_size, '\0');
  CipherContext ctx(EVP_CIPHER_CTX_new());
  int length = 0;
  CHECK(ctx != nullptr &&
        EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr,
                           nullptr) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonceBytes,
                            nullptr) == 1 &&
        EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, Bytes(encryption_key_),
                           Bytes(nonce)) == 1)
      << "AES-256-GCM failed";
  if (EVP_DecryptUpdate(ctx.get(), nullptr, &length, Bytes(offer_id),
                        static_cast<int>(offer_id.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(&plain[0]),
                        &length, Bytes(cipher),
                        static_cast<int>(cipher.size())) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes,
                          &tag[0]) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(),
                          reinterpret_cast<unsigned char*>(&plain[0]) + length,
                          &length) != 1) {
    return not_found;  // another offer's, forged or damaged
  }
  // Only the nonce Encode would have made: one candidate id per pair.
  if (Nonce(offer_id, plain) != nonce) return not_found;
  return plain;
}

}  // namespace passerelle::matching
