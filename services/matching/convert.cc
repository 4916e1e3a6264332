#include "services/matching/convert.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/common/dates.h"
#include "services/matching/engine/working_time.h"

namespace passerelle::matching {
namespace {

absl::StatusOr<absl::CivilDay> Day(const std::string& text, const char* field) {
  std::optional<absl::CivilDay> day = common::ParseDate(text);
  if (!day.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": not a date: \"", text, "\""));
  }
  return *day;
}

absl::CivilDay DayOf(const google::protobuf::Timestamp& t) {
  return common::DayInParis(absl::FromUnixSeconds(t.seconds()));
}

}  // namespace

absl::StatusOr<engine::Graduate> ToEngine(const v1::Graduate& g) {
  engine::Graduate out;
  out.id = g.id();
  absl::StatusOr<absl::CivilDay> birth =
      Day(g.birth_date(), "graduate.birth_date");
  if (!birth.ok()) return birth.status();
  out.birth_date = *birth;
  out.diploma.code = g.diploma().code();
  out.diploma.level = g.diploma().level();
  out.diploma.status = g.diploma().status() == v1::DIPLOMA_STATUS_OBTAINED
                           ? engine::DiplomaStatus::kObtained
                           : engine::DiplomaStatus::kInProgress;
  if (!g.diploma().obtained_on().empty()) {
    absl::StatusOr<absl::CivilDay> on =
        Day(g.diploma().obtained_on(), "graduate.diploma.obtained_on");
    if (!on.ok()) return on.status();
    out.diploma.obtained_on = *on;
  }
  out.rome_codes.assign(g.rome_codes().begin(), g.rome_codes().end());
  out.skills.assign(g.skills().begin(), g.skills().end());
  out.latitude = g.home().latitude();
  out.longitude = g.home().longitude();
  out.max_distance_km = g.max_distance_km();
  out.driving_licence = g.driving_licence();
  for (int c : g.accepted_contracts()) {
    out.accepted_contracts.push_back(static_cast<engine::ContractType>(c));
  }
  absl::StatusOr<absl::CivilDay> available =
      Day(g.available_from(), "graduate.available_from");
  if (!available.ok()) return available.status();
  out.available_from = *available;
  out.completed_college = g.completed_college();
  for (int a : g.work_authorisations()) {
    out.work_authorisations.push_back(
        static_cast<engine::WorkAuthorisation>(a));
  }
  for (const v1::DrivingLicence& l : g.driving_licences()) {
    engine::DrivingLicence licence;
    licence.category = static_cast<engine::LicenceCategory>(l.category());
    absl::StatusOr<absl::CivilDay> on =
        Day(l.obtained_on(), "graduate.driving_licences.obtained_on");
    if (!on.ok()) return on.status();
    licence.obtained_on = *on;
    licence.in_training = l.in_training();
    out.driving_licences.push_back(licence);
  }
  for (const v1::Attestation& a : g.attestations()) {
    engine::Attestation attestation;
    attestation.kind = static_cast<engine::AttestationKind>(a.kind());
    absl::StatusOr<absl::CivilDay> on =
        Day(a.attested_on(), "graduate.attestations.attested_on");
    if (!on.ok()) return on.status();
    attestation.attested_on = *on;
    if (!a.previous_contract_end().empty()) {
      absl::StatusOr<absl::CivilDay> end =
          Day(a.previous_contract_end(),
              "graduate.attestations.previous_contract_end");
      if (!end.ok()) return end.status();
      attestation.previous_contract_end = *end;
    }
    attestation.previous_level = a.previous_level();
    out.attestations.push_back(attestation);
  }
  out.seeking = g.status() == v1::GRADUATE_STATUS_SEEKING;
  return out;
}

absl::StatusOr<engine::Offer> ToEngine(const v1::Offer& o) {
  engine::Offer out;
  out.id = o.id();
  out.company_id = o.company_id();
  out.rome_code = o.rome_code();
  if (o.contract_type() == v1::CONTRACT_TYPE_UNSPECIFIED) {
    return absl::InvalidArgumentError("offer.contract_type: unspecified");
  }
  out.contract_type = static_cast<engine::ContractType>(o.contract_type());
  out.duration_months = o.duration_months();
  out.cdd_motive_unstated = o.contract_type() == v1::CONTRACT_TYPE_CDD &&
                            o.cdd_motive() == v1::CDD_MOTIVE_UNSPECIFIED;
  absl::StatusOr<absl::CivilDay> start =
      Day(o.start_date(), "offer.start_date");
  if (!start.ok()) return start.status();
  out.start_date = *start;
  out.weekly_hours = o.weekly_hours();
  out.night_work = o.night_work();
  out.regulated_work = o.regulated_work();
  out.regulated_work_declared = o.regulated_work_declared();
  for (int w : o.regulated_works()) {
    out.regulated_works.push_back(static_cast<engine::RegulatedWork>(w));
  }
  if (!o.regulated_work_declared_on().empty()) {
    absl::StatusOr<absl::CivilDay> declared =
        Day(o.regulated_work_declared_on(), "offer.regulated_work_declared_on");
    if (!declared.ok()) return declared.status();
    out.regulated_work_declared_on = *declared;
  }
  out.required_level = o.required_level();
  out.target_diploma.code = o.target_diploma().code();
  out.target_diploma.level = o.target_diploma().level();
  out.required_skills.assign(o.required_skills().begin(),
                             o.required_skills().end());
  out.desired_skills.assign(o.desired_skills().begin(),
                            o.desired_skills().end());
  out.driving_licence_required = o.driving_licence_required();
  if (o.driving_licence_category() != v1::LICENCE_CATEGORY_UNSPECIFIED) {
    out.driving_licence_category =
        static_cast<engine::LicenceCategory>(o.driving_licence_category());
  }
  out.latitude = o.place().latitude();
  out.longitude = o.place().longitude();
  out.positions = o.positions();
  out.positions_filled = o.positions_filled();
  out.monthly_gross_salary_eur = o.monthly_gross_salary_eur();
  out.branch_minimum_monthly_eur = o.branch_minimum_monthly_gross_eur();
  engine::WorkingTerms& terms = out.terms;
  terms.sector = static_cast<engine::WorkSector>(o.work_sector());
  for (int i = 0; i < o.schedule().shifts_size(); ++i) {
    absl::StatusOr<engine::Shift> shift =
        engine::ParseShift(o.schedule().shifts(i));
    if (!shift.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "offer.schedule.shifts[", i, "]: ", shift.status().message()));
    }
    terms.shifts.push_back(*shift);
  }
  terms.public_holidays = o.schedule().public_holidays();
  const v1::YoungWorkerDerogations& d = o.derogations();
  if (!d.night_work_authorised_on().empty()) {
    absl::StatusOr<absl::CivilDay> on =
        Day(d.night_work_authorised_on(),
            "offer.derogations.night_work_authorised_on");
    if (!on.ok()) return on.status();
    terms.night_authorised_on = *on;
  }
  terms.site_hours = d.site_hours();
  terms.weekly_rest_agreement = d.weekly_rest_agreement();
  terms.public_holiday_agreement = d.public_holiday_agreement();
  terms.bar_service = o.bar_service();
  if (!d.bar_agrement_on().empty()) {
    absl::StatusOr<absl::CivilDay> on =
        Day(d.bar_agrement_on(), "offer.derogations.bar_agrement_on");
    if (!on.ok()) return on.status();
    terms.bar_agrement_on = *on;
  }
  out.open = o.status() == v1::OFFER_STATUS_OPEN;
  if (!o.expires_on().empty()) {
    absl::StatusOr<absl::CivilDay> expires =
        Day(o.expires_on(), "offer.expires_on");
    if (!expires.ok()) return expires.status();
    out.expires_on = *expires;
  }
  out.created_on = DayOf(o.create_time());
  out.updated_on = DayOf(o.update_time());
  return out;
}

void ToProto(const engine::Factor& factor, v1::Factor* out) {
  out->set_name(factor.name);
  out->set_value(factor.value);
  out->set_weight(factor.weight);
  out->set_detail(factor.detail);
}

engine::TradeReferential TradesFrom(const common::Referentials& referentials) {
  engine::TradeReferential trades;
  for (const common::RomeCode& code : referentials.rome_codes()) {
    trades.codes.push_back({code.code, code.parent});
  }
  for (const common::RomeCode& code : referentials.rome_codes()) {
    for (const common::MobilityTarget& target :
         referentials.Mobility(code.code)) {
      trades.mobility.push_back({code.code, target.code, target.rank});
    }
  }
  return trades;
}

std::vector<engine::SmicValue> SmicFrom(
    const common::Referentials& referentials) {
  std::vector<engine::SmicValue> out;
  for (const common::SmicRevaluation& r : referentials.smic()) {
    out.push_back(
        {r.effective_from, r.hourly_gross_eur, r.monthly_gross_eur, r.source});
  }
  return out;
}

std::vector<engine::DiplomaFacts> DiplomasFrom(
    const common::Referentials& referentials) {
  std::vector<engine::DiplomaFacts> out;
  out.reserve(referentials.diplomas().size());
  for (const common::Diploma& d : referentials.diplomas()) {
    engine::DiplomaFacts facts;
    facts.code = d.code;
    if (!d.closed_on.empty()) facts.closes_on = common::ParseDate(d.closed_on);
    facts.vocational = d.vocational;
    facts.rome_codes = d.rome_codes;
    facts.cycle_months = d.cycle_months;
    out.push_back(std::move(facts));
  }
  return out;
}

}  // namespace passerelle::matching
