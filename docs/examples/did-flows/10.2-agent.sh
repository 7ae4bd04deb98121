#!/usr/bin/env bash
# JR/T 0325 §10.2, agent: an institution (here the market) stores the subject's credential. With
# the subject's explicit consent, an authorisation credential (appendix E.3) naming the agent,
# it presents both to the data user, who verifies the VP (§9.6) and the authorisation (§9.5).
# Run setup.sh and 10.1-subject-centred.sh (which issues the stored credential) first.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/names.sh"
cd "${WORK:-.}"

# a) The subject consents: it signs an authorisation credential naming the market.
fill "$HERE/authorisation.json" "$MARKET" > consent-market.json
zl vc issue --credential consent-market.json --issuer-key enterprise.key \
  --method "$ENTERPRISE#keys-1" --no-status --out consent-market.vc.json

# b), c) The agent presents the stored credential with the authorisation.
zl vp create --holder "$MARKET" --method "$MARKET#keys-1" --key market.key \
  --credential qualified.vc.json --credential consent-market.vc.json --out agent.vp.json

# d) The data user verifies the VP; each credential in it, the authorisation included, by §9.5.
zl vp verify --presentation agent.vp.json

# Without the authorisation the same presentation is refused (exit 1).
zl vp create --holder "$MARKET" --method "$MARKET#keys-1" --key market.key \
  --credential qualified.vc.json --out agent-no-consent.vp.json
if zl vp verify --presentation agent-no-consent.vp.json; then
  echo "an agent without the subject's authorisation was accepted" >&2
  exit 3
fi
