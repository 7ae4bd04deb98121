#!/usr/bin/env bash
# Set-up shared by the three JR/T 0325 §10 data-flow examples (docs/DID.md §10).
# Needs: ZL_NODE (a node of an sm chain named shanghai), NODE_KEY (a key file of a member that
# is a governor, the DID authority and a submitter), `zl` on PATH. Works in $WORK (default: .).
# Makes four SM2 keys and DIDs, and registers two credential issuers.
set -euo pipefail
: "${ZL_NODE:?set ZL_NODE to the node URL}" "${NODE_KEY:?set NODE_KEY to the authority key file}"
cd "${WORK:-.}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/names.sh"

for who in market enterprise agency user; do
  did="$(did_of "$who")"
  zl keys new --suite sm --out "$who.key" >/dev/null
  zl did doc --did "$did" --key-file "$who.key" --out "$who.did.json"
  zl did create --document "$who.did.json" --key "$NODE_KEY" >/dev/null
  echo "created $did ($who)"
done

submitter="$(zl keys show "$NODE_KEY")"
register() {
  zl governance propose --key "$NODE_KEY" --reason "example issuer" --action \
    "{\"type\":\"register_issuer\",\"did\":\"$1\",\"credential_types\":$2,\"submitters\":[\"$submitter\"]}" >/dev/null
  echo "registered issuer $1 for $2"
}
register "$MARKET" '["QualifiedInvestorCredential"]'
register "$AGENCY" '["CreditData","LegalEntity"]'
