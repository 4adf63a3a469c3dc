-- The published table `national_scorecard` (metrics.md, "National scorecard"): one row per
-- headline metric, comparison (or group) and reporting year, for every year the run
-- publishes (int_reporting_years). Every figure is read from equity_metrics (breakdown
-- `all`) and the direction of travel from equity_trends; nothing is recomputed from counts.
--   - England's value and CI, and for the survey indicators England's White value alongside;
--   - trusts_with_value: trusts whose figure can be judged (RL or gap not null; survey: the
--     BME and White values and CIs all present). Suppressed or undefined trusts are left out;
--   - trusts_adverse: RL in the adverse band (macro equity_band, vars); survey: BME worse than
--     White with CIs that do not overlap (touching limits overlap); board gap below 0;
--   - trusts_adverse_significant: RL adverse and significant (CI excludes 1, macro
--     is_significant); survey: same as trusts_adverse (it already needs non-overlap); board
--     gap: null (no CI);
--   - concerns have no trust level: the three trust counts and pct_trusts_adverse are null;
--   - best_region / worst_region: smallest / largest equity distance d of the regional value
--     (macro equity_distance); ties go to the lower region code; regions with a null d are
--     left out.
{%- set headlines = [
    ('wres2_rl_appointed', none, 'White vs BME', 'rl'),
    ('wres3_rl_disciplinary', none, 'BME vs White', 'rl'),
    ('wres3_rl_disciplinary_2yr', none, 'BME vs White', 'rl'),
    ('wres4_rl_training', none, 'White vs BME', 'rl'),
    ('wres5_pct_hba_public', 'BME', none, 'survey'),
    ('wres6_pct_hba_staff', 'BME', none, 'survey'),
    ('wres7_pct_equal_opps', 'BME', none, 'survey'),
    ('wres8_pct_discrimination', 'BME', none, 'survey'),
    ('wres9_board_voting_gap_pp', 'BME', none, 'board_gap'),
    ('concerns_rl_referral', none, 'BME vs White', 'concerns_rl'),
    ('concerns_rl_referral', none, 'IMG vs UK', 'concerns_rl'),
    ('concerns_rl_exclusion', none, 'BME vs White', 'concerns_rl'),
    ('concerns_rl_exclusion', none, 'IMG vs UK', 'concerns_rl'),
] %}

with

reporting_years as (

    select * from {{ ref('int_reporting_years') }}

),

equity_metrics as (

    select * from {{ ref('fct_equity_metrics') }}
    where breakdown = 'all'

),

equity_trends as (

    select * from {{ ref('fct_equity_trends') }}
    where geography_level = 'national'
        and breakdown = 'all'

),

headlines as (

    {% for metric_id, group_name, comparison, kind in headlines %}
    select
        '{{ metric_id }}' as metric_id,
        {% if group_name %}'{{ group_name }}'{% else %}cast(null as varchar){% endif %} as "group",
        {% if comparison %}'{{ comparison }}'{% else %}cast(null as varchar){% endif %} as comparison,
        '{{ kind }}' as headline_kind
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

scorecard_rows as (

    select
        reporting_years.reporting_year,
        headlines.*
    from reporting_years
    cross join headlines

),

-- the equity_metrics rows of each headline (for survey indicators, the BME rows), and the
-- White row of the same place alongside for the survey indicators
headline_rows as (

    select
        scorecard_rows.reporting_year,
        scorecard_rows.metric_id,
        scorecard_rows."group",
        scorecard_rows.comparison,
        scorecard_rows.headline_kind,
        metric.geography_level,
        metric.geography_code,
        metric.value,
        metric.ci_lower,
        metric.ci_upper,
        metric.note,
        white.value as white_value,
        white.ci_lower as white_ci_lower,
        white.ci_upper as white_ci_upper
    from scorecard_rows
    inner join equity_metrics as metric
        on scorecard_rows.metric_id = metric.metric_id
        and scorecard_rows.reporting_year = metric.reporting_year
        and scorecard_rows."group" is not distinct from metric."group"
        and scorecard_rows.comparison is not distinct from metric.comparison
    left join equity_metrics as white
        on scorecard_rows.headline_kind = 'survey'
        and white.metric_id = metric.metric_id
        and white.reporting_year = metric.reporting_year
        and white.geography_level = metric.geography_level
        and white.geography_code = metric.geography_code
        and white."group" = 'White'

),

england as (

    select * from headline_rows
    where geography_level = 'national'

),

-- each trust's figure judged once
trust_judgements as (

    select
        reporting_year,
        metric_id,
        "group",
        comparison,
        case headline_kind
            when 'survey' then value is not null and ci_lower is not null and ci_upper is not null
                and white_value is not null and white_ci_lower is not null and white_ci_upper is not null
            else value is not null
        end as has_value,
        case headline_kind
            when 'rl' then {{ equity_band('value') }} = 'adverse'
            -- BME's CI wholly further from equity than White's: its smallest d above White's
            -- largest (d is monotone: the value, or -value for wres7)
            when 'survey' then
                least(
                    {{ equity_distance('metric_id', 'ci_lower') }},
                    {{ equity_distance('metric_id', 'ci_upper') }}
                ) > greatest(
                    {{ equity_distance('metric_id', 'white_ci_lower') }},
                    {{ equity_distance('metric_id', 'white_ci_upper') }}
                )
            when 'board_gap' then value < 0
        end as is_adverse,
        case headline_kind
            when 'rl' then {{ equity_band('value') }} = 'adverse'
                and {{ is_significant('ci_lower', 'ci_upper') }}
        end as is_adverse_significant
    from headline_rows
    where geography_level = 'trust'

),

trust_counts as (

    select
        reporting_year,
        metric_id,
        "group",
        comparison,
        count(*) filter (where has_value) as trusts_with_value,
        count(*) filter (where has_value and coalesce(is_adverse, false)) as trusts_adverse,
        count(*) filter (where has_value and coalesce(is_adverse_significant, false))
            as trusts_rl_adverse_significant
    from trust_judgements
    group by reporting_year, metric_id, "group", comparison

),

region_distances as (

    select
        reporting_year,
        metric_id,
        "group",
        comparison,
        geography_code as region_code,
        {{ equity_distance('metric_id', 'value') }} as equity_distance
    from headline_rows
    where geography_level = 'region'

),

regions_ranked as (

    select
        *,
        row_number() over (
            partition by reporting_year, metric_id, "group", comparison
            order by equity_distance asc, region_code asc
        ) as rank_best,
        row_number() over (
            partition by reporting_year, metric_id, "group", comparison
            order by equity_distance desc, region_code asc
        ) as rank_worst
    from region_distances
    where equity_distance is not null

),

best_and_worst as (

    select
        reporting_year,
        metric_id,
        "group",
        comparison,
        max(region_code) filter (where rank_best = 1) as best_region,
        max(region_code) filter (where rank_worst = 1) as worst_region
    from regions_ranked
    group by reporting_year, metric_id, "group", comparison

),

final as (

    select
        scorecard_rows.reporting_year,
        scorecard_rows.metric_id,
        scorecard_rows."group",
        scorecard_rows.comparison,
        england.value as england_value,
        england.ci_lower as england_ci_lower,
        england.ci_upper as england_ci_upper,
        england.white_value,
        equity_trends.direction_of_travel,
        case when scorecard_rows.headline_kind <> 'concerns_rl'
            then coalesce(trust_counts.trusts_with_value, 0)
        end as trusts_with_value,
        case when scorecard_rows.headline_kind <> 'concerns_rl'
            then coalesce(trust_counts.trusts_adverse, 0)
        end as trusts_adverse,
        case when scorecard_rows.headline_kind <> 'concerns_rl'
            then 100.0 * cast(trust_counts.trusts_adverse as double)
                / nullif(trust_counts.trusts_with_value, 0)
        end as pct_trusts_adverse,
        case scorecard_rows.headline_kind
            when 'rl' then coalesce(trust_counts.trusts_rl_adverse_significant, 0)
            when 'survey' then coalesce(trust_counts.trusts_adverse, 0)
        end as trusts_adverse_significant,
        best_and_worst.best_region,
        best_and_worst.worst_region,
        nullif(concat_ws(' ',
            case when england.metric_id is null
                then 'England has no row for this metric and year in equity_metrics.' end,
            case when england.value is null then 'England: ' || england.note end,
            case when scorecard_rows.headline_kind = 'concerns_rl'
                then 'Concerns are published for regions and England only, so there are no trust counts.' end
        ), '') as note,
        '{{ var('method_version') }}' as method_version
    from scorecard_rows
    left join england
        on scorecard_rows.reporting_year = england.reporting_year
        and scorecard_rows.metric_id = england.metric_id
        and scorecard_rows."group" is not distinct from england."group"
        and scorecard_rows.comparison is not distinct from england.comparison
    left join equity_trends
        on scorecard_rows.reporting_year = equity_trends.reporting_year
        and scorecard_rows.metric_id = equity_trends.metric_id
        and scorecard_rows."group" is not distinct from equity_trends."group"
        and scorecard_rows.comparison is not distinct from equity_trends.comparison
    left join trust_counts
        on scorecard_rows.reporting_year = trust_counts.reporting_year
        and scorecard_rows.metric_id = trust_counts.metric_id
        and scorecard_rows."group" is not distinct from trust_counts."group"
        and scorecard_rows.comparison is not distinct from trust_counts.comparison
    left join best_and_worst
        on scorecard_rows.reporting_year = best_and_worst.reporting_year
        and scorecard_rows.metric_id = best_and_worst.metric_id
        and scorecard_rows."group" is not distinct from best_and_worst."group"
        and scorecard_rows.comparison is not distinct from best_and_worst.comparison

)

select * from final
