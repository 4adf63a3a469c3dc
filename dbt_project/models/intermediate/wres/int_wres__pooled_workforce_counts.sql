-- WRES workforce headcount per ethnic group for every breakdown of indicator 1: each staff
-- group and band, each staff group, and the whole workforce (`all`), at trust, region and
-- England level. Every valid (staff group, band) of the input contract (seed wres_bands) is
-- listed for every geography and year, so the key set is the same each year; a breakdown
-- without staff has headcount 0. A geography's counts are the sums over its trusts with a
-- valid return. Who contributed, who was expected and why counts are missing are taken from
-- int_wres__pooled_counts, so they agree with every other WRES figure.
with

geographies as (

    -- one row per geography and year (the same on every group row of int_wres__pooled_counts)
    select distinct
        geography_level,
        geography_code,
        reporting_year,
        trusts_contributing,
        trusts_expected,
        counts_note
    from {{ ref('int_wres__pooled_counts') }}

),

bands as (

    select staff_group, band from {{ ref('wres_bands') }}

),

-- the breakdowns, as metrics.md writes them; staff_group / band null means "all of them"
breakdowns as (

    select null::varchar as staff_group, null::varchar as band, 'all' as breakdown

    union all
    select distinct staff_group, null::varchar, 'staff_group=' || staff_group
    from bands

    union all
    select staff_group, band, 'staff_group=' || staff_group || ';band=' || band
    from bands

),

groups as (

    select distinct group_name from {{ ref('int_ethnic_group_members') }}

),

contributing_trusts as (

    select org_code, reporting_year, geography_level, geography_code
    from {{ ref('int_wres__trust_geographies') }}
    where has_valid_return

),

-- each workforce cell (staff group, band) per geography and group
pooled_cells as (

    select
        contributing_trusts.geography_level,
        contributing_trusts.geography_code,
        contributing_trusts.reporting_year,
        workforce.staff_group,
        workforce.band,
        group_members.group_name,
        sum(workforce.headcount) as headcount
    from contributing_trusts
    inner join {{ ref('stg_wres__workforce') }} as workforce
        on contributing_trusts.org_code = workforce.org_code
        and contributing_trusts.reporting_year = workforce.reporting_year
    inner join {{ ref('int_ethnic_group_members') }} as group_members
        on workforce.ethnic_category = group_members.ethnic_category
    group by all

),

-- a cell counts towards its own breakdown, its staff group's and `all` (three equi-joins:
-- one join on `coalesce(...)` would compare every cell with every breakdown)
cell_breakdowns as (

    select pooled_cells.*, breakdowns.breakdown
    from pooled_cells
    inner join breakdowns
        on breakdowns.staff_group = pooled_cells.staff_group
        and breakdowns.band = pooled_cells.band

    union all
    select pooled_cells.*, breakdowns.breakdown
    from pooled_cells
    inner join breakdowns
        on breakdowns.staff_group = pooled_cells.staff_group
        and breakdowns.band is null

    union all
    select pooled_cells.*, breakdowns.breakdown
    from pooled_cells
    inner join breakdowns
        on breakdowns.staff_group is null
        and breakdowns.band is null

),

pooled_sums as (

    select
        geography_level,
        geography_code,
        reporting_year,
        breakdown,
        group_name,
        sum(headcount) as headcount
    from cell_breakdowns
    group by all

),

pooled_workforce_counts as (

    select
        geographies.geography_level,
        geographies.geography_code,
        geographies.reporting_year,
        breakdowns.breakdown,
        breakdowns.staff_group,
        breakdowns.band,
        groups.group_name,
        -- nobody of the group in the breakdown is 0; no contributing trust is null
        case when geographies.counts_note is null
            then coalesce(pooled_sums.headcount, 0) end::bigint as headcount,
        geographies.trusts_contributing::bigint as trusts_contributing,
        geographies.trusts_expected::bigint as trusts_expected,
        geographies.counts_note
    from geographies
    cross join breakdowns
    cross join groups
    left join pooled_sums
        on geographies.geography_level = pooled_sums.geography_level
        and geographies.geography_code = pooled_sums.geography_code
        and geographies.reporting_year = pooled_sums.reporting_year
        and breakdowns.breakdown = pooled_sums.breakdown
        and groups.group_name = pooled_sums.group_name

)

select * from pooled_workforce_counts
