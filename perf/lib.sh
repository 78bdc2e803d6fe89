# Shared by the perf scripts: source it.

# median: whitespace-separated numbers on stdin → "MEDIAN (MIN–MAX)".
median() {
    tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%s (%s–%s)", m, v[1], v[NR] }'
}
