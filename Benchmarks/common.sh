# Sourced by the Benchmarks/*.sh wrappers: the folders, the options they share and objtrace's release build.
#   source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
#   bench_options LAST_HELP_LINE "$@"      # sets skip_build and pass
#   bin="$(bench_objtrace NAME)"           # builds unless --skip-build; the binary's path
here="$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)"
root="$(dirname "$here")"
data="${OBJTRACE_SHARED_DATA:-$root/../shared/data}"

# --skip-build sets skip_build=1; -h/--help prints the calling script's header comment (lines 2 to $1) and
# exits; every other argument goes to pass, for the Python half.
bench_options() {
    local help_end=$1
    shift
    skip_build=0
    pass=()
    for arg in "$@"; do
        case "$arg" in
            --skip-build) skip_build=1 ;;
            -h|--help) sed -n "2,${help_end}p" "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
            *) pass+=("$arg") ;;
        esac
    done
}

# Builds objtrace in release (unless --skip-build) and prints the binary's path; NAME prefixes messages.
bench_objtrace() {
    local name=$1 bin
    if [[ $skip_build -eq 0 ]]; then
        echo "$name: swift build -c release --product objtrace" >&2
        (cd "$root" && swift build -c release --product objtrace >&2)
    fi
    bin="$(cd "$root" && swift build -c release --show-bin-path)/objtrace"
    [[ -x "$bin" ]] || { echo "$name: no release objtrace at $bin (run without --skip-build)" >&2; exit 1; }
    echo "$bin"
}
