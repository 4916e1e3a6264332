#!/usr/bin/env python3
"""Builds the project's trimmed referentials (data/) from ../shared/data.

The output is committed, so a fresh clone needs neither this script nor
../shared. Re-run it only when the shared referentials change:
    python3 scripts/prepare_data.py ../shared/data data
"""
import csv
import collections
import os
import re
import sys

src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst, exist_ok=True)


def read(path, delimiter=","):
    with open(os.path.join(src, path), newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter=delimiter))


def write(name, header, rows):
    with open(os.path.join(dst, name), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    print(f"{name}: {len(rows)} rows")


# communes.csv: one row per commune (COM, ARM, COMD), postal codes joined by
# spaces. Rows without coordinates are dropped (they cannot be located).
communes = collections.OrderedDict()
for r in read("communes/communes_france.csv"):
    if not r["lat"] or not r["lng"]:
        continue
    c = communes.get(r["insee_com"])
    if c is None:
        communes[r["insee_com"]] = c = {
            "insee": r["insee_com"], "name": r["commune_article"] or r["commune"],
            "postal": [], "dep": r["insee_dep"], "reg": r["insee_reg"],
            "lat": r["lat"], "lng": r["lng"], "type": r["commune_type"],
            "pop": r["population_2021"] or "0"}
    if r["code_postal"] and r["code_postal"] not in c["postal"]:
        c["postal"].append(r["code_postal"])
write("communes.csv",
      ["insee", "name", "postal_codes", "departement", "region", "latitude",
       "longitude", "type", "population"],
      [[c["insee"], c["name"], " ".join(c["postal"]), c["dep"], c["reg"],
        c["lat"], c["lng"], c["type"], c["pop"]] for c in communes.values()])

# rome_codes.csv: ROME 4.0 fiches with their v3 parent and domain.
dom = {r["code_rome"]: r["code_domaine_professionel"]
       for r in read("rome/rome4_v460_cr_gd_dp.csv")}
write("rome_codes.csv", ["code", "title", "parent", "domain"],
      [[r["code_rome"], r["libelle_rome"], r["code_rome_parent"],
        dom.get(r["code_rome"], "")]
       for r in read("rome/rome4_v460_referentiel_code_rome.csv")])

# appellations.csv: the job titles (OGR appellations) of each ROME fiche,
# for the trade autocompletion; the rarely used ones are left out.
write("appellations.csv", ["ogr", "title", "rome"],
      [[r["code_ogr"], r["libelle_appellation_long"], r["code_rome"]]
       for r in read("rome/rome4_v460_referentiel_appellation.csv")
       if r["peu_usite"].strip().lower() not in ("1", "true", "oui", "o")])

# rome_mobility.csv: the official proximity table (rank 1 = closest).
write("rome_mobility.csv", ["code", "target", "rank"],
      [[r["code_rome"], r["code_rome_cible"], r["numero_ordre"]]
       for r in read("rome/rome4_v460_rubrique_mobilite.csv")])

# diplomas.csv: CFD and RNCP codes -> kind, title, European level, ROME codes.
level_labels = {r["NIVEAU_FORMATION_DIPLOME"]: r["LIBELLE_COURT"]
                for r in read("diplomes/bcn_n_niveau_formation_diplome.csv",
                              ";")}
romes_by_cfd = collections.defaultdict(list)
romes_by_rncp = collections.defaultdict(list)
certif = read("diplomes/certifinfo_niveaux_3_4.csv", ";")
for r in certif:
    romes = [r[f"Code_Rome_{i}"] for i in range(1, 6) if r[f"Code_Rome_{i}"]]
    if r["Code_Scolarité"]:
        romes_by_cfd[r["Code_Scolarité"]] += [x for x in romes
                                              if x not in romes_by_cfd[r["Code_Scolarité"]]]
    if r["Code_RNCP"]:
        key = "RNCP" + r["Code_RNCP"]
        romes_by_rncp[key] += [x for x in romes if x not in romes_by_rncp[key]]
diplomas = collections.OrderedDict()
for r in read("diplomes/bcn_n_formation_diplome.csv", ";"):
    level = r["NIVEAU_QUALIFICATION_RNCP"].lstrip("0")
    if not level.isdigit() or not (1 <= int(level) <= 8):
        continue
    code = r["FORMATION_DIPLOME"]
    # A code closes on 31 August after its last session: when BCN gives the
    # last session's year but no closing date, the closing date follows.
    closed = r["DATE_FERMETURE"]
    if not closed and r["DATE_DERNIERE_SESSION"].isdigit():
        closed = "31/08/" + r["DATE_DERNIERE_SESSION"]
    diplomas[code] = [code, level_labels.get(r["NIVEAU_FORMATION_DIPLOME"], ""),
                      r["LIBELLE_LONG_200"].strip(), level,
                      " ".join(romes_by_cfd.get(code, [])), closed]
for r in certif:
    if not r["Code_RNCP"] or not r["Code_Niveau_Europeen"].isdigit():
        continue
    key = "RNCP" + r["Code_RNCP"]
    if key not in diplomas:
        diplomas[key] = [key, r["Libelle_Type_Diplome"], r["Libelle_Diplome"],
                         r["Code_Niveau_Europeen"],
                         " ".join(romes_by_rncp.get(key, [])), ""]
for r in read("diplomes/kit_apprentissage_cfd_rncp.csv", ";"):
    key = r["Code_RNCP"].strip()
    m = re.match(r"Niveau (\d)", r["Niveau fiche RNCP"] or "")
    if re.fullmatch(r"RNCP\d+", key) and m and key not in diplomas:
        diplomas[key] = [key, r["Abrégé de diplôme (RNCP)"].strip(),
                         r["Intitulé diplôme (DEPP)"].strip(), m.group(1),
                         " ".join(romes_by_rncp.get(key, [])), ""]
write("diplomas.csv",
      ["code", "kind", "title", "level", "rome_codes", "closed_on"],
      list(diplomas.values()))

# naf_codes.csv: the 732 NAF rév. 2 sub-classes.
write("naf_codes.csv", ["code", "title"],
      [[r["Code"], r["Intitule"].strip()]
       for r in read("naf/naf_rev2_tous_niveaux.csv", ";")
       if re.fullmatch(r"\d\d\.\d\d[A-Z]", r["Code"])])
