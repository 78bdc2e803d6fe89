# One measuring run at a time on this machine. Two harnesses measuring at once share its cores and
# spoil each other's figures without either saying so (their namespaces have different prefixes, so
# nothing else collides). Source it, call `measure_alone SCRIPT` before building anything, and call
# `release_alone` from the EXIT trap. A process that takes it and then execs a measuring script (as
# ./run.sh bench does compare.sh, so that a second bench cannot rebuild bin/ under a running one) keeps it.
ONE_RUN_LOCK=/run/vswitch-measuring.pid

measure_alone() { # script name, for the refusal
    local holder
    until (set -o noclobber; echo $$ >"$ONE_RUN_LOCK") 2>/dev/null; do
        holder=$(cat "$ONE_RUN_LOCK" 2>/dev/null || true)
        [ "$holder" != "$$" ] || return 0 # taken before an exec: ./run.sh bench, before it builds
        if [ -n "$holder" ] && kill -0 "$holder" 2>/dev/null; then
            echo "$1: another measuring run (pid $holder: $(tr '\0' ' ' </proc/"$holder"/cmdline 2>/dev/null)) is under way; wait for it to end" >&2
            exit 1
        fi
        # Left by a run that is gone; removed only if no other run has taken it meanwhile.
        [ "$(cat "$ONE_RUN_LOCK" 2>/dev/null)" != "$holder" ] || rm -f "$ONE_RUN_LOCK"
    done
}

release_alone() {
    [ "$(cat "$ONE_RUN_LOCK" 2>/dev/null)" != "$$" ] || rm -f "$ONE_RUN_LOCK"
}
