-- wres1_pct_headcount: in every breakdown with staff, White + BME + Unknown = 100% of the
-- headcount, and the broad groups Asian + Black + Mixed + Other = BME (counts and shares).
-- Returns the breakdowns that break either rule.
with

shares as (

    select
        geography_level,
        geography_code,
        reporting_year,
        breakdown,
        max(denominator_a) as total_headcount,
        sum(numerator_a) filter (where "group" in ('White', 'BME', 'Unknown')) as ethnic_group_headcount,
        sum(value) filter (where "group" in ('White', 'BME', 'Unknown')) as ethnic_group_share,
        sum(numerator_a) filter (where "group" = 'BME') as bme_headcount,
        sum(numerator_a) filter (where "group" in ('Asian', 'Black', 'Mixed', 'Other')) as broad_group_headcount,
        sum(value) filter (where "group" = 'BME') as bme_share,
        sum(value) filter (where "group" in ('Asian', 'Black', 'Mixed', 'Other')) as broad_group_share
    from {{ ref('int_metric__wres1_pct_headcount') }}
    where denominator_a > 0
    group by all

)

select *
from shares
where ethnic_group_headcount <> total_headcount
    or broad_group_headcount <> bme_headcount
    or abs(ethnic_group_share - 100.0) > 1e-9
    or abs(broad_group_share - bme_share) > 1e-9
