-- The WRES reporting years that publish the staff survey indicators (wres5-8), each with the
-- survey year S = Y - 1 that feeds it and what became of that survey year's file. A WRES
-- year whose survey file is missing or quarantined is still listed: its figures are then
-- published as null with survey_note, not left out.
with

reporting_years as (

    select reporting_year
    from {{ ref('int_reporting_years') }}
    where has_wres or has_staff_survey

),

-- responses.csv[.gz] or responses.parquet; the folder's column_map.csv is not a survey file
response_files as (

    select
        reporting_year as survey_year,
        bool_or(outcome = 'loaded') as any_loaded,
        bool_or(outcome = 'quarantined') as any_quarantined
    from {{ ref('stg_pipeline__file_outcomes') }}
    where source_system = 'staff_survey'
        and reporting_year is not null
        and lower(regexp_extract(source_file, '[^/]+$')) like 'responses.%'
    group by survey_year

),

respondents as (

    select survey_year, count(*) as respondents
    from {{ ref('stg_staff_survey__responses') }}
    group by survey_year

),

survey_years as (

    select
        reporting_years.reporting_year,
        reporting_years.reporting_year - 1 as survey_year,
        case
            when respondents.respondents > 0 or response_files.any_loaded then 'loaded'
            when response_files.any_quarantined then 'quarantined'
            else 'missing'
        end as file_status,
        coalesce(respondents.respondents, 0)::bigint as respondents
    from reporting_years
    left join respondents
        on reporting_years.reporting_year - 1 = respondents.survey_year
    left join response_files
        on reporting_years.reporting_year - 1 = response_files.survey_year

)

select
    reporting_year,
    survey_year,
    file_status,
    respondents,
    case file_status
        when 'missing'
            then 'No staff survey file was landed for survey year ' || survey_year
                || ', which feeds this reporting year.'
        when 'quarantined'
            then 'The staff survey file for survey year ' || survey_year
                || ', which feeds this reporting year, was quarantined (it failed validation).'
    end as survey_note
from survey_years
