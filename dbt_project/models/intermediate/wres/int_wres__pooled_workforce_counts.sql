-- WRES workforce headcount per ethnic group for every breakdown of indicator 1: each staff
-- group and band, each staff group, and the whole workforce (`all`), at trust, region and
-- England level. Every valid (staff group, band) of the input contract (seed wres_bands) is
-- listed for every geography and year, so the key set is the same each year; a breakdown
-- without staff has headcount 0. A geography's counts are the sums over its trusts with a
-- valid return. Who contributed, who was expected and why counts are missing are taken from
-- int_wres__pooled_counts, so they agree with every other WRES figure.
with

-- one row per geography and year (the same on every group row of int_wres__pooled_counts),
-- numbered: the sums below group and join on integers, not on the geography's strings
geographies as materialized (

    select *, row_number() over () as geography_id
    from (
        select distinct
            geography_level,
            geography_code,
            reporting_year,
            trusts_contributing,
            trusts_expected,
            counts_note
        from {{ ref('int_wres__pooled_counts') }}
    )

),

bands as (

    select staff_group, band from {{ ref('wres_bands') }}

),

-- the breakdowns, as metrics.md writes them; staff_group / band null means "all of them"
breakdowns as materialized (

    select *, row_number() over () as breakdown_id
    from (
        select null::varchar as staff_group, null::varchar as band, 'all' as breakdown

        union all
        select distinct staff_group, null::varchar, 'staff_group=' || staff_group
        from bands

        union all
        select staff_group, band, 'staff_group=' || staff_group || ';band=' || band
        from bands
    )

),

groups as materialized (

    select group_name, row_number() over () as group_id
    from (select distinct group_name from {{ ref('int_ethnic_group_members') }})

),

group_members as (

    select group_members.ethnic_category, groups.group_id
    from {{ ref('int_ethnic_group_members') }} as group_members
    inner join groups
        on group_members.group_name = groups.group_name

),

-- read twice: scanning the parquet again costs less than materializing it
workforce as not materialized (

    select * from {{ ref('stg_wres__workforce') }}

),

-- the (staff group, band) pairs the returns hold, numbered
cells as materialized (

    select staff_group, band, row_number() over () as cell_id
    from (select distinct staff_group, band from workforce)

),

-- a cell counts towards its own breakdown, its staff group's and `all` (three equi-joins:
-- one join on `coalesce(...)` would compare every cell with every breakdown)
cell_breakdowns as (

    select cells.cell_id, breakdowns.breakdown_id
    from cells
    inner join breakdowns
        on breakdowns.staff_group = cells.staff_group
        and breakdowns.band = cells.band

    union all
    select cells.cell_id, breakdowns.breakdown_id
    from cells
    inner join breakdowns
        on breakdowns.staff_group = cells.staff_group
        and breakdowns.band is null

    union all
    select cells.cell_id, breakdowns.breakdown_id
    from cells
    inner join breakdowns
        on breakdowns.staff_group is null
        and breakdowns.band is null

),

-- each trust's headcount per cell and group, summed before it is pooled into geographies
trust_cells as (

    select
        workforce.org_code,
        workforce.reporting_year,
        cells.cell_id,
        group_members.group_id,
        sum(workforce.headcount) as headcount
    from workforce
    inner join cells
        on workforce.staff_group is not distinct from cells.staff_group
        and workforce.band is not distinct from cells.band
    inner join group_members
        on workforce.ethnic_category = group_members.ethnic_category
    group by all

),

-- the geographies each trust with a valid return is pooled into
contributing_trusts as (

    select trust_geographies.org_code, trust_geographies.reporting_year, geographies.geography_id
    from {{ ref('int_wres__trust_geographies') }} as trust_geographies
    inner join geographies
        on trust_geographies.geography_level = geographies.geography_level
        and trust_geographies.geography_code = geographies.geography_code
        and trust_geographies.reporting_year = geographies.reporting_year
    where trust_geographies.has_valid_return

),

pooled_cells as (

    select
        contributing_trusts.geography_id,
        trust_cells.cell_id,
        trust_cells.group_id,
        sum(trust_cells.headcount) as headcount
    from contributing_trusts
    inner join trust_cells
        on contributing_trusts.org_code = trust_cells.org_code
        and contributing_trusts.reporting_year = trust_cells.reporting_year
    group by all

),

pooled_sums as (

    select
        pooled_cells.geography_id,
        cell_breakdowns.breakdown_id,
        pooled_cells.group_id,
        sum(pooled_cells.headcount) as headcount
    from pooled_cells
    inner join cell_breakdowns
        on pooled_cells.cell_id = cell_breakdowns.cell_id
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
        on geographies.geography_id = pooled_sums.geography_id
        and breakdowns.breakdown_id = pooled_sums.breakdown_id
        and groups.group_id = pooled_sums.group_id

)

select * from pooled_workforce_counts
