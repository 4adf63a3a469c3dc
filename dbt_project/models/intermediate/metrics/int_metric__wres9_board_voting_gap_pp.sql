-- wres9_board_voting_gap_pp (metrics.md, WRES): BME % of voting board members minus BME %
-- of the overall workforce headcount, in percentage points, Unknown included in both
-- denominators, for every trust, region and England (macro board_gap_rows). Regions and
-- England use pooled counts, never averaged gaps. A gap below 0 is adverse.
with

pooled_counts as (

    select
        pooled.*,
        group_types.group_type
    from {{ ref('int_wres__pooled_counts') }} as pooled
    inner join (
        select distinct group_name, group_type from {{ ref('int_ethnic_group_members') }}
    ) as group_types
        on pooled.group_name = group_types.group_name

),

wres9_voting as (

    {{ board_gap_rows(
        counts='pooled_counts',
        metric_id='wres9_board_voting_gap_pp',
        members='board_voting_members',
        members_label='voting board members'
    ) }}

)

select * from wres9_voting
