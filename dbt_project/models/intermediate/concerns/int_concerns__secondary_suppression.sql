-- Secondary disclosure control of the concerns counts (metrics.md, "Disclosure control"),
-- one row per count, with the columns of int_concerns__primary_suppression (which it reads)
-- and more cells suppressed: within each total below, when exactly one part is suppressed,
-- the smallest unsuppressed non-zero part (ties broken by name) is suppressed too, repeated
-- until no total has exactly one suppressed part (macro secondary_suppression):
--   BME = Asian + Black + Mixed + Other;     All = White + BME + Unknown;
--   IMG = EEA + Outside EEA;                 All = UK + IMG + Unknown (place of qualification);
--   All professions = Doctor + Dentist + Pharmacist;
--   England = the sum of the regions.
-- Each measure (cases, exclusions, assessments, assessed_expected, exclusions_ended) and
-- year is checked on its own. The parts are the controlled counts below national level
-- (national counts are exact and never suppressed; England is a total, not a part), every
-- breakdown and group included, even those not published as rows (group `All`, place of
-- qualification `Unknown`): they are still totals and parts. "Smallest" compares the exact
-- counts. Practitioner counts are not controlled.
-- suppression_rule is the code the suppression log publishes: `concerns_primary_1_to_7`
-- (int_concerns__primary_suppression) or `secondary`. Not published: exact_count holds the
-- hidden values.
with

primary_suppression as (

    select * from {{ ref('int_concerns__primary_suppression') }}

),

cells as (

    select
        *,
        row_number() over (
            order by reporting_year, geography_level, geography_code, breakdown, classification,
                group_name, measure
        ) as cell_id,
        exact_count as cell_count
    from primary_suppression

),

-- the controlled counts below national level: the parts of the totals
parts as (

    select * from cells
    where is_controlled and geography_level <> 'national'

),

-- the group totals, and the groups that are their parts
group_totals(total_name, classification, group_name) as (

    values
        ('BME = Asian + Black + Mixed + Other', 'ethnicity', 'Asian'),
        ('BME = Asian + Black + Mixed + Other', 'ethnicity', 'Black'),
        ('BME = Asian + Black + Mixed + Other', 'ethnicity', 'Mixed'),
        ('BME = Asian + Black + Mixed + Other', 'ethnicity', 'Other'),
        ('All = White + BME + Unknown', 'ethnicity', 'White'),
        ('All = White + BME + Unknown', 'ethnicity', 'BME'),
        ('All = White + BME + Unknown', 'ethnicity', 'Unknown'),
        ('IMG = EEA + Outside EEA', 'qualification', 'EEA'),
        ('IMG = EEA + Outside EEA', 'qualification', 'Outside EEA'),
        ('All = UK + IMG + Unknown', 'qualification', 'UK'),
        ('All = UK + IMG + Unknown', 'qualification', 'IMG'),
        ('All = UK + IMG + Unknown', 'qualification', 'Unknown')

),

-- one row per part of a total; a total is named by its rule and the cell it is the total of
memberships as (

    select
        concat_ws(' | ', group_totals.total_name, parts.reporting_year, parts.measure,
            parts.geography_code, parts.breakdown) as total_id,
        parts.cell_id,
        parts.group_name as part_name
    from parts
    inner join group_totals
        on parts.classification = group_totals.classification
        and parts.group_name = group_totals.group_name

    union all

    -- All professions = Doctor + Dentist + Pharmacist
    select
        concat_ws(' | ', 'All professions', reporting_year, measure, geography_code,
            classification, group_name) as total_id,
        cell_id,
        breakdown as part_name
    from parts
    where breakdown <> 'all'

    union all

    -- England = the sum of the regions
    select
        concat_ws(' | ', 'England', reporting_year, measure, breakdown, classification,
            group_name) as total_id,
        cell_id,
        geography_code as part_name
    from parts
    where geography_level = 'region'

),

suppressed_cells as (

    select * from {{ secondary_suppression('cells', 'memberships') }}

),

secondary_suppression as (

    select
        ---------- the cell
        cells.reporting_year::integer as reporting_year,
        cells.geography_level::varchar as geography_level,
        cells.geography_code::varchar as geography_code,
        cells.breakdown::varchar as breakdown,
        cells.classification::varchar as classification,
        cells.group_name::varchar as group_name,
        cells.measure::varchar as measure,
        cells.is_controlled::boolean as is_controlled,

        ---------- the count, exact and as published
        cells.exact_count::bigint as exact_count,
        case when suppressed_cells.cell_id is null
            then cells.published_count
        end::bigint as published_count,

        ---------- disclosure control
        (suppressed_cells.cell_id is not null)::boolean as is_suppressed,
        case
            when cells.is_suppressed then 'concerns_primary_1_to_7'
            when suppressed_cells.cell_id is not null then 'secondary'
        end::varchar as suppression_rule,
        cells.count_note::varchar as count_note
    from cells
    left join suppressed_cells
        on cells.cell_id = suppressed_cells.cell_id

)

select * from secondary_suppression
