#include "clients/cli/france_travail.h"

#include <curl/curl.h>

#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace passerelle::cli {
namespace {

constexpr int kPage = 150;        // the API's largest range
constexpr int kLastIndex = 3149;  // the API serves ranges up to 3149
constexpr size_t kMaxAnswer = 64 << 20;

struct Answer {
  long status = 0;
  std::string body;
  std::string content_range;
};

size_t AppendBody(char* data, size_t size, size_t count, void* out) {
  auto* body = static_cast<std::string*>(out);
  const size_t n = size * count;
  if (body->size() + n > kMaxAnswer) return 0;
  body->append(data, n);
  return n;
}

size_t ReadHeader(char* data, size_t size, size_t count, void* out) {
  const size_t n = size * count;
  absl::string_view line(data, n);
  if (absl::StartsWithIgnoreCase(line, "content-range:")) {
    *static_cast<std::string*>(out) = std::string(
        absl::StripAsciiWhitespace(line.substr(strlen("content-range:"))));
  }
  return n;
}

std::string Escape(CURL* curl, absl::string_view text) {
  char* escaped =
      curl_easy_escape(curl, text.data(), static_cast<int>(text.size()));
  std::string out = escaped != nullptr ? escaped : "";
  curl_free(escaped);
  return out;
}

absl::StatusOr<Answer> Perform(const FranceTravailApi& api,
                               const std::string& url, const std::string* form,
                               const std::string& bearer) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(),
                                                           &curl_easy_cleanup);
  if (curl == nullptr) return absl::InternalError("curl_easy_init failed");
  CURL* c = curl.get();
  curl_slist* raw = curl_slist_append(nullptr, "Accept: application/json");
  if (!bearer.empty()) {
    raw = curl_slist_append(
        raw, absl::StrCat("Authorization: Bearer ", bearer).c_str());
  }
  if (form != nullptr) {
    raw = curl_slist_append(raw,
                            "Content-Type: application/x-www-form-urlencoded");
  }
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(
      raw, &curl_slist_free_all);
  Answer answer;
  char error[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_USERAGENT, "passerelle-cli");
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &AppendBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &answer.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &ReadHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &answer.content_range);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(api.timeout)));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  if (!api.ca_file.empty())
    curl_easy_setopt(c, CURLOPT_CAINFO, api.ca_file.c_str());
  if (form != nullptr) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, form->c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(form->size()));
  }
  const CURLcode code = curl_easy_perform(c);
  if (code != CURLE_OK) {
    return absl::UnavailableError(
        absl::StrCat(url.substr(0, url.find('?')), ": ",
                     error[0] != '\0' ? error : curl_easy_strerror(code)));
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &answer.status);
  return answer;
}

std::string Excerpt(const std::string& body) {
  std::string out = body.substr(0, 300);
  for (char& ch : out) {
    if (ch == '\n' || ch == '\r') ch = ' ';
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> FetchFranceTravailOffers(
    const FranceTravailApi& api,
    const std::vector<std::pair<std::string, std::string>>& params,
    std::ostream* log) {
  static const bool initialized =
      curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  if (!initialized) return absl::InternalError("libcurl failed to initialize");
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> escaper(
      curl_easy_init(), &curl_easy_cleanup);

  // 1. The token (client credentials).
  const std::string form =
      absl::StrCat("grant_type=client_credentials&client_id=",
                   Escape(escaper.get(), api.client_id),
                   "&client_secret=", Escape(escaper.get(), api.client_secret),
                   "&scope=", Escape(escaper.get(), api.scope));
  absl::StatusOr<Answer> token = Perform(api, api.token_url, &form, "");
  if (!token.ok()) return token.status();
  if (token->status != 200) {
    return absl::UnauthenticatedError(absl::StrCat(
        "France Travail's token endpoint answered HTTP ", token->status,
        " (check --client_id and --client_secret_file): ",
        Excerpt(token->body)));
  }
  google::protobuf::Struct token_json;
  if (!google::protobuf::util::JsonStringToMessage(token->body, &token_json)
           .ok() ||
      !token_json.fields().contains("access_token") ||
      token_json.fields().at("access_token").string_value().empty()) {
    return absl::DataLossError(
        absl::StrCat("France Travail's token endpoint answered no "
                     "access_token: ",
                     Excerpt(token->body)));
  }
  const std::string bearer =
      token_json.fields().at("access_token").string_value();

  // 2. The search, page by page.
  std::vector<std::string> query;
  for (const auto& [name, value] : params) {
    query.push_back(absl::StrCat(Escape(escaper.get(), name), "=",
                                 Escape(escaper.get(), value)));
  }
  std::vector<std::string> offers;
  int64_t total = -1;
  for (int start = 0; start <= kLastIndex; start += kPage) {
    const int end = std::min(start + kPage - 1, kLastIndex);
    const std::string url =
        absl::StrCat(api.search_url, "?", absl::StrJoin(query, "&"),
                     "&range=", start, "-", end);
    absl::StatusOr<Answer> page = Perform(api, url, nullptr, bearer);
    if (!page.ok()) return page.status();
    if (page->status == 204) break;  // nothing (more) found
    if (page->status != 200 && page->status != 206) {
      return absl::UnavailableError(absl::StrCat(
          "France Travail's search answered HTTP ", page->status, " for range ",
          start, "-", end, ": ", Excerpt(page->body)));
    }
    google::protobuf::Struct json;
    if (!google::protobuf::util::JsonStringToMessage(page->body, &json).ok()) {
      return absl::DataLossError(absl::StrCat(
          "France Travail's search answer is not JSON: ", Excerpt(page->body)));
    }
    const auto it = json.fields().find("resultats");
    if (it == json.fields().end() || !it->second.has_list_value()) {
      return absl::DataLossError(
          "France Travail's search answer has no \"resultats\" list");
    }
    for (const google::protobuf::Value& offer :
         it->second.list_value().values()) {
      std::string text;
      if (google::protobuf::util::MessageToJsonString(offer, &text).ok()) {
        offers.push_back(std::move(text));
      }
    }
    // "offres 0-149/1234": how many the search finds in all.
    const size_t slash = page->content_range.rfind('/');
    if (slash != std::string::npos) {
      int64_t n = 0;
      if (absl::SimpleAtoi(page->content_range.substr(slash + 1), &n))
        total = n;
    }
    if (log != nullptr) {
      *log << "france-travail: " << offers.size() << " offers fetched"
           << (total >= 0 ? absl::StrCat(" of ", total) : std::string())
           << "\n";
    }
    if (page->status == 200 || (total >= 0 && end + 1 >= total)) break;
  }
  if (total > kLastIndex + 1 && log != nullptr) {
    *log << "france-travail: the API serves the first " << kLastIndex + 1
         << " offers of a search; narrow --query for the others\n";
  }
  return absl::StrCat("[", absl::StrJoin(offers, ","), "]");
}

}  // namespace passerelle::cli
