#pragma once

// Partner offer formats: maps one job offer published by a partner, in that
// partner's own JSON, to a passerelle::v1::Offer, or says which source field
// keeps it from being one. docs/formats.md has the mapping field by field,
// what is rejected and why, and the schema versions followed:
// - France Travail "Offres d'emploi v2" (francetravail.io, formerly
//   pole-emploi.io): one offer of GET /partenaire/offresdemploi/v2/offres/{id}
//   or of the `resultats` of .../v2/offres/search;
// - La bonne alternance's current job offers, "JobOfferRead": the elements
//   of `jobs` of api.apprentissage.beta.gouv.fr's GET /api/job/v1/search,
//   GET /api/job/v1/offer/{id} and the /api/job/v1/export file (La bonne
//   alternance serves the same as /api/v3/jobs/...). The older /api/v1/jobs
//   shape (matchas, peJobs) is not read.
//
// Plain data in, plain data out: no clock (the caller passes `today`), no
// referential, no I/O. The offer returned is not validated: ImportOffers
// runs common::ValidateOffer() on it (an importer may run it first to report
// errors before sending), whose errors name the Passerelle field
// ("offer.weekly_hours: ..."); what this file rejects names the partner's
// field ("lieuTravail.commune: ..."), for the rules that depend on what the
// partner publishes.

#include <functional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "passerelle/v1/offer.pb.h"

namespace passerelle::offers::formats {

enum class Format { kFranceTravail, kLaBonneAlternance };

// "france-travail" or "labonnealternance" (ASCII case ignored). Else
// INVALID_ARGUMENT: `--format: unknown format "x" (expected france-travail
// or labonnealternance)`.
absl::StatusOr<Format> ParseFormat(absl::string_view name);

// The name ParseFormat() reads: "france-travail", "labonnealternance".
absl::string_view FormatName(Format format);

// One record (a JSON object) to an Offer, not yet validated by
// common::ValidateOffer(). `today` is the day the import runs (Europe/Paris):
// start dates are never before it. external_id is "ft:<id>" or
// "lba:<identifier.id>", so importing the same record again upserts the
// same offer.
//
// INVALID_ARGUMENT "<source field>: <reason>" when the record cannot be
// mapped, e.g.
//   record: not valid JSON (Unexpected token.)
//   record: must be a JSON object, got an array
//   romeCode: required
//   nombrePostes: must be a whole number, got "3"
//   typeContrat: "MIS" (Mission intérimaire) is not a contract Passerelle
//     places graduates in (...)
// Never crashes, whatever the input.
absl::StatusOr<v1::Offer> ToOffer(Format format, absl::string_view json_object,
                                  absl::CivilDay today);

// A whole file as partners publish it: a JSON array of records; an object
// holding them in "resultats" (France Travail search) or in "jobs" or
// "results" (La bonne alternance); one record alone (an object that is none
// of those); or JSON Lines (one record per line, blank lines skipped). A
// UTF-8 byte-order mark is skipped. Calls fn(record_index, offer or error)
// for each record, in file order, record_index counting from 0 (in JSON
// Lines, the non-blank lines); the errors are ToOffer()'s. An empty file has
// no record.
//
// Returns INVALID_ARGUMENT, having called fn for no record, only if the file
// is none of those shapes ("file: ..."): not JSON and its first non-blank
// line not JSON either, a JSON scalar, or a "resultats" / "jobs" /
// "results" that is not an array.
absl::Status ForEachRecord(
    Format format, absl::string_view file_content, absl::CivilDay today,
    const std::function<void(int, absl::StatusOr<v1::Offer>)>& fn);

}  // namespace passerelle::offers::formats
