// Organizations, tokens, graduates and offers: create/get/update/list.

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "clients/cli/commands.h"
#include "clients/cli/proto_text.h"
#include "clients/cli/update_mask.h"
#include "passerelle/v1/graduate.grpc.pb.h"
#include "passerelle/v1/matching.pb.h"
#include "passerelle/v1/offer.grpc.pb.h"
#include "passerelle/v1/organization.grpc.pb.h"
#include "storage/status_macros.h"

namespace passerelle::cli {
namespace {

namespace v1 = ::passerelle::v1;
using v1::GraduateService;
using v1::OfferService;
using v1::OrganizationService;

std::vector<FlagDoc> JsonFlags() {
  return {{"json", FlagKind::kString, "the whole resource in proto3 JSON"},
          {"json_file", FlagKind::kString,
           "a file holding the resource in proto3 JSON (- for stdin)"}};
}

const FlagDoc kIdFlag{"id", FlagKind::kString, "the id (or give it as ID)"};

// Calls a unary RPC of `Service` and prints its answer.
template <typename Service, typename Request, typename Response>
absl::Status CallAndPrint(Invocation& inv, absl::string_view method,
                          grpc::Status (Service::Stub::*rpc)(
                              grpc::ClientContext*, const Request&, Response*),
                          const Request& request) {
  auto stub = Service::NewStub(inv.channel);
  Response response;
  RETURN_IF_ERROR(inv.Call(method, [&](grpc::ClientContext* context) {
    return ((*stub).*rpc)(context, request, &response);
  }));
  inv.printer.PrintMessage(response);
  return absl::OkStatus();
}

// create: the resource from --json/--json_file and field flags.
template <typename Service, typename Request, typename Response,
          typename MutableFn>
Run CreateRun(std::string method,
              grpc::Status (Service::Stub::*rpc)(grpc::ClientContext*,
                                                 const Request&, Response*),
              MutableFn mutable_resource) {
  return [=](Invocation& inv) -> absl::Status {
    Request request;
    std::vector<std::string> paths;
    RETURN_IF_ERROR(BuildResource(inv, mutable_resource(request), &paths));
    return CallAndPrint<Service>(inv, method, rpc, request);
  };
}

// get/delete/close: a request holding `id`.
template <typename Service, typename Request, typename Response>
Run IdRun(std::string method,
          grpc::Status (Service::Stub::*rpc)(grpc::ClientContext*,
                                             const Request&, Response*)) {
  return [=](Invocation& inv) -> absl::Status {
    Request request;
    ASSIGN_OR_RETURN(std::string id, IdArgument(inv));
    request.set_id(id);
    return CallAndPrint<Service>(inv, method, rpc, request);
  };
}

// update: id and version, the fields given, and the mask built from them
// (or --update_mask).
template <typename Service, typename Request, typename Response,
          typename MutableFn>
Run UpdateRun(std::string method,
              grpc::Status (Service::Stub::*rpc)(grpc::ClientContext*,
                                                 const Request&, Response*),
              MutableFn mutable_resource) {
  return [=](Invocation& inv) -> absl::Status {
    Request request;
    google::protobuf::Message* resource = mutable_resource(request);
    std::vector<std::string> paths;
    RETURN_IF_ERROR(BuildResource(inv, resource, &paths));
    const auto* descriptor = resource->GetDescriptor();
    const auto* id_field = descriptor->FindFieldByName("id");
    const auto* reflection = resource->GetReflection();
    if (!inv.args.positional().empty()) {
      reflection->SetString(resource, id_field, inv.args.positional().front());
    }
    if (reflection->GetString(*resource, id_field).empty()) {
      return UsageError(
          absl::StrCat("--id (or an ID argument) is required for '",
                       inv.command.name(), "'"));
    }
    if (std::find(paths.begin(), paths.end(), "version") == paths.end()) {
      return UsageError(
          absl::StrCat("--version is required for '", inv.command.name(),
                       "': the version you read (a stale version is ABORTED)"));
    }
    if (auto explicit_mask = inv.args.Get("update_mask")) {
      for (absl::string_view path :
           absl::StrSplit(*explicit_mask, ',', absl::SkipWhitespace())) {
        auto resolved = ResolveFieldPath(descriptor, path);
        if (!resolved.ok()) {
          return UsageError(
              absl::StrCat("--update_mask: ", resolved.status().message()));
        }
        request.mutable_update_mask()->add_paths(resolved->ToString());
      }
    } else {
      *request.mutable_update_mask() = BuildUpdateMask(descriptor, paths);
    }
    if (request.update_mask().paths_size() == 0) {
      return UsageError(absl::StrCat(
          "nothing to update: give field flags (see passerelle-cli ",
          inv.command.name(), " --help) or --json"));
    }
    return CallAndPrint<Service>(inv, method, rpc, request);
  };
}

std::vector<std::pair<std::string, std::string>> PlaceAliases(
    const std::string& field) {
  return {{"commune", field + ".commune_insee"},
          {"postal_code", field + ".postal_code"}};
}

// ---- organizations ----------------------------------------------------

std::vector<Column> CompanyColumns() {
  return {{"ID", "id"},
          {"SIRET", "siret"},
          {"NAME", "name"},
          {"NAF", "naf_code"},
          {"COMMUNE", "place.commune_name"},
          {"INSEE", "place.commune_insee"}};
}

std::vector<Column> SchoolColumns() {
  return {{"ID", "id"},
          {"UAI", "uai"},
          {"NAME", "name"},
          {"COMMUNE", "place.commune_name"},
          {"INSEE", "place.commune_insee"}};
}

std::vector<Column> PartnerColumns() {
  return {{"ID", "id"},
          {"NAME", "name"},
          {"SIRET", "siret"},
          {"COMMUNE", "place.commune_name"},
          {"INSEE", "place.commune_insee"}};
}

template <typename Request, typename Response, typename Rpc, typename Items>
Run OrgListRun(std::string method, Rpc rpc, Items items,
               std::vector<Column> columns) {
  return [=](Invocation& inv) -> absl::Status {
    auto stub = OrganizationService::NewStub(inv.channel);
    return ListPages<Request, Response>(
        inv, method, Request(),
        [&](grpc::ClientContext* c, const Request& r, Response* out) {
          return ((*stub).*rpc)(c, r, out);
        },
        items, columns);
  };
}

void AddOrganizationCommands(std::vector<Command>* commands) {
  // company
  {
    Command create = MakeCommand(
        {"company", "create"}, "Creates a company (an employer, by SIRET).",
        "passerelle-cli company create --siret=73282932000074 "
        "--name='Forges de Lille' --naf_code=25.62B --commune=59350",
        JsonFlags(),
        CreateRun<OrganizationService>(
            "CreateCompany", &OrganizationService::Stub::CreateCompany,
            [](v1::CreateCompanyRequest& r) { return r.mutable_company(); }));
    create.resource = v1::Company::descriptor();
    create.aliases = PlaceAliases("place");
    commands->push_back(std::move(create));
    Command get =
        MakeCommand({"company", "get"}, "Shows a company.",
                    "passerelle-cli company get COMPANY_ID", {kIdFlag},
                    IdRun<OrganizationService>(
                        "GetCompany", &OrganizationService::Stub::GetCompany));
    get.positional_synopsis = "[ID]";
    get.max_positional = 1;
    commands->push_back(std::move(get));
    commands->push_back(MakeCommand(
        {"company", "list"}, "Lists companies.",
        "passerelle-cli company list --all", PagingFlags(),
        OrgListRun<v1::ListCompaniesRequest, v1::ListCompaniesResponse>(
            "ListCompanies", &OrganizationService::Stub::ListCompanies,
            [](const v1::ListCompaniesResponse& r) -> const auto& {
              return r.companies();
            },
            CompanyColumns())));
  }
  // school
  {
    Command create = MakeCommand(
        {"school", "create"},
        "Creates a school (an école de production, by UAI).",
        "passerelle-cli school create --uai=0596781A "
        "--name='École de production de Roubaix' --commune=59512",
        JsonFlags(),
        CreateRun<OrganizationService>(
            "CreateSchool", &OrganizationService::Stub::CreateSchool,
            [](v1::CreateSchoolRequest& r) { return r.mutable_school(); }));
    create.resource = v1::School::descriptor();
    create.aliases = PlaceAliases("place");
    commands->push_back(std::move(create));
    Command get =
        MakeCommand({"school", "get"}, "Shows a school.",
                    "passerelle-cli school get SCHOOL_ID", {kIdFlag},
                    IdRun<OrganizationService>(
                        "GetSchool", &OrganizationService::Stub::GetSchool));
    get.positional_synopsis = "[ID]";
    get.max_positional = 1;
    commands->push_back(std::move(get));
    commands->push_back(
        MakeCommand({"school", "list"}, "Lists schools.",
                    "passerelle-cli school list", PagingFlags(),
                    OrgListRun<v1::ListSchoolsRequest, v1::ListSchoolsResponse>(
                        "ListSchools", &OrganizationService::Stub::ListSchools,
                        [](const v1::ListSchoolsResponse& r) -> const auto& {
                          return r.schools();
                        },
                        SchoolColumns())));
  }
  // partner
  {
    Command create = MakeCommand(
        {"partner", "create"},
        "Creates a partner (a Mission locale or another partner system).",
        "passerelle-cli partner create --name='Mission locale de Lille' "
        "--commune=59350",
        JsonFlags(),
        CreateRun<OrganizationService>(
            "CreatePartner", &OrganizationService::Stub::CreatePartner,
            [](v1::CreatePartnerRequest& r) { return r.mutable_partner(); }));
    create.resource = v1::Partner::descriptor();
    create.aliases = PlaceAliases("place");
    commands->push_back(std::move(create));
    Command get =
        MakeCommand({"partner", "get"}, "Shows a partner.",
                    "passerelle-cli partner get PARTNER_ID", {kIdFlag},
                    IdRun<OrganizationService>(
                        "GetPartner", &OrganizationService::Stub::GetPartner));
    get.positional_synopsis = "[ID]";
    get.max_positional = 1;
    commands->push_back(std::move(get));
    commands->push_back(MakeCommand(
        {"partner", "list"}, "Lists partners.", "passerelle-cli partner list",
        PagingFlags(),
        OrgListRun<v1::ListPartnersRequest, v1::ListPartnersResponse>(
            "ListPartners", &OrganizationService::Stub::ListPartners,
            [](const v1::ListPartnersResponse& r) -> const auto& {
              return r.partners();
            },
            PartnerColumns())));
  }
}

// ---- tokens -----------------------------------------------------------

absl::Status TokenIssue(Invocation& inv) {
  v1::IssueTokenRequest request;
  request.set_organization_id(inv.args.GetString("organization_id"));
  ASSIGN_OR_RETURN(std::string role, inv.Required("role"));
  auto value = ParseEnumValue(v1::Role_descriptor(), role);
  if (!value.ok()) {
    return UsageError(absl::StrCat("--role: ", value.status().message()));
  }
  request.set_role(static_cast<v1::Role>((*value)->number()));
  request.set_description(inv.args.GetString("description"));
  request.set_graduate_id(inv.args.GetString("graduate_id"));
  auto stub = OrganizationService::NewStub(inv.channel);
  v1::IssueTokenResponse response;
  RETURN_IF_ERROR(inv.Call("IssueToken", [&](grpc::ClientContext* c) {
    return stub->IssueToken(c, request, &response);
  }));
  if (inv.printer.json()) {
    inv.printer.PrintJsonLine(response);
  } else {
    inv.out << "token     " << response.token() << "\n"
            << "token_id  " << response.token_id() << "\n";
  }
  inv.err << "note: the token is shown only this once; store it now (e.g. in "
             "a file only you can read)\n";
  return absl::OkStatus();
}

absl::Status TokenRevoke(Invocation& inv) {
  v1::RevokeTokenRequest request;
  request.set_token_id(inv.args.GetString("token_id"));
  request.set_token(inv.args.GetString("token"));
  if (request.token_id().empty() == request.token().empty()) {
    return UsageError(
        "give exactly one of --token_id and --token (the token to revoke; "
        "your own token then goes before the command, in --token_file or in "
        "PASSERELLE_TOKEN)");
  }
  auto stub = OrganizationService::NewStub(inv.channel);
  v1::RevokeTokenResponse response;
  RETURN_IF_ERROR(inv.Call("RevokeToken", [&](grpc::ClientContext* c) {
    return stub->RevokeToken(c, request, &response);
  }));
  if (inv.printer.json()) {
    inv.printer.PrintJsonLine(response);
  } else {
    inv.out << "revoked token "
            << (request.token_id().empty() ? std::string("(given)")
                                           : request.token_id())
            << "\n";
  }
  return absl::OkStatus();
}

void AddTokenCommands(std::vector<Command>* commands) {
  commands->push_back(MakeCommand(
      {"token", "issue"},
      "Issues a token for an organization (admin). The token is printed once.",
      "passerelle-cli token issue --organization_id=SCHOOL_ID --role=school",
      {{"organization_id", FlagKind::kString,
        "the organization the token acts for (empty for an admin token)"},
       {"role", FlagKind::kString,
        "admin, school, company, partner, graduate (the young person) or "
        "guardian (a minor's legal representative)"},
       {"description", FlagKind::kString, "what the token is for"},
       {"graduate_id", FlagKind::kString,
        "graduate and guardian tokens: the young person (issued by their "
        "school or partner)"}},
      TokenIssue));
  commands->push_back(MakeCommand(
      {"token", "revoke"}, "Revokes a token, by id or by value.",
      "passerelle-cli token revoke --token_id=TOKEN_ID",
      {{"token_id", FlagKind::kString, "the id of the token to revoke"},
       {"token", FlagKind::kString,
        "the token to revoke (after the command, --token names the token to "
        "revoke, not yours)"}},
      TokenRevoke));
  commands->push_back(MakeCommand(
      {"whoami"}, "Shows the organization and role of your token.",
      "passerelle-cli whoami", {}, [](Invocation& inv) -> absl::Status {
        return CallAndPrint<OrganizationService>(
            inv, "WhoAmI", &OrganizationService::Stub::WhoAmI,
            v1::WhoAmIRequest());
      }));
}

// ---- graduates ------------------------------------------------------------

std::vector<Column> GraduateColumns() {
  return {{"ID", "id"},
          {"EXTERNAL_ID", "external_id"},
          {"GIVEN_NAME", "given_name"},
          {"FAMILY_NAME", "family_name"},
          {"BIRTH_DATE", "birth_date"},
          {"DIPLOMA", "diploma.code"},
          {"LEVEL", "diploma.level", Align::kRight},
          {"ROME", "rome_codes"},
          {"CONTRACTS", "accepted_contracts"},
          {"COMMUNE", "home.commune_name"},
          {"STATUS", "status"},
          {"VERSION", "version", Align::kRight}};
}

std::vector<std::pair<std::string, std::string>> GraduateAliases() {
  auto aliases = PlaceAliases("home");
  aliases.emplace_back("rome", "rome_codes");
  aliases.emplace_back("contracts", "accepted_contracts");
  return aliases;
}

template <typename Enum>
absl::Status SetEnumFilter(const Invocation& inv, absl::string_view flag,
                           const google::protobuf::EnumDescriptor* type,
                           Enum* out) {
  auto text = inv.args.Get(flag);
  if (!text) return absl::OkStatus();
  auto value = ParseEnumValue(type, *text);
  if (!value.ok()) {
    return UsageError(absl::StrCat("--", flag, ": ", value.status().message()));
  }
  *out = static_cast<Enum>((*value)->number());
  return absl::OkStatus();
}

absl::Status GraduateList(Invocation& inv) {
  v1::ListGraduatesRequest request;
  request.set_school_id(inv.args.GetString("school_id"));
  request.set_partner_id(inv.args.GetString("partner_id"));
  ASSIGN_OR_RETURN(bool followed, inv.args.GetBool("followed", false));
  request.set_followed(followed);
  v1::GraduateStatus status = v1::GRADUATE_STATUS_UNSPECIFIED;
  RETURN_IF_ERROR(
      SetEnumFilter(inv, "status", v1::GraduateStatus_descriptor(), &status));
  request.set_status(status);
  auto stub = GraduateService::NewStub(inv.channel);
  return ListPages<v1::ListGraduatesRequest, v1::ListGraduatesResponse>(
      inv, "ListGraduates", request,
      [&](grpc::ClientContext* c, const v1::ListGraduatesRequest& r,
          v1::ListGraduatesResponse* out) {
        return stub->ListGraduates(c, r, out);
      },
      [](const v1::ListGraduatesResponse& r) -> const auto& {
        return r.graduates();
      },
      GraduateColumns());
}

// graduate grant|revoke GRADUATE_ID --partner_id=P
absl::Status GraduateAccess(Invocation& inv, bool grant) {
  ASSIGN_OR_RETURN(std::string id, IdArgument(inv));
  ASSIGN_OR_RETURN(std::string partner, inv.Required("partner_id"));
  auto stub = GraduateService::NewStub(inv.channel);
  v1::Graduate response;
  if (grant) {
    v1::GrantGraduateAccessRequest request;
    request.set_graduate_id(id);
    request.set_partner_id(partner);
    RETURN_IF_ERROR(
        inv.Call("GrantGraduateAccess", [&](grpc::ClientContext* c) {
          return stub->GrantGraduateAccess(c, request, &response);
        }));
  } else {
    v1::RevokeGraduateAccessRequest request;
    request.set_graduate_id(id);
    request.set_partner_id(partner);
    RETURN_IF_ERROR(
        inv.Call("RevokeGraduateAccess", [&](grpc::ClientContext* c) {
          return stub->RevokeGraduateAccess(c, request, &response);
        }));
  }
  if (inv.printer.json()) {
    inv.printer.PrintJsonLine(response);
    return absl::OkStatus();
  }
  inv.out << (grant ? "granted " : "revoked ") << partner
          << (grant ? " access to graduate " : " access from graduate ") << id
          << "\n";
  std::vector<std::string> followers;
  for (const v1::GraduateFollower& f : response.followers()) {
    followers.push_back(f.partner_id());
  }
  inv.out << "followed by: "
          << (followers.empty() ? "nobody but the owner"
                                : absl::StrJoin(followers, ", "))
          << "\n";
  return absl::OkStatus();
}

absl::Status GraduateDelete(Invocation& inv) {
  v1::DeleteGraduateRequest request;
  ASSIGN_OR_RETURN(std::string id, IdArgument(inv));
  request.set_id(id);
  auto stub = GraduateService::NewStub(inv.channel);
  v1::DeleteGraduateResponse response;
  RETURN_IF_ERROR(inv.Call("DeleteGraduate", [&](grpc::ClientContext* c) {
    return stub->DeleteGraduate(c, request, &response);
  }));
  if (inv.printer.json()) {
    inv.printer.PrintJsonLine(response);
  } else {
    inv.out << "deleted graduate " << id << "\n";
  }
  return absl::OkStatus();
}

void AddGraduateCommands(std::vector<Command>* commands) {
  Command create = MakeCommand(
      {"graduate", "create"}, "Creates a graduate.",
      "passerelle-cli graduate create --external_id=EP-2026-017 "
      "--given_name=Clémence --family_name=Lefebvre --birth_date=2008-05-14 "
      "--diploma.code=50025123 --diploma.status=in_progress "
      "--rome=H2903,H2202 --commune=59350 --max_distance_km=30 "
      "--contracts=apprenticeship,cdi",
      JsonFlags(),
      CreateRun<GraduateService>(
          "CreateGraduate", &GraduateService::Stub::CreateGraduate,
          [](v1::CreateGraduateRequest& r) { return r.mutable_graduate(); }));
  create.resource = v1::Graduate::descriptor();
  create.aliases = GraduateAliases();
  commands->push_back(std::move(create));

  Command get =
      MakeCommand({"graduate", "get"}, "Shows a graduate.",
                  "passerelle-cli graduate get GRADUATE_ID", {kIdFlag},
                  IdRun<GraduateService>("GetGraduate",
                                         &GraduateService::Stub::GetGraduate));
  get.positional_synopsis = "[ID]";
  get.max_positional = 1;
  commands->push_back(std::move(get));

  Command update = MakeCommand(
      {"graduate", "update"},
      "Updates the fields given. The update mask is built from the field "
      "flags and the fields present in --json.",
      "passerelle-cli graduate update GRADUATE_ID --version=3 "
      "--diploma.status=obtained --available_from=2027-07-01",
      Concat(JsonFlags(),
             {{"update_mask", FlagKind::kString,
               "comma-separated field paths, instead of the fields given"}}),
      UpdateRun<GraduateService>(
          "UpdateGraduate", &GraduateService::Stub::UpdateGraduate,
          [](v1::UpdateGraduateRequest& r) { return r.mutable_graduate(); }));
  update.resource = v1::Graduate::descriptor();
  update.aliases = GraduateAliases();
  update.positional_synopsis = "[ID]";
  update.max_positional = 1;
  commands->push_back(std::move(update));

  Command remove = MakeCommand(
      {"graduate", "delete"},
      "Deletes a graduate everywhere (records, indexes, proposals).",
      "passerelle-cli graduate delete GRADUATE_ID", {kIdFlag}, GraduateDelete);
  remove.positional_synopsis = "[ID]";
  remove.max_positional = 1;
  commands->push_back(std::move(remove));

  commands->push_back(MakeCommand(
      {"graduate", "list"}, "Lists graduates.",
      "passerelle-cli graduate list --school_id=SCHOOL_ID --status=seeking "
      "--all",
      Concat(
          {{"school_id", FlagKind::kString, "only this school's graduates"},
           {"partner_id", FlagKind::kString, "only this partner's graduates"},
           {"followed", FlagKind::kBool,
            "a partner: the young people other organizations granted it "
            "access to, instead of its own"},
           {"status", FlagKind::kString, "seeking, placed or withdrawn"}},
          PagingFlags()),
      GraduateList));

  for (const bool grant : {true, false}) {
    Command access = MakeCommand(
        {"graduate", grant ? "grant" : "revoke"},
        grant ? "Grants a partner (a Mission locale) access to one of your "
                "graduates: it then sees the young person and their "
                "proposals and can answer them; recorded in the audit log."
              : "Ends a partner's access to a graduate (the owner, or the "
                "partner itself).",
        grant ? "passerelle-cli graduate grant GRADUATE_ID "
                "--partner_id=PARTNER_ID"
              : "passerelle-cli graduate revoke GRADUATE_ID "
                "--partner_id=PARTNER_ID",
        {kIdFlag, {"partner_id", FlagKind::kString, "the partner, required"}},
        [grant](Invocation& inv) { return GraduateAccess(inv, grant); });
    access.positional_synopsis = "[ID]";
    access.max_positional = 1;
    commands->push_back(std::move(access));
  }
}

// ---- offers ---------------------------------------------------------------

std::vector<std::pair<std::string, std::string>> OfferAliases() {
  auto aliases = PlaceAliases("place");
  aliases.emplace_back("rome", "rome_code");
  aliases.emplace_back("contract", "contract_type");
  return aliases;
}

absl::Status OfferList(Invocation& inv) {
  v1::ListOffersRequest request;
  request.set_company_id(inv.args.GetString("company_id"));
  v1::OfferStatus status = v1::OFFER_STATUS_UNSPECIFIED;
  RETURN_IF_ERROR(
      SetEnumFilter(inv, "status", v1::OfferStatus_descriptor(), &status));
  request.set_status(status);
  auto stub = OfferService::NewStub(inv.channel);
  return ListPages<v1::ListOffersRequest, v1::ListOffersResponse>(
      inv, "ListOffers", request,
      [&](grpc::ClientContext* c, const v1::ListOffersRequest& r,
          v1::ListOffersResponse* out) { return stub->ListOffers(c, r, out); },
      [](const v1::ListOffersResponse& r) -> const auto& { return r.offers(); },
      OfferColumns());
}

absl::Status OfferSearch(Invocation& inv) {
  v1::SearchOffersRequest request;
  for (const std::string& code : ListFlagValues(inv.args, "rome")) {
    request.add_rome_codes(code);
  }
  ASSIGN_OR_RETURN(
      std::vector<int> contracts,
      EnumListFlag(inv.args, "contract", v1::ContractType_descriptor()));
  for (int contract : contracts) {
    request.add_contract_types(static_cast<v1::ContractType>(contract));
  }
  request.set_commune_insee(inv.args.GetString("commune"));
  ASSIGN_OR_RETURN(auto lat, inv.args.GetDouble("lat"));
  ASSIGN_OR_RETURN(auto lng, inv.args.GetDouble("lng"));
  ASSIGN_OR_RETURN(auto radius, inv.args.GetDouble("radius_km"));
  if (lat.has_value() != lng.has_value()) {
    return UsageError("--lat and --lng go together");
  }
  if (lat && !request.commune_insee().empty()) {
    return UsageError("give --commune or --lat/--lng, not both");
  }
  if (lat) {
    request.set_latitude(*lat);
    request.set_longitude(*lng);
  }
  if (radius) request.set_radius_km(*radius);
  const bool has_centre = lat.has_value() || !request.commune_insee().empty();
  if (radius && !has_centre) {
    return UsageError("--radius_km needs a centre: --commune or --lat/--lng");
  }
  ASSIGN_OR_RETURN(bool include_closed,
                   inv.args.GetBool("include_closed", false));
  request.set_include_closed(include_closed);

  auto stub = OfferService::NewStub(inv.channel);
  std::vector<Column> columns = OfferColumns();
  std::vector<std::vector<std::string>> rows;
  const absl::Status status =
      ForEachPage<v1::SearchOffersRequest, v1::SearchOffersResponse>(
          inv, "SearchOffers", request,
          [&](grpc::ClientContext* c, const v1::SearchOffersRequest& r,
              v1::SearchOffersResponse* out) {
            return stub->SearchOffers(c, r, out);
          },
          [&](const v1::SearchOffersResponse& page) {
            for (int i = 0; i < page.offers_size(); ++i) {
              const bool has_distance = i < page.distance_km_size();
              if (inv.printer.json()) {
                // With a centre, each line carries the distance too, in the
                // shape of a RankedOffer.
                if (has_distance) {
                  v1::RankedOffer line;
                  *line.mutable_offer() = page.offers(i);
                  line.set_distance_km(page.distance_km(i));
                  inv.printer.PrintJsonLine(line);
                } else {
                  inv.printer.PrintJsonLine(page.offers(i));
                }
                continue;
              }
              std::vector<std::string> row;
              for (const Column& column : columns) {
                row.push_back(FormatFieldValue(page.offers(i), column.path));
              }
              row.push_back(has_distance ? FormatDouble(page.distance_km(i))
                                         : "");
              rows.push_back(std::move(row));
            }
          });
  if (!inv.printer.json()) {
    std::vector<std::string> headers;
    for (const Column& column : columns) headers.push_back(column.header);
    headers.push_back("DISTANCE_KM");
    Table table(std::move(headers));
    table.SetMaxWidth(kMaxCellWidth);
    for (size_t i = 0; i < columns.size(); ++i) {
      table.SetAlign(i, columns[i].align);
    }
    table.SetAlign(columns.size(), Align::kRight);
    for (auto& row : rows) table.AddRow(std::move(row));
    table.Print(inv.out);
  }
  return status;
}

void AddOfferCommands(std::vector<Command>* commands) {
  Command create = MakeCommand(
      {"offer", "create"}, "Creates an offer.",
      "passerelle-cli offer create --company_id=COMPANY_ID "
      "--external_id=OF-42 --title='Soudeur TIG' --rome=H2913 "
      "--contract=apprenticeship --duration_months=24 "
      "--start_date=2027-09-01 --weekly_hours=35 --positions=2 "
      "--commune=59350",
      JsonFlags(),
      CreateRun<OfferService>(
          "CreateOffer", &OfferService::Stub::CreateOffer,
          [](v1::CreateOfferRequest& r) { return r.mutable_offer(); }));
  create.resource = v1::Offer::descriptor();
  create.aliases = OfferAliases();
  commands->push_back(std::move(create));

  Command get = MakeCommand(
      {"offer", "get"}, "Shows an offer.", "passerelle-cli offer get OFFER_ID",
      {kIdFlag},
      IdRun<OfferService>("GetOffer", &OfferService::Stub::GetOffer));
  get.positional_synopsis = "[ID]";
  get.max_positional = 1;
  commands->push_back(std::move(get));

  Command update = MakeCommand(
      {"offer", "update"},
      "Updates the fields given. The update mask is built from the field "
      "flags and the fields present in --json.",
      "passerelle-cli offer update OFFER_ID --version=2 --positions=3",
      Concat(JsonFlags(),
             {{"update_mask", FlagKind::kString,
               "comma-separated field paths, instead of the fields given"}}),
      UpdateRun<OfferService>(
          "UpdateOffer", &OfferService::Stub::UpdateOffer,
          [](v1::UpdateOfferRequest& r) { return r.mutable_offer(); }));
  update.resource = v1::Offer::descriptor();
  update.aliases = OfferAliases();
  update.positional_synopsis = "[ID]";
  update.max_positional = 1;
  commands->push_back(std::move(update));

  Command close = MakeCommand(
      {"offer", "close"}, "Closes an offer.",
      "passerelle-cli offer close OFFER_ID", {kIdFlag},
      IdRun<OfferService>("CloseOffer", &OfferService::Stub::CloseOffer));
  close.positional_synopsis = "[ID]";
  close.max_positional = 1;
  commands->push_back(std::move(close));

  commands->push_back(MakeCommand(
      {"offer", "list"}, "Lists offers.",
      "passerelle-cli offer list --company_id=COMPANY_ID --status=open",
      Concat({{"company_id", FlagKind::kString, "only this company's offers"},
              {"status", FlagKind::kString, "open, closed or filled"}},
             PagingFlags()),
      OfferList));

  commands->push_back(MakeCommand(
      {"offer", "search"},
      "Searches offers by trade, contract type and distance.",
      "passerelle-cli offer search --rome=H2903,H2202 "
      "--contract=cdi,apprenticeship --commune=59350 --radius_km=25",
      Concat({{"rome", FlagKind::kString, "ROME codes, comma-separated"},
              {"contract", FlagKind::kString,
               "contract types, comma-separated (cdi, apprenticeship, "
               "professionalisation, cdd)"},
              {"commune", FlagKind::kString, "centre: a commune's INSEE code"},
              {"lat", FlagKind::kString, "centre: latitude (WGS84)"},
              {"lng", FlagKind::kString, "centre: longitude (WGS84)"},
              {"radius_km", FlagKind::kString, "distance from the centre"},
              {"include_closed", FlagKind::kBool, "closed offers too"}},
             PagingFlags()),
      OfferSearch));
}

}  // namespace

void AddResourceCommands(std::vector<Command>* commands) {
  AddOrganizationCommands(commands);
  AddTokenCommands(commands);
  AddGraduateCommands(commands);
  AddOfferCommands(commands);
}

}  // namespace passerelle::cli
