// People: invitations, accounts and the audit log.

#include <fstream>
#include <iostream>

#include "clients/cli/commands.h"
#include "clients/cli/proto_text.h"
#include "google/protobuf/util/time_util.h"
#include "passerelle/v1/organization.grpc.pb.h"
#include "storage/status_macros.h"

namespace passerelle::cli {
namespace {

namespace v1 = ::passerelle::v1;
using v1::OrganizationService;

std::vector<Column> UserColumns() {
  return {{"ID", "id"},
          {"EMAIL", "email"},
          {"NAME", "display_name"},
          {"ORGANIZATION", "organization_id"},
          {"ROLE", "role"},
          {"ORG_ADMIN", "organization_admin"},
          {"STATE", "state"},
          {"LAST_SIGN_IN", "last_sign_in_time"}};
}

std::vector<Column> AuditColumns() {
  return {{"TIME", "time"},
          {"KIND", "kind"},
          {"USER", "user_id"},
          {"TOKEN", "token_id"},
          {"ORGANIZATION", "organization_id"},
          {"CONCERNS", "concerned_organization_id"},
          {"METHOD", "method"},
          {"RESOURCE", "resource_id"},
          {"OUTCOME", "outcome"},
          {"ADDRESS", "client_address"},
          {"EMAIL", "email"}};
}

absl::Status UserInvite(Invocation& inv) {
  v1::InviteUserRequest request;
  request.set_organization_id(inv.args.GetString("organization_id"));
  ASSIGN_OR_RETURN(std::string email, inv.Required("email"));
  request.set_email(email);
  ASSIGN_OR_RETURN(std::string role, inv.Required("role"));
  auto value = ParseEnumValue(v1::Role_descriptor(), role);
  if (!value.ok()) {
    return UsageError(absl::StrCat("--role: ", value.status().message()));
  }
  request.set_role(static_cast<v1::Role>((*value)->number()));
  ASSIGN_OR_RETURN(bool organization_admin,
                   inv.args.GetBool("organization_admin", false));
  request.set_organization_admin(organization_admin);
  request.set_graduate_id(inv.args.GetString("graduate_id"));
  ASSIGN_OR_RETURN(auto valid_hours, inv.args.GetInt("valid_hours"));
  if (valid_hours.has_value()) {
    request.set_valid_hours(static_cast<int32_t>(*valid_hours));
  }
  auto stub = OrganizationService::NewStub(inv.channel);
  v1::Invitation invitation;
  RETURN_IF_ERROR(inv.Call("InviteUser", [&](grpc::ClientContext* c) {
    return stub->InviteUser(c, request, &invitation);
  }));
  if (inv.printer.json()) {
    inv.printer.PrintJsonLine(invitation);
  } else if (invitation.added_to_account()) {
    inv.out << "added    " << invitation.graduate_id() << " to the account of "
            << invitation.email() << "\n"
            << "user_id  " << invitation.user_id() << "\n";
  } else {
    inv.out << "link     " << invitation.link_path() << "\n"
            << "email    " << invitation.email() << "\n"
            << "user_id  " << invitation.user_id() << "\n"
            << "expires  "
            << google::protobuf::util::TimeUtil::ToString(
                   invitation.expire_time())
            << "\n";
  }
  if (invitation.mailed()) {
    inv.err << "note: mailed to " << invitation.email() << "\n";
  } else if (!invitation.mail_error().empty()) {
    inv.err << "note: not mailed (" << invitation.mail_error() << ")\n";
  }
  if (invitation.added_to_account()) {
    inv.err << "note: this representative already had an account; they "
               "find the young person there when they sign in\n";
  } else {
    inv.err << "note: the link is shown only this once; give it to the "
               "person invited (prefixed with the web UI's address)\n";
  }
  return absl::OkStatus();
}

// The first line of `path` ("-": standard input), without its line end.
absl::StatusOr<std::string> ReadPasswordFile(const std::string& path) {
  std::string line;
  if (path == "-") {
    std::getline(std::cin, line);
  } else {
    std::ifstream in(path);
    if (!in) {
      return UsageError(absl::StrCat("--password_file: cannot read ", path));
    }
    std::getline(in, line);
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) {
    return UsageError("--password_file: the first line is empty");
  }
  return line;
}

absl::Status UserAccept(Invocation& inv) {
  v1::AcceptInvitationRequest request;
  ASSIGN_OR_RETURN(std::string token, inv.Required("invitation_token"));
  // The link's last segment is the token: accept the whole link too.
  const size_t slash = token.rfind('/');
  request.set_invitation_token(
      slash == std::string::npos ? token : token.substr(slash + 1));
  ASSIGN_OR_RETURN(std::string path, inv.Required("password_file"));
  ASSIGN_OR_RETURN(std::string password, ReadPasswordFile(path));
  request.set_password(password);
  request.set_display_name(inv.args.GetString("display_name"));
  auto stub = OrganizationService::NewStub(inv.channel);
  v1::User user;
  RETURN_IF_ERROR(inv.Call("AcceptInvitation", [&](grpc::ClientContext* c) {
    return stub->AcceptInvitation(c, request, &user);
  }));
  inv.printer.PrintMessage(user);
  return absl::OkStatus();
}

}  // namespace

void AddAccountCommands(std::vector<Command>* commands) {
  commands->push_back(MakeCommand(
      {"user", "invite"},
      "Invites a person into an organization (admin, or the organization's "
      "admin). Prints the one-time invitation link.",
      "passerelle-cli user invite --organization_id=COMPANY_ID "
      "--email=recruteur@example.fr --role=company",
      {{"organization_id", FlagKind::kString,
        "the organization (empty for a federation admin)"},
       {"email", FlagKind::kString, "the person's e-mail address"},
       {"role", FlagKind::kString,
        "admin, school, company or partner (fits the organization); graduate "
        "(the young person) or guardian (a minor's legal representative), "
        "with --graduate_id"},
       {"graduate_id", FlagKind::kString,
        "graduate and guardian accounts: the young person (invited by their "
        "school or partner; --organization_id may stay empty)"},
       {"organization_admin", FlagKind::kBool,
        "the person administers the organization"},
       {"valid_hours", FlagKind::kString,
        "how long the link stays valid (default 168 = 7 days)"}},
      UserInvite));
  commands->push_back(MakeCommand(
      {"user", "accept"},
      "Accepts an invitation: opens the account with a password (at least "
      "12 characters, without the e-mail address or the organization's "
      "name). No token needed: the invitation is the secret.",
      "passerelle-cli user accept --invitation_token=/invitations/TOKEN "
      "--password_file=-",
      {{"invitation_token", FlagKind::kString,
        "the invitation's token, or its link"},
       {"password_file", FlagKind::kString,
        "a file whose first line is the password; - reads standard input"},
       {"display_name", FlagKind::kString, "the name shown to colleagues"}},
      UserAccept));
  commands->push_back(MakeCommand(
      {"user", "list"},
      "Lists people's accounts (admin: all or one "
      "organization's; an organization's admin: its own; anyone of a "
      "young person's school or partner: theirs, with --graduate_id).",
      "passerelle-cli user list --organization_id=COMPANY_ID",
      Concat({{"organization_id", FlagKind::kString,
               "only this organization's accounts"},
              {"graduate_id", FlagKind::kString,
               "the accounts of this young person and their legal "
               "representatives: who was invited, who signed in"}},
             PagingFlags()),
      [](Invocation& inv) -> absl::Status {
        auto stub = OrganizationService::NewStub(inv.channel);
        v1::ListUsersRequest request;
        request.set_organization_id(inv.args.GetString("organization_id"));
        request.set_graduate_id(inv.args.GetString("graduate_id"));
        return ListPages<v1::ListUsersRequest, v1::ListUsersResponse>(
            inv, "ListUsers", request,
            [&](grpc::ClientContext* c, const v1::ListUsersRequest& r,
                v1::ListUsersResponse* out) {
              return stub->ListUsers(c, r, out);
            },
            [](const v1::ListUsersResponse& r) -> const auto& {
              return r.users();
            },
            UserColumns());
      }));
  commands->push_back(MakeCommand(
      {"user", "disable"}, "Disables an account; its sessions stop working.",
      "passerelle-cli user disable --user_id=USER_ID",
      {{"user_id", FlagKind::kString, "the account to disable"}},
      [](Invocation& inv) -> absl::Status {
        v1::DisableUserRequest request;
        ASSIGN_OR_RETURN(std::string id, inv.Required("user_id"));
        request.set_user_id(id);
        auto stub = OrganizationService::NewStub(inv.channel);
        v1::User user;
        RETURN_IF_ERROR(inv.Call("DisableUser", [&](grpc::ClientContext* c) {
          return stub->DisableUser(c, request, &user);
        }));
        inv.printer.PrintMessage(user);
        return absl::OkStatus();
      }));
  commands->push_back(MakeCommand(
      {"audit", "list"},
      "Lists the audit log, oldest first: sign-ins, changes, access to young "
      "people given or taken back, and a partner's reads of the young people "
      "it follows beside their owner (admin: all or one organization's; an "
      "organization's admin: its own and those concerning it).",
      "passerelle-cli audit list --all",
      Concat({{"organization_id", FlagKind::kString,
               "only this organization's events"}},
             PagingFlags()),
      [](Invocation& inv) -> absl::Status {
        auto stub = OrganizationService::NewStub(inv.channel);
        v1::ListAuditEventsRequest request;
        request.set_organization_id(inv.args.GetString("organization_id"));
        return ListPages<v1::ListAuditEventsRequest,
                         v1::ListAuditEventsResponse>(
            inv, "ListAuditEvents", request,
            [&](grpc::ClientContext* c, const v1::ListAuditEventsRequest& r,
                v1::ListAuditEventsResponse* out) {
              return stub->ListAuditEvents(c, r, out);
            },
            [](const v1::ListAuditEventsResponse& r) -> const auto& {
              return r.events();
            },
            AuditColumns());
      }));
}

}  // namespace passerelle::cli
