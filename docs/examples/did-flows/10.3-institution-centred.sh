#!/usr/bin/env bash
# JR/T 0325 §10.3, institution-centred: the data provider (a credit agency) holds the subject's
# data. The data user, with the subject's authorisation, asks the provider, which verifies the
# user's presentation and answers with a credential (appendix E.4) that the user verifies.
# Run setup.sh first.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/names.sh"
cd "${WORK:-.}"

# a) The subject authorises the data user.
fill "$HERE/authorisation.json" "$USER" > consent-user.json
zl vc issue --credential consent-user.json --issuer-key enterprise.key \
  --method "$ENTERPRISE#keys-1" --no-status --out consent-user.vc.json

# b) The data user shows the authorisation to the provider as a VP.
zl vp create --holder "$USER" --method "$USER#keys-1" --key user.key \
  --credential consent-user.vc.json --out user.vp.json

# c) The provider verifies the VP (§9.6) and the authorisation in it (§9.5).
zl vp verify --presentation user.vp.json

# d) The provider answers with a credit-data credential, its status registered on chain.
fill "$HERE/credit-data.json" "" > credit.json
zl vc issue --credential credit.json --issuer-key agency.key --method "$AGENCY#keys-1" \
  --out credit.vc.json --register --key "$NODE_KEY"

# e) The data user verifies it by §9.5: by the node, and offline from the agency's document.
zl vc verify --credential credit.vc.json
zl did resolve "$AGENCY" --json > agency.resolution.json
zl vc verify --credential credit.vc.json --doc agency.resolution.json
