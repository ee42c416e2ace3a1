#!/usr/bin/env bash
# The customer flow against `didhub serve --demo`: countries -> states -> areas ->
# order -> update -> list -> cancel. Set KEY and SIG to the demo main account's
# USERKEY and SIGNATURE (printed by serve --demo); BASE defaults to the default listen
# address.
set -euo pipefail
BASE=${BASE:-http://127.0.0.1:8080}
API="$BASE/api/v2.asp?userkey=$KEY&param[SIGNATURE]=$SIG"
call() { curl -sfg "$API&action=$1"; echo; }

call "ANVEO.COUNTRIES.LIST&param[DID_TYPE]=GEOGRAPHIC"
call "ANVEO.STATES.LIST&param[COUNTRY_ID]=US&param[DID_TYPE]=GEOGRAPHIC"
call "ANVEO.AREAS.LIST&param[DID_TYPE]=GEOGRAPHIC&param[STATE_ID]=US-NY"
call "DID.ORDER&param[DID_TYPE]=GEOGRAPHIC&param[AREA_ID]=1.212&param[QUANTITY]=2&param[TITLE]=front%20desk"
E164=$(call "DID.LIST&param[LIMIT]=1" | sed -n 's/.*E164="\([0-9]*\)".*/\1/p')
call "DID.UPDATE&param[FILTER.E164]=$E164&param[CALL_FORWARD_TYPE]=PHONE&param[CALL_FORWARD_TO]=12125550100"
call "DID.LIST"
call "DID.CANCEL&param[E164]=$E164"
call "DID.LIST&param[FILTER.E164]=$E164"
call "ACCOUNT.GETBALANCE"
