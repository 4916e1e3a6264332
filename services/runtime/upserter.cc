#include "services/runtime/upserter.h"

namespace passerelle::runtime {

void FillImportError(const absl::Status& status, v1::ImportError* error) {
  absl::string_view message = status.message();
  const size_t colon = message.find(": ");
  const absl::string_view field =
      colon == absl::string_view::npos ? "" : message.substr(0, colon);
  // A field path has no spaces: anything else is a plain message.
  if (!field.empty() && field.find(' ') == absl::string_view::npos) {
    error->set_field(std::string(field));
    error->set_message(std::string(message.substr(colon + 2)));
  } else {
    error->set_message(std::string(message));
  }
  if (!absl::IsInvalidArgument(status)) {
    error->set_message(absl::StrCat(absl::StatusCodeToString(status.code()),
                                    ": ", error->message()));
  }
}

}  // namespace passerelle::runtime
