-- The published long table of equity metrics: one row per figure. Each metric family is
-- computed in its own model, models/intermediate/metrics/int_metric__<metric_id>.sql, and
-- int_equity_metrics__all_levels stacks them. The level `successor_lineage` (a successor
-- pooled with its predecessors) is only for equity_trends: it is not published here.
with

equity_metrics as (

    select * from {{ ref('int_equity_metrics__all_levels') }}
    where geography_level <> 'successor_lineage'

)

select * from equity_metrics
