-- Exact concerns counts per reporting year, geography, breakdown and group: the counts
-- every concerns figure is computed from, before disclosure control
-- (int_concerns__primary_suppression). Not published.
--
-- The cells are complete: every concerns reporting year x geography x breakdown x group,
-- so that a cell with no case is a 0 and its figures are still published. A year whose
-- case extract (or population file) was missing or quarantined has null counts and a note.
-- Geographies are England and the regions of regions.csv that appear in the concerns data
-- of any year; breakdowns are `all` and each profession that appears; groups are `All`, the
-- ethnic groups (White, BME, Unknown and the broad groups) and the places-of-qualification
-- groups (UK, IMG, EEA, Outside EEA, Unknown).
with

reporting_years as (

    select * from {{ ref('int_reporting_years') }}

),

file_outcomes as (

    select * from {{ ref('stg_pipeline__file_outcomes') }}

),

group_facts as (

    select * from {{ ref('int_concerns__group_facts') }}

),

ethnic_group_members as (

    select * from {{ ref('int_ethnic_group_members') }}

),

qualification_group_members as (

    select * from {{ ref('int_concerns__qualification_group_members') }}

),

-- the valid (loaded) extracts of each year: from the run's file outcomes, and from the
-- validated rows themselves, so that the model never depends on the manifest alone
loaded_extracts as (

    select
        reporting_year,
        case
            when lower(source_file) like '%/cases.csv' then 'cases'
            when lower(source_file) like '%/practitioner_population.csv' then 'population'
        end as extract
    from file_outcomes
    where source_system = 'concerns' and outcome = 'loaded'

    union all

    select distinct
        reporting_year,
        case fact_kind when 'case' then 'cases' else 'population' end as extract
    from group_facts
    where fact_kind in ('case', 'population')

),

concerns_years as (

    select
        reporting_years.reporting_year,
        coalesce(bool_or(loaded_extracts.extract = 'cases'), false) as has_valid_cases,
        coalesce(bool_or(loaded_extracts.extract = 'population'), false) as has_valid_population
    from reporting_years
    left join loaded_extracts
        on reporting_years.reporting_year = loaded_extracts.reporting_year
    where reporting_years.has_concerns
    group by reporting_years.reporting_year

),

geographies as (

    select distinct geography_level, geography_code
    from group_facts

    -- England is published even in a run whose concerns extracts were all quarantined
    union

    select 'national' as geography_level, '{{ var("national_geography_code") }}' as geography_code

),

breakdowns as (

    select distinct breakdown from group_facts

    union

    select 'all' as breakdown

),

groups as (

    select 'all' as classification, 'All' as group_name

    union all

    select distinct 'ethnicity' as classification, group_name from ethnic_group_members

    union all

    select distinct 'qualification' as classification, group_name from qualification_group_members

),

sums as (

    select
        reporting_year,
        geography_level,
        geography_code,
        breakdown,
        classification,
        group_name,
        sum(cases) as cases,
        sum(exclusions) as exclusions,
        sum(assessments) as assessments,
        sum(assessed_expected) as assessed_expected,
        sum(exclusions_ended) as exclusions_ended,
        sum(practitioners) as practitioners
    from group_facts
    group by all

),

counts as (

    select
        ---------- the cell
        concerns_years.reporting_year::integer as reporting_year,
        geographies.geography_level::varchar as geography_level,
        geographies.geography_code::varchar as geography_code,
        breakdowns.breakdown::varchar as breakdown,
        groups.classification::varchar as classification,
        groups.group_name::varchar as group_name,

        ---------- exact counts from the case extract (null without a valid one)
        case when concerns_years.has_valid_cases
            then coalesce(sums.cases, 0) end::bigint as cases,
        case when concerns_years.has_valid_cases
            then coalesce(sums.exclusions, 0) end::bigint as exclusions,
        case when concerns_years.has_valid_cases
            then coalesce(sums.assessments, 0) end::bigint as assessments,
        case when concerns_years.has_valid_cases
            then coalesce(sums.assessed_expected, 0) end::bigint as assessed_expected,
        case when concerns_years.has_valid_cases
            then coalesce(sums.exclusions_ended, 0) end::bigint as exclusions_ended,

        ---------- practitioners from the population file (null without a valid one)
        case when concerns_years.has_valid_population
            then coalesce(sums.practitioners, 0) end::bigint as practitioners,

        ---------- why counts are null
        case when not concerns_years.has_valid_cases
            then 'No valid concerns case extract for this year (missing or quarantined).'
        end::varchar as cases_note,
        case when not concerns_years.has_valid_population
            then 'No valid practitioner population file for this year (missing or quarantined), so rates cannot be computed.'
        end::varchar as population_note

    from concerns_years
    cross join geographies
    cross join breakdowns
    cross join groups
    left join sums
        on concerns_years.reporting_year = sums.reporting_year
        and geographies.geography_level = sums.geography_level
        and geographies.geography_code = sums.geography_code
        and breakdowns.breakdown = sums.breakdown
        and groups.classification = sums.classification
        and groups.group_name = sums.group_name

)

select * from counts
