-- wres1_pct_headcount (metrics.md, WRES): each ethnic group's share of the workforce
-- headcount as at 31 March Y, in percent (0-100), per staff group and band, per staff group
-- and overall (`breakdown`), for every trust, region and England. The denominator is all
-- headcount of the breakdown, Unknown included. Descriptive: no band or significance; the
-- 95% interval is Wilson's. Regions and England use pooled counts, never averaged shares.
with

pooled_workforce_counts as (

    select * from {{ ref('int_wres__pooled_workforce_counts') }}

),

group_types as (

    select distinct group_name, group_type from {{ ref('int_ethnic_group_members') }}

),

-- everyone in the breakdown: White + BME + Unknown (the broad groups are parts of BME),
-- per geography, year and breakdown. A group by joined back: a window partitioned by four
-- strings cost half as much again.
totals as (

    select
        pooled_workforce_counts.geography_level,
        pooled_workforce_counts.geography_code,
        pooled_workforce_counts.reporting_year,
        pooled_workforce_counts.breakdown,
        sum(pooled_workforce_counts.headcount) as total_headcount
    from pooled_workforce_counts
    inner join group_types
        on pooled_workforce_counts.group_name = group_types.group_name
    where group_types.group_type = 'ethnic_group'
    group by all

),

with_totals as (

    select
        pooled_workforce_counts.*,
        totals.total_headcount
    from pooled_workforce_counts
    inner join group_types
        on pooled_workforce_counts.group_name = group_types.group_name
    left join totals
        on pooled_workforce_counts.geography_level = totals.geography_level
        and pooled_workforce_counts.geography_code = totals.geography_code
        and pooled_workforce_counts.reporting_year = totals.reporting_year
        and pooled_workforce_counts.breakdown = totals.breakdown

),

measured as (

    select
        *,
        case when total_headcount > 0
            then 100.0 * headcount::double / total_headcount end as value,
        {{ wilson_interval('headcount', 'total_headcount', 'lower') }} as ci_lower,
        {{ wilson_interval('headcount', 'total_headcount', 'upper') }} as ci_upper
    from with_totals

),

metric_rows as (

    select
        'wres1_pct_headcount'::varchar as metric_id,
        reporting_year::integer as reporting_year,
        geography_level::varchar as geography_level,
        geography_code::varchar as geography_code,
        breakdown::varchar as breakdown,
        group_name::varchar as "group",
        null::varchar as comparison,
        value::double as value,
        ci_lower::double as ci_lower,
        ci_upper::double as ci_upper,
        headcount::bigint as numerator_a,
        total_headcount::bigint as denominator_a,
        null::bigint as numerator_b,
        null::bigint as denominator_b,
        null::varchar as equity_band,
        null::boolean as significant,
        false as suppressed,
        coalesce(
            counts_note,
            case when total_headcount = 0
                then 'Undefined: no staff in this breakdown (headcount 0), so the share is undefined.'
            end
        )::varchar as note,
        trusts_contributing::bigint as trusts_contributing,
        trusts_expected::bigint as trusts_expected,
        '{{ var("method_version") }}'::varchar as method_version
    from measured

)

select {{ equity_metrics_columns() }} from metric_rows
