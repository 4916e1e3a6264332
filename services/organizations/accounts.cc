// People: accounts, invitations, password sign-in, sessions and the audit
// log's listing. Organizations' other half (organizations.cc).

#include <sodium.h>

#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "glog/logging.h"
#include "services/common/dates.h"
#include "services/common/text.h"
#include "services/common/validation.h"
#include "services/organizations/organizations.h"
#include "services/runtime/reactor.h"
#include "storage/status_macros.h"

namespace passerelle::organizations {

extern const char kUsers[] = "users";
extern const char kInvitations[] = "invitations";
extern const char kSessions[] = "sessions";

namespace {

using runtime::Caller;

constexpr char kUserByEmail[] = "user_by_email";
constexpr char kUserByOrganization[] = "user_by_organization";
constexpr char kInvitationByHash[] = "invitation_by_hash";
constexpr char kSessionByHash[] = "session_by_hash";
constexpr char kSessionByUser[] = "session_by_user";
constexpr char kSignInMethod[] = "/passerelle.v1.OrganizationService/SignIn";
constexpr char kWrongCredentials[] = "wrong e-mail or password";
constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 500;
constexpr int kMinPasswordChars = 12;
constexpr size_t kMaxPasswordBytes = 1024;
constexpr size_t kMaxDisplayNameBytes = 100;
constexpr int kMaxValidHours = 30 * 24;
// Beyond a user's sessions this many, the oldest stay to expire by
// themselves (Authenticate also checks the account's state).
constexpr int kMaxSessionsRevoked = 10000;

// Argon2id at libsodium's "interactive" limits (2 passes over 64 MiB,
// some 50-100 ms of one core here): sign-ins run on the worker pool, whose
// size bounds both the CPU and the memory (64 MiB a thread) they take.
void InitSodium() {
  static const bool initialized = sodium_init() >= 0;
  CHECK(initialized) << "libsodium failed to initialize";
}

absl::StatusOr<std::string> HashPassword(absl::string_view password) {
  InitSodium();
  char hash[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(hash, password.data(), password.size(),
                        crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return absl::ResourceExhaustedError("not enough memory to hash a password");
  }
  return std::string(hash);
}

bool VerifyPassword(const std::string& hash, absl::string_view password) {
  InitSodium();
  return crypto_pwhash_str_verify(hash.c_str(), password.data(),
                                  password.size()) == 0;
}

// A hash no password is checked against with success, verified when the
// address has no usable account so that such a failure takes as long as a
// wrong password.
const std::string& DecoyHash() {
  static const std::string* const hash = [] {
    absl::StatusOr<std::string> h = HashPassword(runtime::NewToken());
    CHECK(h.ok()) << h.status();
    return new std::string(*std::move(h));
  }();
  return *hash;
}

std::string NormalizeEmail(absl::string_view email) {
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(email));
}

absl::Time ToTime(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

size_t CountChars(absl::string_view utf8) {
  size_t n = 0;
  for (char c : utf8) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// Contains `part` ignoring ASCII case; parts under 3 characters (a one-letter
// local part, say) would refuse most passwords and protect nothing.
bool ContainsFolded(const std::string& folded_password,
                    absl::string_view part) {
  const std::string p = absl::AsciiStrToLower(absl::StripAsciiWhitespace(part));
  return p.size() >= 3 && absl::StrContains(folded_password, p);
}

absl::Status ValidatePassword(absl::string_view password,
                              absl::string_view email,
                              absl::string_view organization_name) {
  if (password.size() > kMaxPasswordBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("password: at most ", kMaxPasswordBytes, " bytes"));
  }
  if (CountChars(password) < kMinPasswordChars) {
    return absl::InvalidArgumentError(
        absl::StrCat("password: at least ", kMinPasswordChars, " characters"));
  }
  const std::string folded = absl::AsciiStrToLower(password);
  const absl::string_view local = email.substr(0, email.find('@'));
  if (ContainsFolded(folded, email) || ContainsFolded(folded, local)) {
    return absl::InvalidArgumentError(
        "password: must not contain the e-mail address");
  }
  if (ContainsFolded(folded, organization_name)) {
    return absl::InvalidArgumentError(
        "password: must not contain the organization's name");
  }
  return absl::OkStatus();
}

// A representative's minors. Accounts written before an account could
// represent several have only graduate_id and access_end_time.
std::vector<v1::Representation> RepresentationsOf(const v1::User& u) {
  if (u.role() != v1::ROLE_GUARDIAN) return {};
  if (u.representations_size() > 0) {
    return {u.representations().begin(), u.representations().end()};
  }
  v1::Representation r;
  r.set_graduate_id(u.graduate_id());
  r.set_organization_id(u.organization_id());
  *r.mutable_access_end_time() = u.access_end_time();
  *r.mutable_create_time() = u.create_time();
  return {std::move(r)};
}

// Sets a representative's minors, and from them the account's first young
// person, organization and last access end.
void SetRepresentations(std::vector<v1::Representation> reps, v1::User* u) {
  u->clear_representations();
  if (reps.empty()) {
    u->clear_graduate_id();
    u->clear_access_end_time();
    return;
  }
  u->set_graduate_id(reps.front().graduate_id());
  u->set_organization_id(reps.front().organization_id());
  google::protobuf::Timestamp last = reps.front().access_end_time();
  for (v1::Representation& r : reps) {
    if (ToTime(r.access_end_time()) > ToTime(last)) last = r.access_end_time();
    *u->add_representations() = std::move(r);
  }
  *u->mutable_access_end_time() = last;
}

// An account as one young person's school or partner sees it: a
// representative shows that young person only (not the other minors they
// represent, elsewhere perhaps).
v1::User ViewFor(v1::User u, absl::string_view graduate_id,
                 absl::string_view organization_id) {
  if (u.role() != v1::ROLE_GUARDIAN) return u;
  std::vector<v1::Representation> kept;
  for (v1::Representation& r : RepresentationsOf(u)) {
    if (graduate_id.empty() ? r.organization_id() == organization_id
                            : r.graduate_id() == graduate_id) {
      kept.push_back(std::move(r));
    }
  }
  SetRepresentations(std::move(kept), &u);
  return u;
}

storage::Mutation UserPut(const internal::UserRecord& record,
                          storage::Mutation::Expect expect,
                          int64_t expected_version) {
  storage::Mutation m;
  m.table = kUsers;
  m.id = record.user().id();
  m.data = record.SerializeAsString();
  m.version = record.user().version();
  m.expect = expect;
  m.expected_version = expected_version;
  m.index_keys = {
      {kUserByEmail, record.user().email(), true},
      {kUserByOrganization, record.user().organization_id(), false}};
  // A representative is listed by each of their minors' organizations.
  for (const v1::Representation& r : record.user().representations()) {
    m.index_keys.push_back({kUserByOrganization, r.organization_id(), false});
  }
  return m;
}

storage::Mutation SessionPut(const internal::SessionRecord& record,
                             int64_t version, storage::Mutation::Expect expect,
                             int64_t expected_version) {
  storage::Mutation m;
  m.table = kSessions;
  m.id = record.session_id();
  m.data = record.SerializeAsString();
  m.version = version;
  m.expect = expect;
  m.expected_version = expected_version;
  // A revoked session keeps no index entry: it can no longer be found.
  if (!record.has_revoke_time()) {
    m.index_keys = {{kSessionByHash, record.sha256(), true},
                    {kSessionByUser, record.user_id(), false}};
  }
  return m;
}

template <typename T>
absl::StatusOr<T> ParseStored(const storage::Record& stored,
                              absl::string_view noun) {
  T out;
  if (!out.ParseFromString(stored.data)) {
    return absl::DataLossError(
        absl::StrCat(noun, " ", stored.id, ": stored record unreadable"));
  }
  return out;
}

absl::StatusOr<std::pair<internal::UserRecord, int64_t>> ReadUser(
    const storage::Store& store, absl::string_view id) {
  absl::StatusOr<storage::Record> stored = store.Get(kUsers, id);
  if (absl::IsNotFound(stored.status())) {
    return absl::NotFoundError(absl::StrCat("user_id: no user ", id));
  }
  RETURN_IF_ERROR(stored.status());
  ASSIGN_OR_RETURN(auto record,
                   ParseStored<internal::UserRecord>(*stored, "user"));
  return std::make_pair(std::move(record), stored->version);
}

// The account with this (normalized) address, if any.
absl::StatusOr<std::optional<std::pair<internal::UserRecord, int64_t>>>
FindUserByEmail(const storage::Store& store, const std::string& email) {
  using Found = std::optional<std::pair<internal::UserRecord, int64_t>>;
  ASSIGN_OR_RETURN(std::vector<std::string> ids,
                   store.Lookup(kUserByEmail, email, 1));
  if (ids.empty()) return Found();
  absl::StatusOr<std::pair<internal::UserRecord, int64_t>> user =
      ReadUser(store, ids.front());
  if (absl::IsNotFound(user.status())) return Found();
  RETURN_IF_ERROR(user.status());
  return Found(*std::move(user));
}

// A person administering `organization_id` (or the federation's admin).
bool AdministersOrganization(const Caller& caller,
                             absl::string_view organization_id) {
  return caller.is_admin() ||
         (!caller.user_id.empty() && caller.organization_admin &&
          caller.organization_id == organization_id);
}

}  // namespace

absl::StatusOr<std::string> Organizations::OrganizationName(
    v1::Role role, const std::string& org_id) const {
  const std::string missing = absl::StrCat(
      "organization_id: no ",
      role == v1::ROLE_ADMIN ? "admin" : v1::Role_Name(role).substr(5),
      " organization ", org_id);
  switch (role) {
    case v1::ROLE_ADMIN:
      if (org_id != runtime::kFederationId) {
        return absl::InvalidArgumentError(
            "organization_id: an admin belongs to \"federation\"");
      }
      return std::string(runtime::kFederationId);
    case v1::ROLE_COMPANY: {
      absl::StatusOr<v1::Company> c = companies_.Get(org_id);
      if (absl::IsNotFound(c.status())) return absl::NotFoundError(missing);
      RETURN_IF_ERROR(c.status());
      return c->name();
    }
    case v1::ROLE_SCHOOL: {
      absl::StatusOr<v1::School> s = schools_.Get(org_id);
      if (absl::IsNotFound(s.status())) return absl::NotFoundError(missing);
      RETURN_IF_ERROR(s.status());
      return s->name();
    }
    case v1::ROLE_PARTNER: {
      absl::StatusOr<v1::Partner> p = partners_.Get(org_id);
      if (absl::IsNotFound(p.status())) return absl::NotFoundError(missing);
      RETURN_IF_ERROR(p.status());
      return p->name();
    }
    case v1::ROLE_GRADUATE:
    case v1::ROLE_GUARDIAN: {
      // Their accounts belong to the young person's school or partner.
      absl::StatusOr<std::string> name =
          OrganizationName(v1::ROLE_SCHOOL, org_id);
      if (absl::IsNotFound(name.status())) {
        name = OrganizationName(v1::ROLE_PARTNER, org_id);
      }
      return name;
    }
    default:
      return absl::InvalidArgumentError(
          "role: one of ROLE_ADMIN, ROLE_SCHOOL, ROLE_COMPANY, ROLE_PARTNER, "
          "ROLE_GRADUATE, ROLE_GUARDIAN");
  }
}

absl::StatusOr<v1::Invitation> Organizations::InviteUser(
    const Caller& caller, const v1::InviteUserRequest& request) {
  const std::string email = NormalizeEmail(request.email());
  if (email.empty()) return absl::InvalidArgumentError("email: required");
  if (!common::IsPlausibleEmail(email)) {
    return absl::InvalidArgumentError(
        absl::StrCat("email: must be an e-mail address, got ",
                     common::QuoteForError(request.email())));
  }
  if (request.valid_hours() < 0 || request.valid_hours() > kMaxValidHours) {
    return absl::InvalidArgumentError(
        absl::StrCat("valid_hours: within [1, ", kMaxValidHours,
                     "] (0: the default, 7 days)"));
  }
  std::string org_id = request.organization_id();
  const bool young = request.role() == v1::ROLE_GRADUATE ||
                     request.role() == v1::ROLE_GUARDIAN;
  std::optional<absl::Time> access_end;
  std::string given_name;
  if (young) {
    // The young person and their representatives are invited by whoever
    // follows them: their school or partner.
    ASSIGN_OR_RETURN(const GraduateFor graduate,
                     GraduateForAccount(caller, request.role(),
                                        request.graduate_id(), org_id));
    org_id = graduate.organization_id;
    access_end = graduate.access_end;
    given_name = graduate.given_name;
  } else if (!request.graduate_id().empty()) {
    return absl::InvalidArgumentError(
        "graduate_id: only for ROLE_GRADUATE and ROLE_GUARDIAN");
  }
  if (org_id.empty() && request.role() == v1::ROLE_ADMIN) {
    org_id = std::string(runtime::kFederationId);
  }
  if (org_id.empty()) {
    return absl::InvalidArgumentError("organization_id: required");
  }
  if (!young && !AdministersOrganization(caller, org_id)) {
    return runtime::Denied(
        "people are invited by the federation, or by a person administering "
        "the organization into it");
  }
  // The role must fit the organization's kind (looked up as that kind).
  absl::Status fits = young ? absl::OkStatus()
                            : OrganizationName(request.role(), org_id).status();
  if (absl::IsNotFound(fits)) {
    for (v1::Role kind :
         {v1::ROLE_COMPANY, v1::ROLE_SCHOOL, v1::ROLE_PARTNER}) {
      if (kind != request.role() && OrganizationName(kind, org_id).ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("role: organization ", org_id, " is a ",
                         absl::AsciiStrToLower(v1::Role_Name(kind).substr(5)),
                         ": its people have ", v1::Role_Name(kind)));
      }
    }
  }
  RETURN_IF_ERROR(fits);

  const absl::Time now = account_options_.clock();
  ASSIGN_OR_RETURN(auto existing, FindUserByEmail(*store_, email));
  internal::UserRecord user;
  std::vector<storage::Mutation> mutations;
  const bool guardian = request.role() == v1::ROLE_GUARDIAN;
  std::vector<v1::Representation> reps;
  bool already_represented = false;
  if (existing.has_value()) {
    const v1::User& old = existing->first.user();
    if (guardian && old.role() == v1::ROLE_GUARDIAN &&
        old.state() != v1::USER_STATE_DISABLED) {
      // One account per representative, whatever the number of minors and
      // their schools: the address's account represents this one too.
      reps = RepresentationsOf(old);
      for (const v1::Representation& r : reps) {
        already_represented |= r.graduate_id() == request.graduate_id();
      }
      if (already_represented && old.state() == v1::USER_STATE_ACTIVE) {
        return absl::AlreadyExistsError(
            absl::StrCat("email: this person already represents graduate ",
                         request.graduate_id()));
      }
    } else if (old.state() != v1::USER_STATE_INVITED ||
               old.organization_id() != org_id ||
               old.role() != request.role() ||
               old.graduate_id() != request.graduate_id()) {
      // An invitation not used yet (lost, expired) is replaced by a new
      // one; an opened account is never taken over.
      return absl::AlreadyExistsError(
          "email: an account with this e-mail address exists");
    }
    user = existing->first;
    user.mutable_user()->set_version(existing->second + 1);
  } else {
    v1::User* u = user.mutable_user();
    u->set_id(runtime::NewId("usr"));
    u->set_organization_id(org_id);
    u->set_role(request.role());
    u->set_email(email);
    u->set_state(v1::USER_STATE_INVITED);
    runtime::SetTimestamp(now, u->mutable_create_time());
    u->set_version(1);
  }
  user.mutable_user()->set_organization_admin(
      young ? false : request.organization_admin());
  if (guardian) {
    if (!already_represented) {
      v1::Representation r;
      r.set_graduate_id(request.graduate_id());
      r.set_organization_id(org_id);
      runtime::SetTimestamp(*access_end, r.mutable_access_end_time());
      runtime::SetTimestamp(now, r.mutable_create_time());
      reps.push_back(std::move(r));
    }
    SetRepresentations(std::move(reps), user.mutable_user());
  } else {
    user.mutable_user()->set_graduate_id(request.graduate_id());
  }
  runtime::SetTimestamp(now, user.mutable_user()->mutable_update_time());

  if (user.user().state() == v1::USER_STATE_ACTIVE) {
    // A representative's opened account: the young person is added at
    // once; the person signs in as before and finds them there.
    absl::Status committed =
        store_
            ->Commit({UserPut(user, storage::Mutation::Expect::kVersion,
                              existing->second)},
                     {})
            .status();
    if (absl::IsAborted(committed)) {
      return absl::AbortedError("email: the account changed meanwhile; retry");
    }
    RETURN_IF_ERROR(committed);
    v1::Invitation out;
    out.set_user_id(user.user().id());
    out.set_organization_id(org_id);
    out.set_email(email);
    out.set_role(request.role());
    out.set_graduate_id(request.graduate_id());
    runtime::SetTimestamp(now, out.mutable_create_time());
    runtime::SetTimestamp(now, out.mutable_accept_time());
    out.set_added_to_account(true);
    MailInvitation(org_id, given_name, &out);
    return out;
  }

  const std::string token = runtime::NewToken();
  internal::InvitationRecord record;
  v1::Invitation* invitation = record.mutable_invitation();
  invitation->set_id(runtime::NewId("inv"));
  invitation->set_user_id(user.user().id());
  invitation->set_organization_id(org_id);
  invitation->set_email(email);
  invitation->set_role(request.role());
  invitation->set_organization_admin(user.user().organization_admin());
  invitation->set_graduate_id(request.graduate_id());
  runtime::SetTimestamp(now, invitation->mutable_create_time());
  runtime::SetTimestamp(
      now + (request.valid_hours() > 0 ? absl::Hours(request.valid_hours())
                                       : account_options_.invitation_validity),
      invitation->mutable_expire_time());
  record.set_sha256(runtime::HashToken(token));
  user.set_invitation_id(invitation->id());

  mutations.push_back(
      existing.has_value()
          ? UserPut(user, storage::Mutation::Expect::kVersion, existing->second)
          : UserPut(user, storage::Mutation::Expect::kAbsent, 0));
  storage::Mutation m;
  m.table = kInvitations;
  m.id = invitation->id();
  m.data = record.SerializeAsString();
  m.version = 1;
  m.expect = storage::Mutation::Expect::kAbsent;
  m.index_keys = {{kInvitationByHash, record.sha256(), true}};
  mutations.push_back(std::move(m));
  absl::Status committed = store_->Commit(std::move(mutations), {}).status();
  if (absl::IsAlreadyExists(committed) || absl::IsAborted(committed)) {
    // Another invitation of the same address won the race.
    return absl::AlreadyExistsError(
        "email: an account with this e-mail address exists");
  }
  RETURN_IF_ERROR(committed);
  v1::Invitation out = record.invitation();
  out.set_token(token);
  out.set_link_path(absl::StrCat("/invitations/", token));
  MailInvitation(org_id, given_name, &out);
  return out;
}

void Organizations::MailInvitation(const std::string& organization_id,
                                   const std::string& given_name,
                                   v1::Invitation* invitation) const {
  if (mailer_ == nullptr) return;
  absl::StatusOr<std::string> org =
      OrganizationName(invitation->role(), organization_id);
  const std::string org_name = org.ok() ? *org : "Passerelle";
  const std::string base(absl::StripSuffix(public_url_, "/"));
  const std::string expiry =
      absl::FormatTime("%d/%m/%Y à %H:%M", ToTime(invitation->expire_time()),
                       common::ParisTimeZone());
  runtime::MailMessage m;
  m.to = invitation->email();
  if (invitation->added_to_account()) {
    m.subject = absl::StrCat("Passerelle : vous suivez aussi ", given_name);
    m.body = absl::StrCat(
        "Bonjour,\n\n", org_name,
        " vous a ajouté sur Passerelle comme représentant légal de ",
        given_name,
        ".\n\nConnectez-vous comme d'habitude, avec votre adresse et votre "
        "mot de passe :\n",
        base,
        "/\n\nVous y trouverez ses propositions et ses données, jusqu'à ses "
        "18 ans.\nSi vous n'êtes pas concerné, dites-le à ",
        org_name, ".\n");
  } else if (invitation->role() == v1::ROLE_GRADUATE) {
    // The young people's space speaks to them as "tu".
    m.subject = absl::StrCat("Ton espace Passerelle — ", org_name);
    m.body = absl::StrCat(
        "Bonjour ", given_name, ",\n\n", org_name,
        " t'invite à ouvrir ton espace Passerelle : les offres qu'on te "
        "propose, tes réponses, tes données.\n\nOuvre ce lien avant le ",
        expiry, " pour choisir ton mot de passe :\n", base,
        invitation->link_path(),
        "\n\nLe lien ne sert qu'une fois. Si tu n'attendais pas ce message, "
        "ignore-le : aucun compte ne sera ouvert.\n");
  } else {
    m.subject = absl::StrCat("Invitation à Passerelle — ", org_name);
    m.body = absl::StrCat(
        "Bonjour,\n\n", org_name,
        " vous invite à ouvrir votre compte Passerelle",
        invitation->role() == v1::ROLE_GUARDIAN
            ? absl::StrCat(" en tant que représentant légal de ", given_name)
            : "",
        ".\n\nOuvrez ce lien avant le ", expiry,
        " pour choisir votre mot de passe :\n", base, invitation->link_path(),
        "\n\nLe lien ne sert qu'une fois. Si vous n'attendiez pas ce "
        "message, ignorez-le : aucun compte ne sera ouvert.\n");
  }
  const absl::Status sent = mailer_->Send(m);
  invitation->set_mailed(sent.ok());
  if (!sent.ok()) {
    LOG(WARNING) << "invitation " << invitation->id()
                 << " not mailed: " << sent;
    invitation->set_mail_error(std::string(sent.message()));
  }
}

absl::StatusOr<v1::User> Organizations::AcceptInvitation(
    const v1::AcceptInvitationRequest& request) {
  if (request.invitation_token().empty()) {
    return absl::InvalidArgumentError("invitation_token: required");
  }
  ASSIGN_OR_RETURN(
      std::vector<std::string> ids,
      store_->Lookup(kInvitationByHash,
                     runtime::HashToken(request.invitation_token()), 1));
  if (ids.empty()) {
    return absl::NotFoundError("invitation_token: unknown invitation");
  }
  ASSIGN_OR_RETURN(storage::Record stored,
                   store_->Get(kInvitations, ids.front()));
  ASSIGN_OR_RETURN(auto record, ParseStored<internal::InvitationRecord>(
                                    stored, "invitation"));
  const v1::Invitation& invitation = record.invitation();
  const absl::Time now = account_options_.clock();
  if (invitation.has_accept_time()) {
    return absl::FailedPreconditionError(
        "invitation_token: this invitation was already used");
  }
  if (now >= ToTime(invitation.expire_time())) {
    return absl::FailedPreconditionError(absl::StrCat(
        "invitation_token: this invitation expired on ",
        absl::FormatTime("%Y-%m-%d %H:%M UTC", ToTime(invitation.expire_time()),
                         absl::UTCTimeZone()),
        "; ask for a new one"));
  }
  ASSIGN_OR_RETURN(auto user, ReadUser(*store_, invitation.user_id()));
  if (user.first.invitation_id() != invitation.id() ||
      user.first.user().state() != v1::USER_STATE_INVITED) {
    return absl::FailedPreconditionError(
        "invitation_token: this invitation was replaced or the account "
        "changed since; ask for a new one");
  }
  const std::string display_name(
      absl::StripAsciiWhitespace(request.display_name()));
  if (display_name.empty()) {
    return absl::InvalidArgumentError("display_name: required");
  }
  if (display_name.size() > kMaxDisplayNameBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("display_name: at most ", kMaxDisplayNameBytes, " bytes"));
  }
  ASSIGN_OR_RETURN(
      std::string org_name,
      OrganizationName(invitation.role(), invitation.organization_id()));
  RETURN_IF_ERROR(
      ValidatePassword(request.password(), invitation.email(), org_name));
  ASSIGN_OR_RETURN(std::string hash, HashPassword(request.password()));

  internal::UserRecord opened = user.first;
  v1::User* u = opened.mutable_user();
  u->set_state(v1::USER_STATE_ACTIVE);
  u->set_display_name(display_name);
  u->set_version(user.second + 1);
  runtime::SetTimestamp(now, u->mutable_update_time());
  opened.set_password_hash(std::move(hash));
  opened.clear_invitation_id();

  runtime::SetTimestamp(now,
                        record.mutable_invitation()->mutable_accept_time());
  storage::Mutation used;
  used.table = kInvitations;
  used.id = invitation.id();
  used.data = record.SerializeAsString();
  used.version = stored.version + 1;
  used.expect = storage::Mutation::Expect::kVersion;
  used.expected_version = stored.version;
  // The hash stays indexed so that a second use says "already used".
  used.index_keys = {{kInvitationByHash, record.sha256(), true}};
  absl::Status committed =
      store_
          ->Commit({UserPut(opened, storage::Mutation::Expect::kVersion,
                            user.second),
                    std::move(used)},
                   {})
          .status();
  if (absl::IsAborted(committed) || absl::IsNotFound(committed)) {
    return absl::FailedPreconditionError(
        "invitation_token: this invitation was already used");
  }
  RETURN_IF_ERROR(committed);
  return opened.user();
}

void Organizations::AuditSignIn(v1::AuditEvent event) {
  if (audit_ == nullptr) return;
  event.set_kind(v1::AUDIT_KIND_SIGN_IN);
  event.set_method(kSignInMethod);
  absl::Status recorded = audit_->Record(std::move(event));
  LOG_IF(WARNING, !recorded.ok())
      << "audit: sign-in not recorded: " << recorded;
}

absl::StatusOr<v1::SignInResponse> Organizations::SignIn(
    const v1::SignInRequest& request, absl::string_view client_address) {
  const std::string email = NormalizeEmail(request.email());
  if (email.empty()) return absl::InvalidArgumentError("email: required");
  if (request.password().empty()) {
    return absl::InvalidArgumentError("password: required");
  }
  v1::AuditEvent event;
  event.set_email(email.substr(0, common::kMaxEmailChars));
  event.set_client_address(std::string(client_address));
  const absl::Time now = account_options_.clock();
  if (absl::Status throttled = throttle_.Check(email, client_address, now);
      !throttled.ok()) {
    event.set_outcome("RESOURCE_EXHAUSTED");
    event.set_message(std::string(throttled.message()));
    AuditSignIn(std::move(event));
    return throttled;
  }
  ASSIGN_OR_RETURN(auto found, FindUserByEmail(*store_, email));
  // The same work, and the same answer, whether the address has an account
  // or not: a failure tells nothing of which it was.
  const bool has_hash =
      found.has_value() && !found->first.password_hash().empty();
  const bool verified =
      request.password().size() <= kMaxPasswordBytes &&
      VerifyPassword(has_hash ? found->first.password_hash() : DecoyHash(),
                     request.password());
  if (!has_hash || !verified ||
      found->first.user().state() != v1::USER_STATE_ACTIVE) {
    throttle_.Failed(email, client_address, now);
    event.set_outcome("UNAUTHENTICATED");
    event.set_message(kWrongCredentials);
    if (found.has_value()) {
      event.set_user_id(found->first.user().id());
      event.set_organization_id(found->first.user().organization_id());
    }
    AuditSignIn(std::move(event));
    return absl::UnauthenticatedError(kWrongCredentials);
  }
  throttle_.Succeeded(email);

  v1::SignInResponse response;
  const std::string token = runtime::NewToken();
  internal::SessionRecord session;
  session.set_session_id(runtime::NewId("ses"));
  session.set_sha256(runtime::HashToken(token));
  runtime::SetTimestamp(now, session.mutable_create_time());
  runtime::SetTimestamp(now + account_options_.session_validity,
                        session.mutable_expire_time());
  // The account's last-sign-in time is written with the session; a
  // concurrent change of the account (another sign-in, a disable) makes
  // this commit retry on the account as it now is.
  internal::UserRecord user = found->first;
  int64_t version = found->second;
  for (int attempt = 0;; ++attempt) {
    if (user.user().state() != v1::USER_STATE_ACTIVE) {
      return absl::UnauthenticatedError(kWrongCredentials);
    }
    session.set_user_id(user.user().id());
    session.set_organization_id(user.user().organization_id());
    session.set_role(user.user().role());
    session.set_organization_admin(user.user().organization_admin());
    internal::UserRecord updated = user;
    runtime::SetTimestamp(now,
                          updated.mutable_user()->mutable_last_sign_in_time());
    updated.mutable_user()->set_version(version + 1);
    absl::Status committed =
        store_
            ->Commit(
                {SessionPut(session, 1, storage::Mutation::Expect::kAbsent, 0),
                 UserPut(updated, storage::Mutation::Expect::kVersion,
                         version)},
                {})
            .status();
    if (committed.ok()) {
      *response.mutable_user() = updated.user();
      break;
    }
    if (!absl::IsAborted(committed) || attempt == 3) return committed;
    ASSIGN_OR_RETURN(auto reread, ReadUser(*store_, user.user().id()));
    user = std::move(reread.first);
    version = reread.second;
  }
  response.set_session_token(token);
  *response.mutable_expire_time() = session.expire_time();
  event.set_outcome("OK");
  event.set_user_id(session.user_id());
  event.set_organization_id(session.organization_id());
  event.set_token_id(session.session_id());
  AuditSignIn(std::move(event));
  return response;
}

absl::StatusOr<Caller> Organizations::AuthenticateSession(
    const std::string& hash) const {
  ASSIGN_OR_RETURN(std::vector<std::string> ids,
                   store_->Lookup(kSessionByHash, hash, 1));
  if (ids.empty()) {
    return absl::UnauthenticatedError("unknown or revoked token");
  }
  absl::StatusOr<storage::Record> stored = store_->Get(kSessions, ids.front());
  if (absl::IsNotFound(stored.status())) {
    return absl::UnauthenticatedError("unknown or revoked token");
  }
  RETURN_IF_ERROR(stored.status());
  ASSIGN_OR_RETURN(auto session,
                   ParseStored<internal::SessionRecord>(*stored, "session"));
  if (session.has_revoke_time()) {
    return absl::UnauthenticatedError("session signed out: sign in again");
  }
  if (account_options_.clock() >= ToTime(session.expire_time())) {
    return absl::UnauthenticatedError("session expired: sign in again");
  }
  // The account as it is now: a disabled account's sessions stop at once,
  // and a changed role or admin flag applies to open sessions.
  absl::StatusOr<std::pair<internal::UserRecord, int64_t>> user =
      ReadUser(*store_, session.user_id());
  if (absl::IsNotFound(user.status())) {
    return absl::UnauthenticatedError("unknown account");
  }
  RETURN_IF_ERROR(user.status());
  const v1::User& u = user->first.user();
  if (u.state() != v1::USER_STATE_ACTIVE) {
    return absl::UnauthenticatedError("account disabled");
  }
  Caller caller;
  caller.organization_id = u.organization_id();
  caller.role = u.role();
  caller.token_id = session.session_id();
  caller.user_id = u.id();
  caller.email = u.email();
  caller.organization_admin = u.organization_admin();
  if (u.role() == v1::ROLE_GUARDIAN) {
    // Each minor's access ends on their 18th birthday; the account acts
    // for those still minors, and for none once the last one is an adult.
    const absl::Time now = account_options_.clock();
    for (const v1::Representation& r : RepresentationsOf(u)) {
      if (now >= ToTime(r.access_end_time())) continue;
      if (caller.graduate_ids.empty()) {
        caller.graduate_id = r.graduate_id();
        caller.organization_id = r.organization_id();
      }
      caller.graduate_ids.push_back(r.graduate_id());
    }
    if (caller.graduate_ids.empty()) {
      return absl::UnauthenticatedError(
          "a legal representative's access ends on the young person's 18th "
          "birthday");
    }
  } else {
    caller.graduate_id = u.graduate_id();
    if (!caller.graduate_id.empty()) caller.graduate_ids = {u.graduate_id()};
  }
  return caller;
}

absl::Status Organizations::SignOut(const Caller& caller) {
  if (caller.user_id.empty()) {
    return absl::FailedPreconditionError(
        "sign-out ends a person's session; a token is revoked with "
        "RevokeToken");
  }
  ASSIGN_OR_RETURN(storage::Record stored,
                   store_->Get(kSessions, caller.token_id));
  ASSIGN_OR_RETURN(auto session,
                   ParseStored<internal::SessionRecord>(stored, "session"));
  if (session.has_revoke_time()) return absl::OkStatus();
  runtime::SetTimestamp(account_options_.clock(),
                        session.mutable_revoke_time());
  return store_
      ->Commit(
          {SessionPut(session, stored.version + 1,
                      storage::Mutation::Expect::kVersion, stored.version)},
          {})
      .status();
}

absl::StatusOr<v1::ListUsersResponse> Organizations::ListUsers(
    const Caller& caller, const v1::ListUsersRequest& request) const {
  if (!request.graduate_id().empty()) {
    // Anyone of the young person's school or partner (NOT_FOUND otherwise).
    ASSIGN_OR_RETURN(
        const GraduateFor graduate,
        GraduateForAccount(caller, v1::ROLE_GRADUATE, request.graduate_id(),
                           request.organization_id()));
    v1::ListUsersResponse response;
    std::string token;
    do {
      ASSIGN_OR_RETURN(
          storage::Page page,
          store_->ListByIndex(kUsers, kUserByOrganization,
                              graduate.organization_id, kMaxPageSize, token));
      for (const storage::Record& stored : page.records) {
        ASSIGN_OR_RETURN(auto record,
                         ParseStored<internal::UserRecord>(stored, "user"));
        v1::User u = ViewFor(std::move(*record.mutable_user()),
                             request.graduate_id(), "");
        if (u.graduate_id() == request.graduate_id()) {
          *response.add_users() = std::move(u);
        }
      }
      token = std::move(page.next_page_token);
    } while (!token.empty());
    return response;
  }
  std::string org_id = request.organization_id();
  if (org_id.empty() && !caller.is_admin()) org_id = caller.organization_id;
  if (!(caller.is_admin() && org_id.empty()) &&
      !AdministersOrganization(caller, org_id)) {
    return runtime::Denied(
        "users are listed by the federation, or by a person administering "
        "their organization");
  }
  ASSIGN_OR_RETURN(int page_size,
                   common::ValidatePageSize(request.page_size(),
                                            kDefaultPageSize, kMaxPageSize));
  ASSIGN_OR_RETURN(
      storage::Page page,
      org_id.empty() ? store_->List(kUsers, page_size, request.page_token())
                     : store_->ListByIndex(kUsers, kUserByOrganization, org_id,
                                           page_size, request.page_token()));
  v1::ListUsersResponse response;
  for (const storage::Record& stored : page.records) {
    ASSIGN_OR_RETURN(auto record,
                     ParseStored<internal::UserRecord>(stored, "user"));
    *response.add_users() =
        org_id.empty() ? std::move(*record.mutable_user())
                       : ViewFor(std::move(*record.mutable_user()), "", org_id);
  }
  response.set_next_page_token(page.next_page_token);
  return response;
}

absl::StatusOr<v1::User> Organizations::DisableUser(
    const Caller& caller, const v1::DisableUserRequest& request) {
  if (request.user_id().empty()) {
    return absl::InvalidArgumentError("user_id: required");
  }
  ASSIGN_OR_RETURN(auto user, ReadUser(*store_, request.user_id()));
  const std::vector<v1::Representation> reps =
      RepresentationsOf(user.first.user());
  if (reps.size() > 1 && !caller.is_admin() &&
      user.first.user().state() == v1::USER_STATE_ACTIVE) {
    // A representative of minors followed by several organizations: each
    // ends its own part, and the account stays for the others.
    std::vector<v1::Representation> kept;
    std::string ended_for;
    for (const v1::Representation& r : reps) {
      if (AdministersOrganization(caller, r.organization_id())) {
        ended_for = r.organization_id();
      } else {
        kept.push_back(r);
      }
    }
    if (!ended_for.empty() && !kept.empty()) {
      internal::UserRecord updated = user.first;
      SetRepresentations(std::move(kept), updated.mutable_user());
      updated.mutable_user()->set_version(user.second + 1);
      runtime::SetTimestamp(account_options_.clock(),
                            updated.mutable_user()->mutable_update_time());
      absl::Status committed =
          store_
              ->Commit({UserPut(updated, storage::Mutation::Expect::kVersion,
                                user.second)},
                       {})
              .status();
      if (absl::IsAborted(committed)) {
        return absl::AbortedError(
            "user_id: the account changed meanwhile; retry");
      }
      RETURN_IF_ERROR(committed);
      // As the organization now sees it: none of its young people, off.
      v1::User seen = ViewFor(updated.user(), "", ended_for);
      seen.set_organization_id(ended_for);
      seen.set_state(v1::USER_STATE_DISABLED);
      return seen;
    }
  }
  if (!AdministersOrganization(caller, user.first.user().organization_id())) {
    // Not found for others: an id does not tell whether it exists.
    return runtime::Denied(
        "users are disabled by the federation, or by a person administering "
        "their organization");
  }
  const absl::Time now = account_options_.clock();
  internal::UserRecord disabled = user.first;
  disabled.mutable_user()->set_state(v1::USER_STATE_DISABLED);
  disabled.mutable_user()->set_version(user.second + 1);
  runtime::SetTimestamp(now, disabled.mutable_user()->mutable_update_time());
  std::vector<storage::Mutation> mutations;
  mutations.push_back(
      UserPut(disabled, storage::Mutation::Expect::kVersion, user.second));
  // Authenticate refuses a disabled account's sessions anyway; revoking
  // them too keeps them dead if the account is ever enabled again.
  ASSIGN_OR_RETURN(
      std::vector<std::string> session_ids,
      store_->Lookup(kSessionByUser, request.user_id(), kMaxSessionsRevoked));
  for (const std::string& id : session_ids) {
    absl::StatusOr<storage::Record> stored = store_->Get(kSessions, id);
    if (absl::IsNotFound(stored.status())) continue;
    RETURN_IF_ERROR(stored.status());
    ASSIGN_OR_RETURN(auto session,
                     ParseStored<internal::SessionRecord>(*stored, "session"));
    if (session.has_revoke_time()) continue;
    runtime::SetTimestamp(now, session.mutable_revoke_time());
    mutations.push_back(SessionPut(session, stored->version + 1,
                                   storage::Mutation::Expect::kVersion,
                                   stored->version));
  }
  absl::Status committed = store_->Commit(std::move(mutations), {}).status();
  if (absl::IsAborted(committed)) {
    return absl::AbortedError(
        "user_id: the account or its sessions changed meanwhile; retry");
  }
  RETURN_IF_ERROR(committed);
  return disabled.user();
}

absl::StatusOr<v1::ListAuditEventsResponse> Organizations::ListAuditEvents(
    const Caller& caller, const v1::ListAuditEventsRequest& request) const {
  std::string org_id = request.organization_id();
  if (org_id.empty() && !caller.is_admin()) org_id = caller.organization_id;
  if (!(caller.is_admin() && org_id.empty()) &&
      !AdministersOrganization(caller, org_id)) {
    return runtime::Denied(
        "the audit log is read by the federation, or by a person "
        "administering the organization (its part)");
  }
  ASSIGN_OR_RETURN(int page_size,
                   common::ValidatePageSize(request.page_size(),
                                            kDefaultPageSize, kMaxPageSize));
  if (audit_ == nullptr) {
    return absl::FailedPreconditionError("this server keeps no audit log");
  }
  return audit_->List(org_id, page_size, request.page_token());
}

// --- gRPC ------------------------------------------------------------------

namespace {

template <typename T>
absl::Status Into(absl::StatusOr<T> result, T* response) {
  if (!result.ok()) return result.status();
  *response = *std::move(result);
  return absl::OkStatus();
}

}  // namespace

grpc::ServerUnaryReactor* OrganizationServiceImpl::InviteUser(
    grpc::CallbackServerContext* context, const v1::InviteUserRequest* request,
    v1::Invitation* response) {
  // On the pool: it may wait on the mail relay (a bounded time).
  return runtime::ServeUnaryOnPool(
      context, *authenticator_, *pool_,
      [this, request, response](const Caller& caller) {
        return Into(organizations_->InviteUser(caller, *request), response);
      });
}

grpc::ServerUnaryReactor* OrganizationServiceImpl::AcceptInvitation(
    grpc::CallbackServerContext* context,
    const v1::AcceptInvitationRequest* request, v1::User* response) {
  return runtime::ServeUnauthenticatedOnPool(
      context, *pool_, [this, request, response] {
        return Into(organizations_->AcceptInvitation(*request), response);
      });
}

grpc::ServerUnaryReactor* OrganizationServiceImpl::SignIn(
    grpc::CallbackServerContext* context, const v1::SignInRequest* request,
    v1::SignInResponse* response) {
  return runtime::ServeUnauthenticatedOnPool(
      context, *pool_,
      [this, request, response, address = runtime::ClientAddress(*context)] {
        return Into(organizations_->SignIn(*request, address), response);
      });
}

grpc::ServerUnaryReactor* OrganizationServiceImpl::SignOut(
    grpc::CallbackServerContext* context, const v1::SignOutRequest*,
    v1::SignOutResponse*) {
  return runtime::ServeUnary(
      context, *authenticator_,
      [&](const Caller& caller) { return organizations_->SignOut(caller); });
}

grpc::ServerUnaryReactor* OrganizationServiceImpl::ListUsers(
    grpc::CallbackServerContext* context, const v1::ListUsersRequest* request,
    v1::ListUsersResponse* response) {
  return runtime::ServeUnary(
      context, *authenticator_, [&](const Caller& caller) {
        return Into(organizations_->ListUsers(caller, *request), response);
      });
}

grpc::ServerUnaryReactor* OrganizationServiceImpl::DisableUser(
    grpc::CallbackServerContext* context, const v1::DisableUserRequest* request,
    v1::User* response) {
  return runtime::ServeUnary(
      context, *authenticator_, [&](const Caller& caller) {
        return Into(organizations_->DisableUser(caller, *request), response);
      });
}

grpc::ServerUnaryReactor* OrganizationServiceImpl::ListAuditEvents(
    grpc::CallbackServerContext* context,
    const v1::ListAuditEventsRequest* request,
    v1::ListAuditEventsResponse* response) {
  return runtime::ServeUnary(
      context, *authenticator_, [&](const Caller& caller) {
        return Into(organizations_->ListAuditEvents(caller, *request),
                    response);
      });
}

}  // namespace passerelle::organizations
