#!/usr/bin/env bash
# poll-vs-parse.sh: issue 9's pipeline budget. Times `tidyfeed poll` over
# about 1,000 local copies of the corpus's real captures (empty store each
# time, fsync on) against a program that only parses the same files, as
# alternating pairs in one run, and prints each pair and the median ratio.
#
#   scripts/poll-vs-parse.sh [pairs]       (default 5; needs ../shared/corpus)
#
# PARSER=bare (default) parses with gofeed.NewParser().Parse, the goal's
# baseline; PARSER=tidyfeed parses with feeds/parse (gofeed with its image
# scan off, a stricter baseline). WORK (default /tmp/tidyfeed-pvp) holds the
# copies, the binaries and the database.
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-5}
parser=${PARSER:-bare}
work=${WORK:-/tmp/tidyfeed-pvp}
corpus=$PWD/../shared/corpus/feeds
[ -d "$corpus" ] || { echo "no corpus at $corpus" >&2; exit 1; }

go build -o "$work/tidyfeed" ./cmd/tidyfeed
go build -o "$work/parseonly" ./internal/cmd/parseonly

# The real captures of at least 4 KiB, six copies each under distinct names.
if [ ! -f "$work/feeds.yaml" ]; then
  mkdir -p "$work/feeds"
  awk -F'\t' '$3=="input"{print $1}' "$corpus/INDEX.tsv" |
    grep -E '^(rsparser/|feedreader-dotnet/Feeds/|feedjira/|rss-parser/input/|feed-rs/|miniflux/parser/|node-feedparser/|simplepie/|trafilatura/)' |
    grep -vE '\.(html|opml)$' |
    while read -r p; do if [ "$(stat -c %s "$corpus/$p")" -ge 4096 ]; then echo "$p"; fi; done >"$work/list.txt"
  n=0
  for k in 1 2 3 4 5 6; do
    while read -r p; do
      n=$((n + 1))
      cp "$corpus/$p" "$work/feeds/$(printf %04d $n)-$k-$(basename "$p")"
    done <"$work/list.txt"
  done
  {
    echo "data: \"$work/tidyfeed.db\""
    echo "filters: {backlog: 0}"
    echo "feeds:"
    for f in "$work"/feeds/*; do echo "  - path: \"$f\""; done
  } >"$work/feeds.yaml"
fi
echo "$(ls "$work/feeds" | wc -l) files, $(du -sm "$work/feeds" | cut -f1) MB; parser: $parser"

# seconds runs a command and prints its wall time in seconds.
seconds() {
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >/dev/null 2>&1 || true # poll exits 1 when some feeds fail to parse
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}'
}

ratios=()
for i in $(seq "$pairs"); do
  rm -f "$work/tidyfeed.db"
  if [ $((i % 2)) -eq 1 ]; then # alternate which one goes first
    p=$(seconds "$work/parseonly" -parser "$parser" "$work/feeds")
    rm -f "$work/tidyfeed.db"
    q=$(seconds "$work/tidyfeed" poll -config "$work/feeds.yaml")
  else
    q=$(seconds "$work/tidyfeed" poll -config "$work/feeds.yaml")
    p=$(seconds "$work/parseonly" -parser "$parser" "$work/feeds")
  fi
  r=$(awk -v p="$p" -v q="$q" 'BEGIN {print q / p}')
  ratios+=("$r")
  printf 'pair %d: parse %.2fs  poll %.2fs  ratio %.2f\n' "$i" "$p" "$q" "$r"
done
printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END {printf "median ratio %.2f (min %.2f, max %.2f) over %d pairs; goal <= 2\n", a[int((NR+1)/2)], a[1], a[NR], NR}'
