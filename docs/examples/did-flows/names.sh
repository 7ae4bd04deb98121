# The parties of the §10 examples (sourced by the scripts).
MARKET="did:rem:shanghai:91310000564759688N"      # the regional equity market (an issuer)
ENTERPRISE="did:rem:shanghai:SH000001F.S2101"     # the data subject
AGENCY="did:rem:shanghai:91310104MA1FRNWW80"      # a credit agency (data provider, an issuer)
USER="did:rem:shanghai:91310000MA1K3YB2XG"        # a data user (e.g. an enterprise-profile service)
did_of() {
  case "$1" in
    market) echo "$MARKET" ;; enterprise) echo "$ENTERPRISE" ;;
    agency) echo "$AGENCY" ;; user) echo "$USER" ;;
  esac
}
# Fills a template: the party placeholders become DIDs.
fill() {
  sed -e "s|{{MARKET}}|$MARKET|g" -e "s|{{ENTERPRISE}}|$ENTERPRISE|g" \
      -e "s|{{AGENCY}}|$AGENCY|g" -e "s|{{USER}}|$USER|g" -e "s|{{LICENSEE}}|$2|g" "$1"
}
