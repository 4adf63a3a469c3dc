-- The arithmetic behind each equity_trends row (metrics.md, Trends), one row per
-- equity_metrics key, over its series (int_trends__series) in the window Y-4 ... Y
-- (var trend_window_years years, ending at the row's year):
-- - value and previous_value: the series' figures for Y and Y-1 (null when absent), with
--   their confidence intervals;
-- - slope_5yr: least-squares slope of value on the year over the window's years with a
--   value, when there are at least var trend_minimum_years of them;
-- - distance_slope: the same slope of the equity distance d, with its standard error
--   se = sqrt(SSE / (n - 2) / Sxx) and 95% t-interval slope ± t(0.975, n - 2) · se
--   (t from int_trends__t_quantiles), where n is the number of years with a d;
-- - pooled_org_codes: the trusts whose counts the years with a value pool, when that
--   includes a predecessor of the row's trust (a successor lineage); null otherwise.
-- Both regressions are two-pass: the window's means first, then sums of centred products:
-- slope = Sxy / Sxx, SSE = Syy - Sxy^2 / Sxx (never below 0).
{%- if var('trend_minimum_years') < 3 %}
    {{ exceptions.raise_compiler_error(
        "var trend_minimum_years must be at least 3: a t-interval needs n - 2 >= 1 degrees of freedom") }}
{%- endif %}
{%- set key_columns = ['metric_id', 'reporting_year', 'geography_level', 'geography_code', 'breakdown', '"group"', 'comparison'] %}

with

keys as (

    select {{ key_columns | join(', ') }}
    from {{ ref('fct_equity_metrics') }}

),

series as (

    select * from {{ ref('int_trends__series') }}

),

t_quantiles as (

    select degrees_of_freedom, t_quantile from {{ ref('int_trends__t_quantiles') }}

),

-- every year of the key's series in its window; year_offset = year - Y (-4 ... 0)
window_points as (

    select
        {% for column in key_columns %}keys.{{ column }},
        {% endfor -%}
        series.reporting_year - keys.reporting_year as year_offset,
        series.value,
        series.ci_lower,
        series.ci_upper,
        series.equity_distance,
        series.pooled_org_codes
    from keys
    inner join series
        on keys.metric_id = series.metric_id
        and keys.geography_level = series.geography_level
        and keys.geography_code = series.geography_code
        and keys.breakdown = series.breakdown
        and keys."group" is not distinct from series."group"
        and keys.comparison is not distinct from series.comparison
        and series.reporting_year
            between keys.reporting_year - ({{ var('trend_window_years') }} - 1) and keys.reporting_year

),

-- each point centred on its window's means, over the years with a value (with a d)
centred_points as (

    select
        *,
        year_offset - avg(case when value is not null then year_offset end) over key_window
            as value_offset_centred,
        value - avg(value) over key_window as value_centred,
        year_offset - avg(case when equity_distance is not null then year_offset end) over key_window
            as distance_offset_centred,
        equity_distance - avg(equity_distance) over key_window as distance_centred
    from window_points
    window key_window as (partition by {{ key_columns | join(', ') }})

),

window_sums as (

    select
        {{ key_columns | join(', ') }},
        max(case when year_offset = 0 then value end) as value,
        max(case when year_offset = 0 then ci_lower end) as ci_lower,
        max(case when year_offset = 0 then ci_upper end) as ci_upper,
        max(case when year_offset = -1 then value end) as previous_value,
        max(case when year_offset = -1 then ci_lower end) as previous_ci_lower,
        max(case when year_offset = -1 then ci_upper end) as previous_ci_upper,
        count(value) as years_with_value,
        sum(value_offset_centred * value_centred order by year_offset) as value_sxy,
        sum(case when value is not null then value_offset_centred * value_offset_centred end
            order by year_offset) as value_sxx,
        count(equity_distance) as years_with_distance,
        sum(distance_offset_centred * distance_centred order by year_offset) as distance_sxy,
        sum(case when equity_distance is not null then distance_offset_centred * distance_offset_centred end
            order by year_offset) as distance_sxx,
        sum(distance_centred * distance_centred order by year_offset) as distance_syy
    from centred_points
    group by all

),

-- the trusts pooled in the years with a value, and whether any is not the row's own trust
pooled_codes as (

    select
        {{ key_columns | join(', ') }},
        array_to_string(list_sort(list_distinct(list(org_code))), ';') as pooled_org_codes,
        bool_or(org_code <> geography_code) as pools_predecessors
    from (
        select
            *,
            unnest(string_split(pooled_org_codes, ';')) as org_code
        from window_points
        where value is not null
            and pooled_org_codes is not null
    )
    group by all

),

slopes as (

    select
        window_sums.*,
        case when years_with_value >= {{ var('trend_minimum_years') }}
            then value_sxy / value_sxx end as slope_5yr,
        case when years_with_distance >= {{ var('trend_minimum_years') }}
            then distance_sxy / distance_sxx end as distance_slope,
        case when years_with_distance >= {{ var('trend_minimum_years') }}
            then sqrt(
                greatest(distance_syy - distance_sxy * distance_sxy / distance_sxx, 0.0)
                / (years_with_distance - 2) / distance_sxx
            ) end as distance_slope_se
    from window_sums

),

windows as (

    select
        {% for column in key_columns %}keys.{{ column }},
        {% endfor -%}
        slopes.value,
        slopes.ci_lower,
        slopes.ci_upper,
        slopes.previous_value,
        slopes.previous_ci_lower,
        slopes.previous_ci_upper,
        coalesce(slopes.years_with_value, 0) as years_with_value,
        slopes.slope_5yr,
        coalesce(slopes.years_with_distance, 0) as years_with_distance,
        slopes.distance_slope,
        slopes.distance_slope_se,
        t_quantiles.t_quantile,
        slopes.distance_slope - t_quantiles.t_quantile * slopes.distance_slope_se
            as distance_slope_lower,
        slopes.distance_slope + t_quantiles.t_quantile * slopes.distance_slope_se
            as distance_slope_upper,
        case when pooled_codes.pools_predecessors then pooled_codes.pooled_org_codes end
            as pooled_org_codes
    from keys
    left join slopes
        on keys.metric_id = slopes.metric_id
        and keys.reporting_year = slopes.reporting_year
        and keys.geography_level = slopes.geography_level
        and keys.geography_code = slopes.geography_code
        and keys.breakdown = slopes.breakdown
        and keys."group" is not distinct from slopes."group"
        and keys.comparison is not distinct from slopes.comparison
    left join pooled_codes
        on keys.metric_id = pooled_codes.metric_id
        and keys.reporting_year = pooled_codes.reporting_year
        and keys.geography_level = pooled_codes.geography_level
        and keys.geography_code = pooled_codes.geography_code
        and keys.breakdown = pooled_codes.breakdown
        and keys."group" is not distinct from pooled_codes."group"
        and keys.comparison is not distinct from pooled_codes.comparison
    left join t_quantiles
        on slopes.distance_slope is not null
        and slopes.years_with_distance - 2 = t_quantiles.degrees_of_freedom

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
    previous_value::double as previous_value,
    previous_ci_lower::double as previous_ci_lower,
    previous_ci_upper::double as previous_ci_upper,
    years_with_value::integer as years_with_value,
    slope_5yr::double as slope_5yr,
    years_with_distance::integer as years_with_distance,
    distance_slope::double as distance_slope,
    distance_slope_se::double as distance_slope_se,
    t_quantile::double as t_quantile,
    distance_slope_lower::double as distance_slope_lower,
    distance_slope_upper::double as distance_slope_upper,
    pooled_org_codes::varchar as pooled_org_codes
from windows
