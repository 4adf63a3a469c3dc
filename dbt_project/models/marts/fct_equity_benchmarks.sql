-- The published table `equity_benchmarks` (metrics.md, "Benchmarks"): every trust and region
-- row of equity_metrics that has a confidence interval, compared with England's value for
-- the same metric, breakdown, group, comparison and year, on the equity distance d
-- (macro equity_distance; smaller d is nearer equity):
--   better  : every x in [ci_lower, ci_upper] has d(x) < d(England)   (max d over the CI < dE)
--   worse   : every x in [ci_lower, ci_upper] has d(x) > d(England)   (min d over the CI > dE)
--   similar : otherwise (the CI reaches England's distance, limits included).
-- Extremes of d over a CI:
--   - survey percentages: d is monotone (x, or -x for wres7), so they sit at the two limits;
--   - RLs: d(x) = |ln x| falls to 0 at x = 1 and rises either side, so the largest d is at a
--     limit, and the smallest is 0 when the CI contains 1, else at the limit nearer 1.
--     "Wholly on the equity side" of England's E is the CI inside (min(E, 1/E), max(E, 1/E)),
--     whether E is below or above 1.
-- Left out: descriptive metrics (no d: wres1 shares, concerns rates, % assessed, median days),
-- rows without a CI (board gaps, suppressed or undefined values, an RL of 0) and England's
-- own rows. A row whose England value (or its d) is null keeps a null benchmark and a note.
with

equity_metrics as (

    select * from {{ ref('fct_equity_metrics') }}

),

england as (

    select
        metric_id,
        reporting_year,
        breakdown,
        "group",
        comparison,
        value as england_value,
        note as england_note
    from equity_metrics
    where geography_level = 'national'

),

-- trust and region rows with a CI, of the metrics that have an equity distance
with_ci as (

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
        ci_upper,
        method_version
    from equity_metrics
    where geography_level in ('trust', 'region')
        and ci_lower is not null
        and ci_upper is not null
        and metric_id in (
            {{ equity_distance_metric_ids('relative_likelihood') }},
            {{ equity_distance_metric_ids('board_gap') }},
            {{ equity_distance_metric_ids('survey_adverse') }},
            {{ equity_distance_metric_ids('survey_favourable') }}
        )

),

distances as (

    select
        with_ci.*,
        england.england_value,
        england.england_note,
        england.metric_id is not null as has_england_row,
        {{ equity_distance('with_ci.metric_id', 'with_ci.value') }} as equity_distance,
        {{ equity_distance('with_ci.metric_id', 'with_ci.ci_lower') }} as distance_at_ci_lower,
        {{ equity_distance('with_ci.metric_id', 'with_ci.ci_upper') }} as distance_at_ci_upper,
        {{ equity_distance('with_ci.metric_id', 'england.england_value') }} as england_equity_distance
    from with_ci
    left join england
        on with_ci.metric_id = england.metric_id
        and with_ci.reporting_year = england.reporting_year
        and with_ci.breakdown = england.breakdown
        and with_ci."group" is not distinct from england."group"
        and with_ci.comparison is not distinct from england.comparison

),

ci_extremes as (

    select
        *,
        case
            -- an RL's CI containing 1 (equity itself) reaches d = 0
            when metric_id in ({{ equity_distance_metric_ids('relative_likelihood') }})
                and ci_lower <= 1 and ci_upper >= 1
                then 0.0
            else least(distance_at_ci_lower, distance_at_ci_upper)
        end as equity_distance_ci_min,
        greatest(distance_at_ci_lower, distance_at_ci_upper) as equity_distance_ci_max
    from distances

),

final as (

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
        ci_upper,
        england_value,
        equity_distance,
        equity_distance_ci_min,
        equity_distance_ci_max,
        england_equity_distance,
        case
            when england_equity_distance is null then null
            when equity_distance_ci_max < england_equity_distance then 'better'
            when equity_distance_ci_min > england_equity_distance then 'worse'
            else 'similar'
        end as benchmark,
        case
            when not has_england_row
                then 'No comparison: England has no row for this metric, breakdown, group and comparison.'
            when england_value is null
                then 'No comparison: England''s value is null. England: '
                    || coalesce(england_note, 'no note.')
            when england_equity_distance is null
                then 'No comparison: England''s value is 0, which has no finite equity distance.'
        end as note,
        method_version
    from ci_extremes

)

select * from final
