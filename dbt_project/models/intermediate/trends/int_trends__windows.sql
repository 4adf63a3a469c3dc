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
-- Each pass works on one row per key holding the window's years side by side (value_x4 is
-- the value at x = -4, ..., value_x0 at x = 0): no join back to the points, no ordered
-- aggregate.
{%- if var('trend_minimum_years') < 3 %}
    {{ exceptions.raise_compiler_error(
        "var trend_minimum_years must be at least 3: a t-interval needs n - 2 >= 1 degrees of freedom") }}
{%- endif %}
{%- set xs = range(1 - var('trend_window_years'), 1) | list %}
{%- set value_at, distance_at = [], [] %}
{%- for x in xs %}
    {%- do value_at.append('value_x' ~ (x | abs)) %}
    {%- do distance_at.append('distance_x' ~ (x | abs)) %}
{%- endfor %}
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

-- one row per key: the window's value and d at each x, and the figures for Y and Y-1
window_years as (

    select
        key_id,
        {%- for x in xs %}
        max(case when x = {{ x }} then value end) as {{ value_at[loop.index0] }},
        max(case when x = {{ x }} then distance end) as {{ distance_at[loop.index0] }},
        {%- endfor %}
        max(case when x = 0 then ci_lower end) as ci_lower,
        max(case when x = 0 then ci_upper end) as ci_upper,
        max(case when x = -1 then ci_lower end) as previous_ci_lower,
        max(case when x = -1 then ci_upper end) as previous_ci_upper
    from window_points
    group by key_id

),

-- pass 1: the means of x and y over the years with a value (with a d). Each sum adds the
-- years in order (macro ordered_sum), so that it is reproducible to the last bit.
window_means as (

    select
        *,
        {{ value_at[-1] }} as value,
        {{ value_at[-2] }} as previous_value,
        {% for x in xs %}({{ value_at[loop.index0] }} is not null)::integer{% if not loop.last %} + {% endif %}{% endfor %}
            as years_with_value,
        {% for x in xs %}({{ distance_at[loop.index0] }} is not null)::integer{% if not loop.last %} + {% endif %}{% endfor %}
            as years_with_distance
    from window_years

),

window_centres as (

    select
        *,
        case when years_with_value > 0 then
            ({% for x in xs %}case when {{ value_at[loop.index0] }} is not null then {{ x }} else 0 end{% if not loop.last %} + {% endif %}{% endfor %})
            / years_with_value end as value_x_mean,
        {{ ordered_sum(value_at) }} / years_with_value as value_mean,
        case when years_with_distance > 0 then
            ({% for x in xs %}case when {{ distance_at[loop.index0] }} is not null then {{ x }} else 0 end{% if not loop.last %} + {% endif %}{% endfor %})
            / years_with_distance end as distance_x_mean,
        {{ ordered_sum(distance_at) }} / years_with_distance as distance_mean
    from window_means

),

-- pass 2: sums of centred products, and the slopes Sxy / Sxx
window_slopes as (

    select
        *,
        {%- set value_sxy, value_sxx, distance_sxy, distance_sxx = [], [], [], [] %}
        {%- for x in xs %}
        {%- do value_sxy.append('(' ~ x ~ ' - value_x_mean) * (' ~ value_at[loop.index0] ~ ' - value_mean)') %}
        {%- do value_sxx.append('case when ' ~ value_at[loop.index0] ~ ' is not null then (' ~ x ~ ' - value_x_mean) * (' ~ x ~ ' - value_x_mean) end') %}
        {%- do distance_sxy.append('(' ~ x ~ ' - distance_x_mean) * (' ~ distance_at[loop.index0] ~ ' - distance_mean)') %}
        {%- do distance_sxx.append('case when ' ~ distance_at[loop.index0] ~ ' is not null then (' ~ x ~ ' - distance_x_mean) * (' ~ x ~ ' - distance_x_mean) end') %}
        {%- endfor %}
        {{ ordered_sum(value_sxy) }} as value_sxy,
        {{ ordered_sum(value_sxx) }} as value_sxx,
        {{ ordered_sum(distance_sxy) }} as distance_sxy,
        {{ ordered_sum(distance_sxx) }} as distance_sxx
    from window_centres

),

-- pass 3: the residual sum of squares of the regression of d
window_residuals as (

    select
        *,
        {%- set residuals = [] %}
        {%- for x in xs %}
        {%- do residuals.append('power(' ~ distance_at[loop.index0] ~ ' - distance_mean - distance_sxy / distance_sxx * (' ~ x ~ ' - distance_x_mean), 2)') %}
        {%- endfor %}
        case when years_with_distance >= {{ var('trend_minimum_years') }}
            then {{ ordered_sum(residuals) }} end as distance_sse
    from window_slopes

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
        *,
        case when years_with_value >= {{ var('trend_minimum_years') }}
            then value_sxy / value_sxx end as slope_5yr,
        case when years_with_distance >= {{ var('trend_minimum_years') }}
            then distance_sxy / distance_sxx end as distance_slope,
        case when years_with_distance >= {{ var('trend_minimum_years') }}
            then sqrt(distance_sse / (years_with_distance - 2) / distance_sxx)
        end as distance_slope_se
    from window_residuals

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
