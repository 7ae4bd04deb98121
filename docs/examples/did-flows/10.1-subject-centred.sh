#!/usr/bin/env bash
# JR/T 0325 §10.1, subject-centred: the subject holds a credential about itself and gives its
# data to a data user as a presentation, which the user verifies by §9.6. Run setup.sh first.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/names.sh"
cd "${WORK:-.}"

# The market issues the enterprise a qualified-investor credential; its status goes on chain.
fill "$HERE/qualified-investor.json" "" > qualified.json
zl vc issue --credential qualified.json --issuer-key market.key --method "$MARKET#keys-1" \
  --out qualified.vc.json --register --key "$NODE_KEY"

# a) The subject presents it to the data user as a VP (a fresh nonce).
zl vp create --holder "$ENTERPRISE" --method "$ENTERPRISE#keys-1" --key enterprise.key \
  --credential qualified.vc.json --out subject.vp.json

# b) The data user verifies the VP by §9.6 (the node resolves, checks status, remembers the nonce).
zl vp verify --presentation subject.vp.json
