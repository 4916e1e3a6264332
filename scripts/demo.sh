#!/usr/bin/env bash
# The main job, embedded: one passerelle-server (every service, RocksDB in a
# local directory), demo companies, schools, offers and graduates generated
# from the real referentials (Hauts-de-France), then the ranked offers of a
# few graduates with the factors behind each rank.
#
#   scripts/demo.sh   # set up, build, run the demo; then, in a terminal,
#                     # keep serving the web application until Ctrl-C
#   KEEP_RUNNING=0 scripts/demo.sh   # stop at the end (the default when
#                                    # not run from a terminal, as in CI)
#   KEEP_RUNNING=1 scripts/demo.sh   # keep serving, even without a terminal
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh passerelle-server passerelle-cli passerelle-datagen

build=${BUILD_DIR:-build}
demo=${DEMO_DIR:-var/demo}
rm -rf "$demo"
mkdir -p "$demo"

"$build/services/server/passerelle-server" --data_dir="$demo/data" --port=0 \
  --port_file="$demo/port" --http_port=0 --http_port_file="$demo/http_port" \
  >"$demo/server.log" 2>&1 &
server=$!
stop() { kill -TERM "$server" 2>/dev/null && wait "$server" || true; }
trap stop EXIT
for _ in $(seq 600); do
  [ -s "$demo/port" ] && [ -s "$demo/http_port" ] && break
  kill -0 "$server" 2>/dev/null || { cat "$demo/server.log"; exit 1; }
  sleep 0.1
done
[ -s "$demo/port" ] || { echo "the server did not start" >&2; exit 1; }
address="127.0.0.1:$(cat "$demo/port")"
token_file="$demo/data/admin.token"
echo "== passerelle-server on $address, data in $demo/data (admin token: $token_file)"
echo "== HTTP/JSON API on http://127.0.0.1:$(cat "$demo/http_port")/v1/ (OpenAPI: /v1/openapi.json; Authorization: Bearer <token>)"

cli() { "$build/clients/cli/passerelle-cli" --address="$address" --token_file="$token_file" "$@"; }

echo "== Demo data from the real referentials (region 32, Hauts-de-France)"
"$build/tests/bench/passerelle-datagen" --address="$address" --token_file="$token_file" \
  --region=32 --trades=industry --companies=40 --schools=4 --offers=10000 --graduates=200 --seed=7

# Demo sign-ins for the web UI: a federation admin, the first school's
# placement officer and a recruiter of the company of the first offer.
password="Passerelle-demo-2026"
school_id=$(cli --output=json school list --page_size=1 | sed -n 's/.*"id": *"\(sch_[0-9a-f]*\)".*/\1/p' | head -1)
company_id=$(cli --output=json offer list --page_size=1 | sed -n 's/.*"companyId": *"\(cmp_[0-9a-f]*\)".*/\1/p' | head -1)
invite() {  # organization email role
  local link
  link=$(cli --output=json user invite --organization_id="$1" --email="$2" --role="$3" \
           --organization_admin 2>/dev/null | sed -n 's/.*"linkPath": *"\([^"]*\)".*/\1/p')
  [ -n "$link" ] || { echo "cannot invite $2" >&2; exit 1; }
  printf '%s\n' "$password" | cli user accept --invitation_token="$link" --password_file=- \
    --display_name="$4" >/dev/null
}
invite "" federation@example.fr admin "Fédération (démo)"
invite "$school_id" ecole@example.fr school "Chargée d'insertion (démo)"
invite "$company_id" entreprise@example.fr company "Recruteur (démo)"

echo; echo "== Schools"; cli school list --page_size=4
echo; echo "== Some companies"; cli company list --page_size=5
echo; echo "== Some offers"; cli offer list --page_size=5
echo; echo "== Some graduates"; cli graduate list --page_size=5

# Wait until the matcher has applied every write (it follows the change log).
for _ in $(seq 200); do
  status=$(cli --output=json matching status 2>/dev/null || true)
  applied=$(echo "$status" | sed -n 's/.*"appliedSequence": *"\{0,1\}\([0-9]*\).*/\1/p')
  logseq=$(echo "$status" | sed -n 's/.*"logSequence": *"\{0,1\}\([0-9]*\).*/\1/p')
  [ -n "$applied" ] && [ "$applied" = "$logseq" ] && break
  sleep 0.05
done

# The ranked offers of the first graduates that have some.
shown=0
for id in $(cli --output=json graduate list --page_size=40 |
              sed -n 's/.*"id": *"\(grd_[0-9a-f]*\)".*/\1/p'); do
  cli --output=json rank offers --graduate_id="$id" --page_size=1 2>/dev/null | grep -q '"offer"' || continue
  echo; echo "== Ranked offers for graduate $id"
  cli graduate get "$id" | grep -E "^(given_name|family_name|birth_date|rome_codes|home|max_distance_km|accepted_contracts)" || true
  echo
  cli rank offers --graduate_id="$id" --page_size=5 --factors
  shown=$((shown + 1))
  [ "$shown" -ge 3 ] && break
done

web="http://127.0.0.1:$(cat "$demo/http_port")/"
echo
echo "== Web application: $web"
echo "   sign in as ecole@example.fr (school), entreprise@example.fr (company)"
echo "   or federation@example.fr (federation admin), password $password"

if [ -z "${KEEP_RUNNING:-}" ] && [ -t 0 ] && [ -t 1 ]; then KEEP_RUNNING=1; fi
if [ "${KEEP_RUNNING:-0}" = 1 ]; then
  echo; echo "== Serving on $address until Ctrl-C (passerelle-cli --address=$address --token_file=$token_file ...)"
  wait "$server"
fi
