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
-- The regressions take three passes: the window's means; sums of centred products, giving
-- slope = Sxy / Sxx; the residual sum of squares SSE = sum of (d - mean d - slope (x - mean x))^2.
{%- if var('trend_minimum_years') < 3 %}
    {{ exceptions.raise_compiler_error(
        "var trend_minimum_years must be at least 3: a t-interval needs n - 2 >= 1 degrees of freedom") }}
{%- endif %}
{%- set key_columns = ['metric_id', 'reporting_year', 'geography_level', 'geography_code', 'breakdown', '"group"', 'comparison'] %}

with

-- the equity_metrics keys, each with a surrogate id for the joins below
keys as (

    select
        {{ key_columns | join(', ') }},
        row_number() over (order by {{ key_columns | join(', ') }}) as key_id
    from {{ ref('fct_equity_metrics') }}

),

series as (

    select * from {{ ref('int_trends__series') }}

),

t_quantiles as (

    select degrees_of_freedom, t_quantile from {{ ref('int_trends__t_quantiles') }}

),

-- every year of the key's series in its window; x = year - Y (-4 ... 0)
window_points as (

    select
        keys.key_id,
        keys.geography_code,
        series.reporting_year - keys.reporting_year as x,
        series.value,
        series.ci_lower,
        series.ci_upper,
        series.equity_distance as distance,
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

-- pass 1: the window's figures for Y and Y-1, and the means of x and y over the years with
-- a value (with a d). Sums run in year order, so that they are reproducible to the last bit.
window_means as (

    select
        key_id,
        max(case when x = 0 then value end) as value,
        max(case when x = 0 then ci_lower end) as ci_lower,
        max(case when x = 0 then ci_upper end) as ci_upper,
        max(case when x = -1 then value end) as previous_value,
        max(case when x = -1 then ci_lower end) as previous_ci_lower,
        max(case when x = -1 then ci_upper end) as previous_ci_upper,
        count(value) as years_with_value,
        sum(case when value is not null then x end) / count(value) as value_x_mean,
        sum(value order by x) / count(value) as value_mean,
        count(distance) as years_with_distance,
        sum(case when distance is not null then x end) / count(distance) as distance_x_mean,
        sum(distance order by x) / count(distance) as distance_mean
    from window_points
    group by key_id

),

-- pass 2: sums of centred products, and the slopes Sxy / Sxx
window_slopes as (

    select
        window_means.*,
        sum((window_points.x - value_x_mean) * (window_points.value - value_mean)
            order by window_points.x) as value_sxy,
        sum(case when window_points.value is not null
                then (window_points.x - value_x_mean) * (window_points.x - value_x_mean) end
            order by window_points.x) as value_sxx,
        sum((window_points.x - distance_x_mean) * (window_points.distance - distance_mean)
            order by window_points.x) as distance_sxy,
        sum(case when window_points.distance is not null
                then (window_points.x - distance_x_mean) * (window_points.x - distance_x_mean) end
            order by window_points.x) as distance_sxx
    from window_means
    inner join window_points
        on window_means.key_id = window_points.key_id
    group by all

),

-- pass 3: the residual sum of squares of the regression of d
window_residuals as (

    select
        window_slopes.key_id,
        sum(
            power(
                window_points.distance - distance_mean
                - distance_sxy / distance_sxx * (window_points.x - distance_x_mean),
                2
            )
            order by window_points.x
        ) as distance_sse
    from window_slopes
    inner join window_points
        on window_slopes.key_id = window_points.key_id
    where window_slopes.years_with_distance >= {{ var('trend_minimum_years') }}
    group by window_slopes.key_id

),

-- the trusts pooled in the years with a value, and whether any is not the row's own trust
pooled_codes as (

    select
        key_id,
        array_to_string(list_sort(list_distinct(list(org_code))), ';') as pooled_org_codes,
        bool_or(org_code <> geography_code) as pools_predecessors
    from (
        select
            key_id,
            geography_code,
            unnest(string_split(pooled_org_codes, ';')) as org_code
        from window_points
        where value is not null
            and pooled_org_codes is not null
    )
    group by key_id

),

slopes as (

    select
        window_slopes.*,
        case when years_with_value >= {{ var('trend_minimum_years') }}
            then value_sxy / value_sxx end as slope_5yr,
        case when years_with_distance >= {{ var('trend_minimum_years') }}
            then distance_sxy / distance_sxx end as distance_slope,
        case when years_with_distance >= {{ var('trend_minimum_years') }}
            then sqrt(window_residuals.distance_sse / (years_with_distance - 2) / distance_sxx)
        end as distance_slope_se
    from window_slopes
    left join window_residuals
        on window_slopes.key_id = window_residuals.key_id

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
        on keys.key_id = slopes.key_id
    left join pooled_codes
        on keys.key_id = pooled_codes.key_id
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
