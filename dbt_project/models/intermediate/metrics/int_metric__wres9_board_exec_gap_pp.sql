-- wres9_board_exec_gap_pp (metrics.md, WRES): BME % of executive board members minus BME %
-- of the overall workforce headcount, in percentage points, Unknown included in both
-- denominators, for every trust, region and England (macro board_gap_rows). Regions and
-- England use pooled counts, never averaged gaps. A gap below 0 is adverse.
{{ board_gap_rows(
    pooled_counts=ref('int_wres__pooled_counts'),
    group_members=ref('int_ethnic_group_members'),
    metric_id='wres9_board_exec_gap_pp',
    members='board_executive_members',
    members_label='executive board members',
) }}
