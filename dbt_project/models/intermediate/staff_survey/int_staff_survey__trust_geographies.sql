-- Which geographies each trust counts towards for the staff survey indicators of a WRES year:
-- itself, its etr region and England. Trusts are those expected in the year (open in etr.csv
-- during it) plus any trust in etr.csv with respondents without being expected. Every WRES
-- year is included, with or without a survey file, so that a missing or quarantined survey
-- year is still published (as null values with a note).
-- For trends only, a trust in a successor's lineage (int_successor_lineages) also counts
-- towards the geography `successor_lineage` coded as the successor, so that the successor's
-- trend pools the respondents of its whole lineage in every year. equity_metrics never
-- publishes that level.
with

survey_years as (

    select * from {{ ref('int_staff_survey__survey_years') }}

),

trusts_expected as (

    select
        trusts_expected.org_code,
        trusts_expected.reporting_year,
        trusts_expected.region_code
    from {{ ref('int_trusts_expected') }} as trusts_expected
    inner join survey_years
        on trusts_expected.reporting_year = survey_years.reporting_year

),

trusts_with_respondents as (

    select distinct
        trust_group_counts.org_code,
        trust_group_counts.reporting_year,
        trust_group_counts.region_code
    from {{ ref('int_staff_survey__trust_group_counts') }} as trust_group_counts
    inner join survey_years
        on trust_group_counts.reporting_year = survey_years.reporting_year

),

reporting_trusts as (

    select
        coalesce(trusts_with_respondents.org_code, trusts_expected.org_code) as org_code,
        coalesce(trusts_with_respondents.reporting_year, trusts_expected.reporting_year)
            as reporting_year,
        coalesce(trusts_with_respondents.region_code, trusts_expected.region_code) as region_code,
        trusts_expected.org_code is not null as is_expected,
        trusts_with_respondents.org_code is not null as has_respondents
    from trusts_expected
    full outer join trusts_with_respondents
        on trusts_expected.org_code = trusts_with_respondents.org_code
        and trusts_expected.reporting_year = trusts_with_respondents.reporting_year

),

successor_lineages as (

    select * from {{ ref('int_successor_lineages') }}

),

trust_geographies as (

    {{ trust_geography_rows('reporting_trusts', 'successor_lineages') }}

)

select
    org_code,
    reporting_year,
    reporting_year - 1 as survey_year,
    geography_level,
    geography_code,
    is_expected,
    has_respondents
from trust_geographies
