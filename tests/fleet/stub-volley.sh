#!/usr/bin/env bash
# A stand-in for the volley binary in the fleet recipes' tests (no engine
# build needed): records how it was called and exits as told.
#
#   run ... --segment I/N --fleet-id ID --start-at T --results FILE
#       writes FILE: {"stub":"run","segment":"I/N","fleet_id":...,"start_at":...,
#       "scenario":...,"argv":[...]}; exits with $STUB_RUN_EXIT_<I> (default 0).
#   merge FILES... --summary-export F [...]
#       writes F: {"stub":"merge","inputs":[...],"argv":[...]}; exits with
#       $STUB_MERGE_EXIT (default 0).
set -euo pipefail

json_str() { # escape for a JSON string (enough for paths and flags)
    local s=${1//\\/\\\\}
    s=${s//\"/\\\"}
    printf '"%s"' "$s"
}
json_list() {
    local first=1 a
    printf '['
    for a in "$@"; do
        [ $first = 1 ] || printf ','
        first=0
        json_str "$a"
    done
    printf ']'
}

cmd=${1:-}
shift || true
case $cmd in
run)
    scenario='' segment='' fleet='' start='' results=''
    args=("$@")
    while [ $# -gt 0 ]; do
        case $1 in
            --segment) segment=$2; shift 2 ;;
            --fleet-id) fleet=$2; shift 2 ;;
            --start-at) start=$2; shift 2 ;;
            --results) results=$2; shift 2 ;;
            -*) shift ;;
            *) [ -n "$scenario" ] || scenario=$1; shift ;;
        esac
    done
    [ -n "$results" ] || { echo "stub volley: run without --results" >&2; exit 104; }
    {
        printf '{"stub":"run","segment":%s,"fleet_id":%s,"start_at":%s,"scenario":%s,"argv":%s}\n' \
            "$(json_str "$segment")" "$(json_str "$fleet")" "$(json_str "$start")" \
            "$(json_str "$scenario")" "$(json_list "${args[@]}")"
    } >"$results"
    index=${segment%%/*}
    var=STUB_RUN_EXIT_$index
    exit "${!var:-0}"
    ;;
merge)
    inputs=() summary=''
    args=("$@")
    while [ $# -gt 0 ]; do
        case $1 in
            --summary-export) summary=$2; shift 2 ;;
            --results | --html | --junit) shift 2 ;;
            -*) shift ;;
            *) inputs+=("$1"); shift ;;
        esac
    done
    for f in "${inputs[@]}"; do
        [ -s "$f" ] || { echo "stub volley: merge: $f is missing or empty" >&2; exit 104; }
    done
    if [ -n "$summary" ]; then
        printf '{"stub":"merge","inputs":%s,"argv":%s}\n' \
            "$(json_list "${inputs[@]}")" "$(json_list "${args[@]}")" >"$summary"
    fi
    exit "${STUB_MERGE_EXIT:-0}"
    ;;
--version) echo "volley 0.0.0-stub" ;;
*)
    echo "stub volley: unknown command ${cmd:-(none)}" >&2
    exit 2
    ;;
esac
