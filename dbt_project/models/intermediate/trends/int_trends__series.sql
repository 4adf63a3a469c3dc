-- The yearly series each equity_trends row is computed on (metrics.md, Trends): for every
-- equity_metrics key except the year, the figures of every year it has.
-- - Normally the published figures themselves (fct_equity_metrics).
-- - For a successor (a trust that successors.csv maps closed trusts into), its trust rows'
--   series is its lineage's instead: every year pooled from the counts of the successor and
--   its predecessors (int_trends__lineage_metrics), never averaged, so that the trend runs
--   across the merger. Its own published figures stay as they are in equity_metrics. A
--   metric without lineage rows (wres3_rl_disciplinary_2yr) keeps the successor's own.
-- - A lineage's figure for a year is withheld (a gap) where any trust it pools has that
--   figure suppressed in equity_metrics: the pooled figure and the other trusts' published
--   ones could otherwise give the suppressed one away (the reasoning of secondary
--   suppression, across trusts instead of groups).
-- pooled_org_codes: on a lineage's years, the trusts whose counts that year pools
-- (int_trends__lineage_pools, by the metric's source); null on published figures.
-- A year without a row, or with a null value, is a gap, never a zero. equity_distance is the
-- distance d of the value from equity (macro equity_distance; null for descriptive metrics
-- and for an RL of 0, whose distance is infinite).
with

published as (

    select
        metric_id,
        reporting_year,
        geography_level,
        geography_code,
        breakdown,
        "group",
        comparison,
        value,
        ci_lower,
        ci_upper
    from {{ ref('fct_equity_metrics') }}

),

lineage_metrics as (

    select * from {{ ref('int_trends__lineage_metrics') }}

),

metric_sources as (

    select metric_id, source from {{ ref('metric_definitions') }}

),

lineage_pools as (

    select * from {{ ref('int_trends__lineage_pools') }}

),

-- (successor, figure, year) where a trust of the lineage has that figure suppressed
withheld_in_lineage as (

    select distinct
        lineages.successor_code,
        published.metric_id,
        published.reporting_year,
        published.breakdown,
        published."group",
        published.comparison
    from {{ ref('fct_equity_metrics') }} as published
    inner join {{ ref('int_successor_lineages') }} as lineages
        on published.geography_code = lineages.org_code
    where published.geography_level = 'trust'
        and published.suppressed

),

lineage_series as (

    select distinct metric_id, successor_code, breakdown, "group", comparison
    from lineage_metrics

),

-- published figures, except the trust rows a lineage replaces
own_series as (

    select
        published.*,
        null::varchar as pooled_org_codes
    from published
    left join lineage_series
        on published.geography_level = 'trust'
        and published.metric_id = lineage_series.metric_id
        and published.geography_code = lineage_series.successor_code
        and published.breakdown = lineage_series.breakdown
        and published."group" is not distinct from lineage_series."group"
        and published.comparison is not distinct from lineage_series.comparison
    where lineage_series.metric_id is null

),

successor_series as (

    select
        lineage_metrics.metric_id,
        lineage_metrics.reporting_year,
        'trust' as geography_level,
        lineage_metrics.successor_code as geography_code,
        lineage_metrics.breakdown,
        lineage_metrics."group",
        lineage_metrics.comparison,
        case when withheld_in_lineage.metric_id is null then lineage_metrics.value end as value,
        case when withheld_in_lineage.metric_id is null then lineage_metrics.ci_lower end as ci_lower,
        case when withheld_in_lineage.metric_id is null then lineage_metrics.ci_upper end as ci_upper,
        lineage_pools.pooled_org_codes
    from lineage_metrics
    left join withheld_in_lineage
        on lineage_metrics.successor_code = withheld_in_lineage.successor_code
        and lineage_metrics.metric_id = withheld_in_lineage.metric_id
        and lineage_metrics.reporting_year = withheld_in_lineage.reporting_year
        and lineage_metrics.breakdown = withheld_in_lineage.breakdown
        and lineage_metrics."group" is not distinct from withheld_in_lineage."group"
        and lineage_metrics.comparison is not distinct from withheld_in_lineage.comparison
    left join metric_sources
        on lineage_metrics.metric_id = metric_sources.metric_id
    left join lineage_pools
        on metric_sources.source = lineage_pools.source
        and lineage_metrics.successor_code = lineage_pools.successor_code
        and lineage_metrics.reporting_year = lineage_pools.reporting_year

),

series as (

    select * from own_series
    union all by name
    select * from successor_series

)

select
    metric_id::varchar as metric_id,
    reporting_year::integer as reporting_year,
    geography_level::varchar as geography_level,
    geography_code::varchar as geography_code,
    breakdown::varchar as breakdown,
    "group"::varchar as "group",
    comparison::varchar as comparison,
    value::double as value,
    ci_lower::double as ci_lower,
    ci_upper::double as ci_upper,
    ({{ equity_distance('metric_id', 'value') }})::double as equity_distance,
    pooled_org_codes::varchar as pooled_org_codes
from series
