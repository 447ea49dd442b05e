# Every input record: its 3 variants, or one reject; none twice.
jq -s -c '[.[] | ._sprout.parent] | group_by(.) | map(length) | group_by(.) | map({variants: .[0], inputs: length})' out.jsonl
jq -s -c '{rejected: length, distinct: (map(.line) | unique | length)}' out.rejects.jsonl
