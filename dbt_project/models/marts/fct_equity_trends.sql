-- The published table `equity_trends` (metrics.md, Trends): one row per equity_metrics key,
-- with the change from the year before and the direction of travel. The arithmetic (series,
-- windows, slopes and the t-interval) is in int_trends__windows; this model states the rules.
-- - change = value - previous_value (Y-1 of the same key; null when either is null);
-- - change_significant: the two years' 95% CIs do not overlap (touching limits overlap);
--   null when either CI is null;
-- - direction_of_travel, on the slope of the equity distance d over Y-4 ... Y:
--   `not applicable` for descriptive metrics (no d: wres1 shares, concerns rates, % assessed,
--   median days); `insufficient data` with fewer than var trend_minimum_years years with a d;
--   `improving` when the slope is negative and its 95% t-interval lies below 0; `worsening`
--   when it is positive and the interval lies above 0; `no clear change` otherwise.
-- - includes_predecessors: on a successor's rows, the trusts whose pooled counts the row's
--   figures use (the successor included), ';'-separated and sorted, when one of them is a
--   predecessor; null otherwise.
with

windows as (

    select * from {{ ref('int_trends__windows') }}

),

trends as (

    select
        metric_id,
        reporting_year,
        geography_level,
        geography_code,
        breakdown,
        "group",
        comparison,
        value,
        previous_value,
        value - previous_value as change,
        case
            when ci_lower is not null and ci_upper is not null
                and previous_ci_lower is not null and previous_ci_upper is not null
                then ci_upper < previous_ci_lower or ci_lower > previous_ci_upper
        end as change_significant,
        slope_5yr,
        case
            when metric_id not in (
                {{ equity_distance_metric_ids('relative_likelihood') }},
                {{ equity_distance_metric_ids('board_gap') }},
                {{ equity_distance_metric_ids('survey_adverse') }},
                {{ equity_distance_metric_ids('survey_favourable') }}
            )
                then 'not applicable'
            when distance_slope is null then 'insufficient data'
            when distance_slope < 0 and distance_slope_upper < 0 then 'improving'
            when distance_slope > 0 and distance_slope_lower > 0 then 'worsening'
            else 'no clear change'
        end as direction_of_travel,
        pooled_org_codes as includes_predecessors
    from windows

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
    previous_value::double as previous_value,
    change::double as change,
    change_significant::boolean as change_significant,
    slope_5yr::double as slope_5yr,
    direction_of_travel::varchar as direction_of_travel,
    includes_predecessors::varchar as includes_predecessors,
    '{{ var("method_version") }}'::varchar as method_version
from trends
