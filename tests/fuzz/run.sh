#!/bin/sh
# run.sh BUILDDIR SOURCEDIR -- run each libFuzzer target of tests/fuzz for
# $FM_FUZZ_SECONDS seconds (default 60), one after the other, under
# nice -n 19.  The corpus grows in BUILDDIR/corpus-<target> (seeded from
# seeds/<target>), a crash, leak, timeout or slow input is saved in
# BUILDDIR/artifacts-<target>/, and the summary of each run (executions,
# exec/s, corpus) is BUILDDIR/fuzz-<target>.log.  FM_FUZZ_TARGETS picks
# targets (default: case array model).  Exit 1 when any target found
# something: copy it to regress/<target>/ and fix it.
set -u
B=$1
S=$2
SEC=${FM_FUZZ_SECONDS:-60}
status=0
for t in ${FM_FUZZ_TARGETS:-case array model}; do
  mkdir -p "$B/corpus-$t" "$B/artifacts-$t"
  case $t in
    case) maxlen=65536 ;;
    model) maxlen=65536 ;;
    *) maxlen=8192 ;;
  esac
  echo "fuzz-run: $t for $SEC s (log $B/fuzz-$t.log)"
  nice -n 19 "$B/fuzz_$t" -max_total_time="$SEC" -timeout=30 -rss_limit_mb=2560 \
    -max_len=$maxlen -dict="$S/dict/$t.dict" -artifact_prefix="$B/artifacts-$t/" \
    -print_final_stats=1 "$B/corpus-$t" "$S/seeds/$t" "$S/regress/$t" \
    > "$B/fuzz-$t.log" 2>&1 || status=1
  grep -E "stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb" \
    "$B/fuzz-$t.log" | sed "s/^/  $t /"
  echo "  $t corpus $(ls "$B/corpus-$t" | wc -l) files, artifacts $(ls "$B/artifacts-$t" | wc -l)"
done
exit $status
